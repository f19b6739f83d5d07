import { useMemo, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { useDatasetStore } from '../../state/datasetStore';

/**
 * Rows skipped while loading, each with file, line and reason; and warnings about rows that were
 * loaded but changed on the way (`severity: 'warning'`, e.g. an id collision: a new id was given).
 */
export function IssuesPanel() {
  const issues = useDatasetStore((s) => s.issues);
  const warnings = useMemo(() => issues.reduce((n, i) => (i.severity === 'warning' ? n + 1 : n), 0), [issues]);
  const skipped = issues.length - warnings;
  const [open, setOpen] = useState(false);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: open ? issues.length : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 26,
    overscan: 10,
  });
  if (issues.length === 0) return null;
  return (
    <section className="issues-panel" aria-label="Skipped rows" data-testid="issues-panel">
      <button type="button" className="issues-toggle" onClick={() => setOpen(!open)} aria-expanded={open}>
        {open ? '▾' : '▸'}{' '}
        {[
          skipped > 0 || warnings === 0 ? `${skipped.toLocaleString()} rows skipped` : null,
          warnings > 0 ? `${warnings.toLocaleString()} warning${warnings === 1 ? '' : 's'}` : null,
        ]
          .filter(Boolean)
          .join(', ')}{' '}
        while loading
      </button>
      {open && (
        <div className="issues-list" ref={scrollRef}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((v) => {
              const issue = issues[v.index]!;
              return (
                <div
                  key={v.index}
                  className={issue.severity === 'warning' ? 'issue-row issue-warning' : 'issue-row'}
                  data-testid="issue-row"
                  data-severity={issue.severity ?? 'skipped'}
                  style={{ position: 'absolute', top: 0, transform: `translateY(${v.start}px)`, width: '100%' }}
                >
                  <span className="issue-where">
                    {issue.file}:{issue.line}
                  </span>
                  <span className="issue-kind">{issue.kind}</span>
                  <span className="issue-message">{issue.message}</span>
                </div>
              );
            })}
          </div>
        </div>
      )}
    </section>
  );
}
