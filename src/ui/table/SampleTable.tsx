import { useEffect, useLayoutEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Sample } from '../../core/types';
import type { SortKey } from '../../persist/db';
import { useDecisionStore } from '../../state/decisionStore';
import { useScoreStore } from '../../state/scoreStore';
import { useViewStore } from '../../state/viewStore';
import { useVisibleSamples } from '../../state/visibleSamples';
import { DecisionButtons } from '../sample/DecisionButtons';

const ROW_HEIGHT = 34;

interface Column {
  key: SortKey | null;
  label: string;
  className: string;
  title?: string;
}

const COLUMNS: Column[] = [
  { key: 'index', label: '#', className: 'c-index' },
  { key: 'instruction', label: 'Instruction', className: 'c-text' },
  { key: null, label: 'Input', className: 'c-input' },
  { key: 'response', label: 'Response', className: 'c-text' },
  { key: 'instructionLength', label: 'Q len', className: 'c-num', title: 'Instruction + input length (characters)' },
  { key: 'responseLength', label: 'A len', className: 'c-num', title: 'Response length (characters)' },
  { key: 'ifd', label: 'IFD', className: 'c-num', title: 'Instruction-following difficulty s(A|Q)/s(A) (after scoring)' },
  { key: 'aifd', label: 'AIFD', className: 'c-num', title: 'Adversarial IFD, mean over attacks (after scoring)' },
  { key: 'decision', label: 'Decision', className: 'c-decision' },
];

function oneLine(text: string): string {
  return text.length > 300 ? text.slice(0, 300).replace(/\s+/g, ' ') : text.replace(/\s+/g, ' ');
}

function Row({ sample, selected, top }: { sample: Sample; selected: boolean; top: number }) {
  const decision = useDecisionStore((s) => s.decisions[sample.id] ?? 'undecided');
  const select = useViewStore((s) => s.select);
  const result = useScoreStore((s) => s.results.get(sample.id));
  return (
    <div
      role="row"
      aria-selected={selected}
      data-testid="sample-row"
      data-sample-id={sample.id}
      className={`table-row ${selected ? 'selected' : ''} d-${decision}`}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => select(sample.id)}
    >
      <div role="cell" className="c-index">{sample.index + 1}</div>
      <div role="cell" className="c-text">{oneLine(sample.instruction)}</div>
      <div role="cell" className="c-input">{oneLine(sample.input)}</div>
      <div role="cell" className="c-text">{oneLine(sample.response)}</div>
      <div role="cell" className="c-num">{sample.instruction.length + sample.input.length}</div>
      <div role="cell" className="c-num">{sample.response.length}</div>
      <ScoreCell value={result?.scores.ifd} testId="cell-ifd" />
      <ScoreCell value={result?.scores.aifd} testId="cell-aifd" />
      <div role="cell" className="c-decision">
        <DecisionButtons ids={[sample.id]} decision={decision} compact />
      </div>
    </div>
  );
}

export function formatScore(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

function ScoreCell({ value, testId }: { value: number | null | undefined; testId: string }) {
  return (
    <div role="cell" className={`c-num ${value === null || value === undefined ? 'muted' : value >= 1 ? 'hot' : ''}`} data-testid={testId}>
      {formatScore(value)}
    </div>
  );
}

/** Virtualised sample table: only the rows in view are in the DOM, so 100k samples scroll smoothly. */
export function SampleTable() {
  const rows = useVisibleSamples();
  const sort = useViewStore((s) => s.sort);
  const setSort = useViewStore((s) => s.setSort);
  const selectedId = useViewStore((s) => s.selectedId);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  // Restore the saved scroll position once per session.
  const sessionScroll = useRef(useViewStore.getState().scrollTop);
  useLayoutEffect(() => {
    if (scrollRef.current && sessionScroll.current) scrollRef.current.scrollTop = sessionScroll.current;
  }, []);

  // Keep the selected row in view when it changes (e.g. from the detail pane).
  useEffect(() => {
    if (!selectedId) return;
    const i = rows.findIndex((r) => r.id === selectedId);
    if (i >= 0) virtualizer.scrollToIndex(i, { align: 'auto' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedId]);

  return (
    <div className="table" role="table" aria-rowcount={rows.length}>
      <div className="table-header" role="row">
        {COLUMNS.map((c) => (
          <div
            key={c.label}
            role="columnheader"
            className={`${c.className} ${c.key ? 'sortable' : ''}`}
            title={c.title}
            aria-sort={c.key && sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
            onClick={c.key ? () => setSort(c.key!) : undefined}
          >
            {c.label}
            {c.key && sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
          </div>
        ))}
      </div>
      <div
        className="table-body"
        ref={scrollRef}
        data-testid="table-body"
        onScroll={(e) => useViewStore.getState().setScrollTop(e.currentTarget.scrollTop)}
      >
        {rows.length === 0 ? (
          <div className="table-empty">No samples match the filter.</div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((v) => {
              const sample = rows[v.index]!;
              return <Row key={sample.id} sample={sample} selected={sample.id === selectedId} top={v.start} />;
            })}
          </div>
        )}
      </div>
    </div>
  );
}
