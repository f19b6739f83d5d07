import { useState } from 'react';
import { useDatasetStore } from '../../state/datasetStore';
import { exportData } from '../../state/sessionController';
import type { ExportFormat, ExportWhich } from '../../workers/dataApi';

const CHOICES: { which: ExportWhich; label: string }[] = [
  { which: 'all', label: 'All samples' },
  { which: 'accepted', label: 'Accepted' },
  { which: 'rejected', label: 'Rejected' },
];

/** Export all / accepted / rejected samples as JSONL or CSV, each record with its `quarry` object. */
export function ExportMenu() {
  const hasSession = useDatasetStore((s) => s.session !== null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = (format: ExportFormat, which: ExportWhich) => {
    setOpen(false);
    setError(null);
    exportData(format, which).catch((e: Error) => setError(e.message));
  };
  return (
    <div className="menu export">
      <button type="button" className="button" disabled={!hasSession} data-testid="export-jsonl" onClick={() => run('jsonl', 'all')}>
        Export JSONL
      </button>
      <button type="button" className="button" disabled={!hasSession} aria-expanded={open} data-testid="export-menu" onClick={() => setOpen(!open)}>
        More exports ▾
      </button>
      {open && (
        <div className="menu-popover export-grid" role="menu">
          {CHOICES.map(({ which, label }) => (
            <div key={which} className="export-row">
              <span>{label}</span>
              {(['jsonl', 'csv'] as const).map((format) => (
                <button
                  key={format}
                  type="button"
                  role="menuitem"
                  className="button"
                  data-testid={`export-${which}-${format}`}
                  onClick={() => run(format, which)}
                >
                  {format.toUpperCase()}
                </button>
              ))}
            </div>
          ))}
        </div>
      )}
      {error && (
        <span className="error-text" role="alert">
          Export failed: {error}
        </span>
      )}
    </div>
  );
}
