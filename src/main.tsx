import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/app/App';
import { initSession } from './state/sessionController';
import './ui/styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// `?nodemo` opens an empty workbench (tests, benchmarks); otherwise the demo loads on first visit.
void initSession();
