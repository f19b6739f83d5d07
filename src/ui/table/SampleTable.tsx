import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Sample, ScoreKey } from '../../core/types';
import type { SortKey } from '../../core/view';
import { useDecisionStore } from '../../state/decisionStore';
import { useScoreStore } from '../../state/scoreStore';
import { useUiPrefs, useViewStore } from '../../state/viewStore';
import { useVisibleSamples } from '../../state/visibleSamples';
import { RangeEditor, placePopover, useDismiss } from '../charts/RangeEditor';
import { SCORE_LABELS } from '../charts/rangeLabels';
import { DecisionButtons } from '../sample/DecisionButtons';
import '../charts/charts.css';

const ROW_HEIGHT = 34;

interface Column {
  id: string;
  key: SortKey | null;
  label: string;
  className: string;
  /** Grid track: fixed px width, or a flexible track with a minimum. */
  width: number;
  flex?: number;
  title?: string;
  score?: ScoreKey;
  /** # and Instruction stay pinned left and Decision right while the score columns scroll. */
  pin?: 'left-0' | 'left-1' | 'right';
  hideable: boolean;
}

const scoreColumn = (score: ScoreKey, label: string, title: string, width = 80): Column => ({
  id: score,
  key: score,
  label,
  className: 'c-num',
  width,
  title,
  score,
  hideable: true,
});

const COLUMNS: Column[] = [
  { id: 'index', key: 'index', label: '#', className: 'c-index', width: 64, pin: 'left-0', hideable: false },
  { id: 'instruction', key: 'instruction', label: 'Instruction', className: 'c-text', width: 180, flex: 2, pin: 'left-1', hideable: false },
  { id: 'input', key: null, label: 'Input', className: 'c-input', width: 80, flex: 1, hideable: true },
  { id: 'response', key: 'response', label: 'Response', className: 'c-text', width: 160, flex: 2, hideable: true },
  { id: 'qlen', key: 'instructionLength', label: 'Q len', className: 'c-num', width: 62, title: 'Instruction + input length (characters)', hideable: true },
  { id: 'alen', key: 'responseLength', label: 'A len', className: 'c-num', width: 62, title: 'Response length (characters)', hideable: true },
  scoreColumn('ifd', 'IFD', 'Instruction-following difficulty s(A|Q)/s(A)', 76),
  scoreColumn('aifd', 'AIFD', 'Adversarial IFD, mean over the attack variants'),
  scoreColumn('aifd_gap', 'AIFD gap', 'AIFD − IFD: how much the rewrites change the difficulty', 98),
  scoreColumn('dist_consistency', 'Dist. cons.', 'Distribution consistency: 1 − JS/ln 2 between the next-token distributions under Q and Q′ (mean over variants)', 98),
  scoreColumn('embed_consistency', 'Out. cons.', 'Output (embedding) consistency: cosine of the greedy outputs under Q and Q′ (mean over variants)', 94),
  scoreColumn('s_a_given_q', 's(A|Q)', 's(A|Q): mean cross-entropy of the response given the instruction (nats)', 86),
  scoreColumn('s_a', 's(A)', 's(A): mean cross-entropy of the response alone (nats)', 76),
  { id: 'decision', key: 'decision', label: 'Decision', className: 'c-decision', width: 104, pin: 'right', hideable: false },
];

/** Columns the user can hide (shown in the column menu). */
export const HIDEABLE_COLUMNS = COLUMNS.filter((c) => c.hideable).map((c) => ({ id: c.id, label: c.score ? SCORE_LABELS[c.score] : c.label }));

function oneLine(text: string): string {
  return text.length > 300 ? text.slice(0, 300).replace(/\s+/g, ' ') : text.replace(/\s+/g, ' ');
}

function cellClass(c: Column): string {
  return c.pin ? `${c.className} pin pin-${c.pin}` : c.className;
}

