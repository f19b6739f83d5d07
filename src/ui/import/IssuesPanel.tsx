import { useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { useDatasetStore } from '../../state/datasetStore';

/** Rows skipped while loading, each with file, line and reason. */
export function IssuesPanel() {
  const issues = useDatasetStore((s) => s.issues);
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
        {open ? '▾' : '▸'} {issues.length.toLocaleString()} rows skipped while loading
      </button>
      {open && (
        <div className="issues-list" ref={scrollRef}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((v) => {
              const issue = issues[v.index]!;
              return (
                <div
                  key={v.index}
                  className="issue-row"
                  data-testid="issue-row"
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
