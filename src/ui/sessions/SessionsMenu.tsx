import { useState } from 'react';
import { useDatasetStore } from '../../state/datasetStore';
import { deleteSession, openSession } from '../../state/sessionController';
import { useStorageStore } from '../../state/storageStore';
import { formatBytes } from '../../persist/storageInfo';

/** Saved sessions (each loaded file with its decisions and view), to reopen or delete. */
export function SessionsMenu() {
  const sessions = useDatasetStore((s) => s.sessions);
  const current = useDatasetStore((s) => s.session?.id);
  const [open, setOpen] = useState(false);
  const persisted = useStorageStore((s) => s.persisted);
  const estimate = useStorageStore((s) => s.estimate);
  return (
    <div className="menu">
      <button type="button" className="button" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="sessions-button">
        Sessions ({sessions.length})
      </button>
      {open && (
        <div className="menu-popover sessions" role="menu" data-testid="sessions-menu">
          <div className="muted small storage-line" data-testid="storage-info">
            {estimate ? `Storage: ${formatBytes(estimate.usage)} used of ${formatBytes(estimate.quota)}` : 'Storage: usage unknown'}
            {' · '}
            <span data-testid="storage-persisted">
              {persisted === true
                ? 'kept by the browser (persistent)'
                : persisted === false
                  ? 'not persistent: the browser may evict it when space runs low'
                  : 'persistence unknown'}
            </span>
          </div>
          {sessions.length === 0 && <div className="muted">No saved sessions.</div>}
          {sessions.map((s) => (
            <div key={s.id} className={`session-item ${s.id === current ? 'current' : ''}`} data-testid="session-item">
              <button
                type="button"
                className="session-open"
                data-testid="session-open"
                onClick={() => {
                  setOpen(false);
                  if (s.id !== current) void openSession(s.id);
                }}
              >
                <span className="session-file">{s.name}</span>
                <span className="muted small">
                  {s.sampleCount.toLocaleString()} samples
                  {s.storedBytes ? <span data-testid="session-size"> · ≈{formatBytes(s.storedBytes)}</span> : null} ·{' '}
                  {new Date(s.updatedAt).toLocaleString()}
                </span>
              </button>
              <button
                type="button"
                className="button ghost"
                aria-label={`Delete session ${s.name}`}
                data-testid="session-delete"
                onClick={() => {
                  if (confirm(`Delete the saved session "${s.name}" and its decisions?`)) void deleteSession(s.id);
                }}
              >
                Delete
              </button>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
