import { useMemo } from 'react';
import { useDatasetStore } from '../../state/datasetStore';
import { useScoreStore } from '../../state/scoreStore';
import type { ScoreColumns } from '../../core/sampleViews';
import { useUiPrefs, useViewStore } from '../../state/viewStore';
import { Histogram } from './Histogram';
import { ScatterCard } from './Scatter';
import { AcceptanceCard, AttackRiseCard } from './SummaryCharts';
import { hasActiveRanges } from '../../core/ranges';
import { useScoreColumns } from './useChartData';
import { extent } from './binning';
import './charts.css';

/**
 * Score charts linked to the table: histograms (click a bar: range filter), the IFD × AIFD
 * scatter (brush: IFD and AIFD range filters), the AIFD rise per attack and the decisions so far.
 * Everything is computed from the cached score columns (one pass per chart per scores version) and
 * the shown rows' positions; scrolling the table never re-renders a chart.
 */
export function ChartsPanel() {
  const open = useUiPrefs((s) => s.chartsOpen);
  const setOpen = useUiPrefs((s) => s.setChartsOpen);
  const total = useDatasetStore((s) => s.samples.length);
  // Results arrive in a Map updated in place: `version` says when to look again.
  const hasScores = useScoreStore((s) => s.version >= 0 && s.results.size > 0);
  const columns = useScoreColumns();
  const anyRange = useViewStore((s) => hasActiveRanges(s.ranges));
  const clearRanges = useViewStore((s) => s.clearRanges);
  const scored = hasScores && columns ? columns.scored : 0;

  return (
    <section className="charts-panel" aria-label="Score charts" data-testid="charts-panel">
      <div className="charts-head">
        <button type="button" className="charts-toggle" aria-expanded={open} data-testid="charts-toggle" onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'} Charts
        </button>
        <span className="muted" data-testid="charts-scored">
          {!hasScores ? 'no scores yet' : columns ? `${scored.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} samples scored` : 'reading scores…'}
        </span>
        {anyRange && (
          <button type="button" className="range-clear-all" onClick={clearRanges}>
            clear all ranges
          </button>
        )}
      </div>
      {open && (!hasScores ? <NoScores /> : columns && columns.scored > 0 ? <ChartsBody columns={columns} /> : null)}
    </section>
  );
}

function NoScores() {
  return (
    <div className="charts-hint" data-testid="charts-hint">
      Charts appear once samples have scores: run <strong>Score</strong>, or open a file Quarry exported with scores.
    </div>
  );
}

/** Each card renders (and re-renders) in its own task, in slot order: see useStaggered. */
function ChartsBody({ columns }: { columns: ScoreColumns }) {
  const hasEmbed = useMemo(() => extent(columns.cols.embed_consistency).count > 0, [columns]);
  return (
    <div className="charts-body" data-testid="charts-body">
      <ScatterCard columns={columns} slot={0} />
      <Histogram scoreKey="ifd" columns={columns} slot={1} />
      <Histogram scoreKey="aifd" columns={columns} slot={2} />
      <Histogram scoreKey="aifd_gap" columns={columns} slot={3} title="AIFD gap (AIFD − IFD)" />
      <Histogram scoreKey="dist_consistency" columns={columns} slot={4} title="Distribution consistency" />
      {hasEmbed && <Histogram scoreKey="embed_consistency" columns={columns} slot={5} title="Output consistency" />}
      <AttackRiseCard columns={columns} slot={6} />
      <AcceptanceCard columns={columns} slot={7} />
    </div>
  );
}
