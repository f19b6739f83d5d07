import { useState } from 'react';
import { useDatasetStore } from '../../state/datasetStore';
import { exportData } from '../../state/sessionController';
import type { ExportFormat, ExportWhich } from '../../workers/dataApi';

const CHOICES: { which: ExportWhich; label: string }[] = [
  { which: 'all', label: 'All samples' },
  { which: 'accepted', label: 'Accepted' },
  { which: 'rejected', label: 'Rejected' },
];

const FORMATS: { format: ExportFormat; label: string; title: string }[] = [
  { format: 'jsonl', label: 'JSONL', title: 'Each original record with its `quarry` object (id, model, template, scores, variants, decision)' },
  { format: 'csv', label: 'CSV', title: 'Original columns, then quarry_id, quarry_decision and one column per score' },
  { format: 'parquet', label: 'Parquet', title: 'Original columns, then quarry_* columns (scores as doubles, variants as JSON text)' },
];

/**
 * Export all / accepted / rejected samples as JSONL, CSV or Parquet, each record with its Quarry
 * metadata. Every export also saves a summary card (`….summary.md`) beside the data file.
 */
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
            <div key={which} className="export-row" style={{ gridTemplateColumns: `1fr repeat(${FORMATS.length}, auto)` }}>
              <span>{label}</span>
              {FORMATS.map(({ format, label: formatLabel, title }) => (
                <button
                  key={format}
                  type="button"
                  role="menuitem"
                  className="button"
                  title={title}
                  data-testid={`export-${which}-${format}`}
                  onClick={() => run(format, which)}
                >
                  {formatLabel}
                </button>
              ))}
            </div>
          ))}
          <p className="muted small" style={{ margin: '6px 4px 2px', maxWidth: 300 }}>A summary card (Markdown: counts, policy, model, attacks, score statistics) is saved beside each export.</p>
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