const Row = memo(function Row({ sample, selected, top, columns }: { sample: Sample; selected: boolean; top: number; columns: Column[] }) {
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
      {columns.map((c) => {
        if (c.score) return <ScoreCell key={c.id} column={c} value={result?.scores[c.score]} />;
        switch (c.id) {
          case 'index':
            return (
              <div key={c.id} role="cell" className={cellClass(c)}>
                {sample.index + 1}
              </div>
            );
          case 'instruction':
          case 'input':
          case 'response':
            return (
              <div key={c.id} role="cell" className={cellClass(c)}>
                {oneLine(sample[c.id])}
              </div>
            );
          case 'qlen':
            return (
              <div key={c.id} role="cell" className={cellClass(c)}>
                {sample.instruction.length + sample.input.length}
              </div>
            );
          case 'alen':
            return (
              <div key={c.id} role="cell" className={cellClass(c)}>
                {sample.response.length}
              </div>
            );
          default:
            return (
              <div key={c.id} role="cell" className={cellClass(c)}>
                <DecisionButtons ids={[sample.id]} decision={decision} compact />
              </div>
            );
        }
      })}
    </div>
  );
});

export function formatScore(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

function ScoreCell({ value, column }: { value: number | null | undefined; column: Column }) {
  const missing = value === null || value === undefined;
  // Red marks a difficulty at or above 1 (the instruction does not help); other scores are plain.
  const hot = !missing && (column.score === 'ifd' || column.score === 'aifd') && value >= 1;
  return (
    <div role="cell" className={`c-num ${missing ? 'muted' : hot ? 'hot' : ''}`} data-testid={`cell-${column.id}`}>
      {formatScore(value)}
    </div>
  );
}

const HeaderCell = memo(function HeaderCell({ column, onRange }: { column: Column; onRange: (key: ScoreKey, anchor: DOMRect) => void }) {
  const sort = useViewStore((s) => s.sort);
  const setSort = useViewStore((s) => s.setSort);
  const hasRange = useViewStore((s) => (column.score ? s.ranges[column.score] !== undefined : false));
  const c = column;
  const sorted = c.key !== null && sort.key === c.key;
  return (
    <div
      role="columnheader"
      className={`${cellClass(c)} th ${c.key ? 'sortable' : ''}`}
      title={c.title}
      data-testid={`header-${c.id}`}
      aria-sort={sorted ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
      onClick={c.key ? () => setSort(c.key!) : undefined}
    >
      <span className="th-label">
        {c.label}
        {sorted ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </span>
      {c.score && (
        <button
          type="button"
          className={`th-button ${hasRange ? 'on' : ''}`}
          title={`Filter ${SCORE_LABELS[c.score]} by range`}
          aria-label={`Filter ${SCORE_LABELS[c.score]} by range`}
          data-testid={`range-button-${c.score}`}
          onClick={(e) => {
            e.stopPropagation();
            onRange(c.score!, e.currentTarget.getBoundingClientRect());
          }}
        >
          <FunnelIcon />
        </button>
      )}
      {c.id === 'decision' && <ColumnMenuButton />}
    </div>
  );
});

function FunnelIcon() {
  return (
    <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true" style={{ display: 'block' }}>
      <path d="M0.5 1h9L6 5.2V9L4 8V5.2z" fill="currentColor" />
    </svg>
  );
}

function ColumnMenuButton() {
  const [anchor, setAnchor] = useState<DOMRect | null>(null);
  return (
    <>
      <button
        type="button"
        className="th-button"
        title="Show or hide columns"
        aria-label="Show or hide columns"
        data-testid="columns-button"
        onClick={(e) => {
          e.stopPropagation();
          setAnchor(anchor ? null : e.currentTarget.getBoundingClientRect());
        }}
      >
        ⚙
      </button>
      {anchor && <ColumnMenu anchor={anchor} onClose={() => setAnchor(null)} />}
    </>
  );
}

function ColumnMenu({ anchor, onClose }: { anchor: DOMRect; onClose: () => void }) {
  const hidden = useUiPrefs((s) => s.hiddenColumns);
  const toggle = useUiPrefs((s) => s.toggleColumn);
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  const stableClose = useMemo(() => () => close.current(), []);
  useDismiss(ref, stableClose);
  const pos = placePopover(anchor, 200, 30 + HIDEABLE_COLUMNS.length * 22);
  return (
    <div ref={ref} className="column-menu" style={{ ...pos, left: Math.max(8, anchor.right - 200) }} data-testid="column-menu" onClick={(e) => e.stopPropagation()}>
      <strong>Columns</strong>
      {HIDEABLE_COLUMNS.map((c) => (
        <label key={c.id}>
          <input type="checkbox" checked={!hidden.includes(c.id)} data-testid={`column-toggle-${c.id}`} onChange={() => toggle(c.id)} />
          {c.label}
        </label>
      ))}
    </div>
  );
}

/** Virtualised sample table: only the rows in view are in the DOM, so 100k samples scroll smoothly. */
export function SampleTable() {
  const rows = useVisibleSamples();
  const selectedId = useViewStore((s) => s.selectedId);
  const hiddenColumns = useUiPrefs((s) => s.hiddenColumns);
  const columns = useMemo(() => COLUMNS.filter((c) => !c.hideable || !hiddenColumns.includes(c.id)), [hiddenColumns]);
  const layout = useMemo(() => {
    const template = columns.map((c) => (c.flex ? `minmax(${c.width}px, ${c.flex}fr)` : `${c.width}px`)).join(' ');
    const minWidth = columns.reduce((s, c) => s + c.width, 0);
    return { '--table-cols': template, '--table-min-width': `${minWidth}px`, '--pin-left-1': `${COLUMNS[0]!.width}px` } as React.CSSProperties;
  }, [columns]);
  const [rangeEdit, setRangeEdit] = useState<{ key: ScoreKey; anchor: DOMRect } | null>(null);
  const closeRangeEdit = useMemo(() => () => setRangeEdit(null), []);
  const openRangeEdit = useMemo(() => (key: ScoreKey, anchor: DOMRect) => setRangeEdit((cur) => (cur?.key === key ? null : { key, anchor })), []);

  const scrollRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLDivElement>(null);
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
    <div className="table" role="table" aria-rowcount={rows.length} style={layout}>
      <div
        className="table-head-scroll"
        ref={headRef}
        onScroll={(e) => {
          // The header scrolls itself when a header button is focused or scrolled into view.
          const body = scrollRef.current;
          if (body && body.scrollLeft !== e.currentTarget.scrollLeft) body.scrollLeft = e.currentTarget.scrollLeft;
        }}
      >
        <div className="table-header" role="row">
          {columns.map((c) => (
            <HeaderCell key={c.id} column={c} onRange={openRangeEdit} />
          ))}
        </div>
      </div>
      {rangeEdit && <RangeEditor key={rangeEdit.key} scoreKey={rangeEdit.key} anchor={rangeEdit.anchor} onClose={closeRangeEdit} />}
      <div
        className="table-body"
        ref={scrollRef}
        data-testid="table-body"
        onScroll={(e) => {
          const el = e.currentTarget;
          if (headRef.current && headRef.current.scrollLeft !== el.scrollLeft) headRef.current.scrollLeft = el.scrollLeft;
          if (useViewStore.getState().scrollTop !== el.scrollTop) useViewStore.getState().setScrollTop(el.scrollTop);
        }}
      >
        {rows.length === 0 ? (
          <div className="table-empty">No samples match the filter.</div>
        ) : (
          <div className="table-rows" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((v) => {
              const sample = rows[v.index]!;
              return <Row key={sample.id} sample={sample} selected={sample.id === selectedId} top={v.start} columns={columns} />;
            })}
          </div>
        )}
      </div>
    </div>
  );
}
