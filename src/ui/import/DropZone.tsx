import { useState, type ReactNode } from 'react';
import { loadFile } from '../../state/sessionController';

/** Accepts a dataset file dropped anywhere on the page. */
export function DropZone({ children }: { children: ReactNode }) {
  const [over, setOver] = useState(false);
  return (
    <div
      className="dropzone"
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer.files[0];
        if (file) void loadFile(file);
      }}
    >
      {children}
      {over && <div className="drop-overlay">Drop the dataset to load it</div>}
    </div>
  );
}
