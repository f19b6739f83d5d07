import { memo, useMemo } from 'react';
import { Bar, BarChart, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import type { ScoreColumns } from '../../core/sampleViews';
import { useViewStore } from '../../state/viewStore';
import { binLayout, extent, histogram, niceStep, ticks } from './binning';
import { bounds } from '../../core/ranges';
import type { ScoreKey } from '../../core/types';
import { SCORE_LABELS, describeRange } from './rangeLabels';
import { useStaggered, useStaggeredShown } from './useChartData';

const W = 232;
const H = 150;
const SHOWN = '#2c5fd6';
const SHOWN_OUT = '#a9b9e3';
const REST = '#deded8';

export const compact = (n: number) => (n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));
const fmt = (v: number) => String(Number(v.toFixed(3)));

interface BinRow {
  i: number;
  mid: number;
  lo: number;
  hi: number;
  shown: number;
  rest: number;
}

function BinTooltip({ active, payload }: { active?: boolean; payload?: ReadonlyArray<{ payload?: BinRow }> }) {
  const row = payload?.[0]?.payload;
  if (!active || !row) return null;
  return (
    <div className="range-popover" style={{ position: 'static', width: 'auto', padding: '4px 8px', fontSize: 12 }}>
      [{fmt(row.lo)}, {fmt(row.hi)}): {(row.shown + row.rest).toLocaleString()}
      {row.rest > 0 ? ` (${row.shown.toLocaleString()} shown)` : ''}
      <div className="muted">click: filter to this bin · shift-click: extend</div>
    </div>
  );
}

/**
 * Histogram of one score: bins computed here in one pass over the score column (cached per scores
 * version); the rows the table shows are drawn over the rest. Clicking a bar sets that score's range.
 */
export const Histogram = memo(function Histogram(props: {
  scoreKey: ScoreKey;
  columns: ScoreColumns;
  /** Update order (each chart renders in its own task). */
  slot: number;
  title?: string;
}) {
  const columns = useStaggered(props.columns, props.slot);
  if (!columns) return <ChartPlaceholder width={W + 14} height={H + 44} />;
  return <HistogramChart {...props} columns={columns} />;
});

function HistogramChart({ scoreKey, columns, slot, title }: { scoreKey: ScoreKey; columns: ScoreColumns; slot: number; title?: string }) {
  // Shown rows (positions into the columns), or null when every sample is shown.
  const positions = useStaggeredShown(columns, slot);
  const range = useViewStore((s) => s.ranges[scoreKey]);
  const setRange = useViewStore((s) => s.setRange);
  const values = columns.cols[scoreKey];

  const layout = useMemo(() => {
    const e = extent(values);
    if (e.count === 0) return null;
    const edges = binLayout(e.min, e.max, 24);
    const all = histogram(values, edges);
    const span = edges[edges.length - 1]! - edges[0]!;
    return { edges, all, ticks: ticks(edges[0]!, edges[edges.length - 1]!, niceStep(span, 4)) };
  }, [values]);

  const shown = useMemo(() => (layout && positions ? histogram(values, layout.edges, positions) : null), [layout, positions, values]);

  const data = useMemo<BinRow[]>(() => {
    if (!layout) return [];
    const { edges, all } = layout;
    return Array.from(all.counts, (count, i) => {
      const s = shown ? shown.counts[i]! : count;
      return { i, lo: edges[i]!, hi: edges[i + 1]!, mid: (edges[i]! + edges[i + 1]!) / 2, shown: s, rest: count - s };
    });
  }, [layout, shown]);

  if (!layout) return null;
  const b = bounds(range);
  const inRange = (row: BinRow) => !b || (row.hi > b[0] && row.lo <= b[1]);
  const pick = (i: number, extend: boolean) => {
    const row = data[i];
    if (!row) return;
    if (extend && range) {
      setRange(scoreKey, { min: Math.min(range.min ?? row.lo, row.lo), max: Math.max(range.max ?? row.hi, row.hi) });
    } else if (range && range.min === row.lo && range.max === row.hi) setRange(scoreKey, null);
    else setRange(scoreKey, { min: row.lo, max: row.hi });
  };
  const onBar = (_: unknown, i: number, e: React.MouseEvent) => pick(i, e.shiftKey);
  const scored = layout.all.total;

  return (
    <div className="chart-card" data-testid={`hist-${scoreKey}`} style={{ width: W + 14 }}>
      <h4>
        <span>{title ?? SCORE_LABELS[scoreKey]}</span>
        <span className="muted">{scored.toLocaleString()} scored</span>
      </h4>
      <div className="chart-plot chart-clickable">
        <BarChart width={W} height={H} data={data} margin={{ top: 4, right: 6, bottom: 0, left: 0 }} barCategoryGap={0} barGap={0}>
          <XAxis
            dataKey="mid"
            type="number"
            domain={[layout.edges[0]!, layout.edges[layout.edges.length - 1]!]}
            ticks={layout.ticks}
            tickFormatter={fmt}
            tick={{ fontSize: 10 }}
            height={18}
            allowDataOverflow
          />
          <YAxis width={34} tick={{ fontSize: 10 }} tickFormatter={compact} allowDecimals={false} />
          <Tooltip content={<BinTooltip />} cursor={{ fill: 'rgb(0 0 0 / 0.05)' }} isAnimationActive={false} />
          <Bar dataKey="shown" stackId="h" isAnimationActive={false} onClick={onBar}>
            {data.map((row) => (
              <Cell key={row.i} fill={inRange(row) ? SHOWN : SHOWN_OUT} />
            ))}
          </Bar>
          <Bar dataKey="rest" stackId="h" fill={REST} isAnimationActive={false} onClick={onBar} />
        </BarChart>
      </div>
      <div className="chart-foot">
        {range ? (
          <>
            <span data-testid={`hist-range-${scoreKey}`}>{describeRange(scoreKey, range)}</span>
            <button type="button" onClick={() => setRange(scoreKey, null)}>
              clear
            </button>
          </>
        ) : (
          <span>click a bar to filter</span>
        )}
      </div>
    </div>
  );
}

export function ChartPlaceholder({ width, height }: { width: number; height: number }) {
  return <div className="chart-card" style={{ width, height }} aria-hidden="true" />;
}
