import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/app/App';
import { connectStores } from './state/connectStores';
import { initSession } from './state/sessionController';
import './ui/styles.css';

// Derived state (the shown rows, the policy panel's per-session state) follows its stores from here on.
connectStores();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// `?nodemo` opens an empty workbench (tests, benchmarks); otherwise the demo loads on first visit.
void initSession();
