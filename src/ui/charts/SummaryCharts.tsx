import { memo, useMemo } from 'react';
import { Bar, BarChart, Cell, LabelList, XAxis, YAxis } from 'recharts';
import { useDatasetStore } from '../../state/datasetStore';
import { useDecisionStore } from '../../state/decisionStore';
import type { ScoreColumns } from '../../core/sampleViews';
import { useStaggered, useStaggeredShown } from './useChartData';
import { ChartPlaceholder } from './Histogram';
import { attackRises } from './aggregates';

const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;

/** Mean AIFD rise (variant AIFD − sample IFD) per attack: which attacks hurt this dataset most. */
export const AttackRiseCard = memo(function AttackRiseCard({ columns, slot }: { columns: ScoreColumns; slot: number }) {
  const cols = useStaggered(columns, slot);
  return cols ? <AttackRiseChart columns={cols} /> : <ChartPlaceholder width={284} height={150} />;
});

function AttackRiseChart({ columns }: { columns: ScoreColumns }) {
  const rises = useMemo(() => attackRises(columns.results.values()), [columns]);
  const W = 270;
  const H = 30 + Math.max(1, rises.length) * 26;
  return (
    <div className="chart-card" data-testid="attack-chart" data-order={rises.map((r) => r.attack).join(' ')} style={{ width: W + 14 }}>
      <h4>
        <span>AIFD rise by attack</span>
        <span className="muted">mean AIFD − IFD</span>
      </h4>
      {rises.length === 0 ? (
        <div className="chart-empty" style={{ width: W, height: 120 }}>
          No attack variants were scored.
        </div>
      ) : (
        <div className="chart-plot">
          <BarChart width={W} height={H} data={rises} layout="vertical" margin={{ top: 2, right: 46, bottom: 0, left: 0 }} barCategoryGap={5}>
            <XAxis type="number" tick={{ fontSize: 10 }} height={18} tickFormatter={(v: number) => String(Number(v.toFixed(3)))} domain={[(min: number) => Math.min(0, min), 'auto']} />
            <YAxis type="category" dataKey="attack" tick={{ fontSize: 11 }} width={84} />
            <Bar dataKey="mean" isAnimationActive={false}>
              {rises.map((r) => (
                <Cell key={r.attack} fill={r.mean > 0 ? '#d7301f' : '#1f8a4c'} />
              ))}
              <LabelList dataKey="mean" position="right" formatter={(v: unknown) => (typeof v === 'number' ? signed(v) : '')} style={{ fontSize: 10, fill: '#6b6b66' }} />
            </Bar>
          </BarChart>
        </div>
      )}
      <div className="chart-foot">
        <span data-testid="attack-chart-note">
          {rises.length ? `${rises.reduce((s, r) => s + r.variants, 0).toLocaleString('en-US')} variants` : ''}
        </span>
      </div>
    </div>
  );
}

const DECISION_COLOURS = { accepted: '#1f8a4c', rejected: '#c53b32', undecided: '#cfcfc8' };

/** Decisions so far, over all samples and over the rows the table shows. */
export const AcceptanceCard = memo(function AcceptanceCard({ columns, slot }: { columns: ScoreColumns; slot: number }) {
  const cols = useStaggered(columns, slot);
  return cols ? <AcceptanceChart columns={cols} slot={slot} /> : <ChartPlaceholder width={244} height={150} />;
});

function AcceptanceChart({ columns, slot }: { columns: ScoreColumns; slot: number }) {
  const decisions = useDecisionStore((s) => s.decisions);
  const total = useDatasetStore((s) => s.samples.length);
  const positions = useStaggeredShown(columns, slot);
  const all = useMemo(() => {
    let accepted = 0;
    let rejected = 0;
    for (const d of Object.values(decisions)) d === 'accepted' ? accepted++ : rejected++;
    return { accepted, rejected, undecided: Math.max(0, total - accepted - rejected) };
  }, [decisions, total]);
  const shown = useMemo(() => {
    if (!positions) return all;
    const samples = columns.samples;
    const t = { accepted: 0, rejected: 0, undecided: 0 };
    for (let k = 0; k < positions.length; k++) {
      const d = decisions[samples[positions[k]!]!.id];
      if (d === 'accepted') t.accepted++;
      else if (d === 'rejected') t.rejected++;
      else t.undecided++;
    }
    return t;
  }, [positions, columns, decisions, all]);
  const data = [
    { name: 'all', ...all },
    { name: 'shown', ...shown },
  ];
  const W = 230;
  return (
    <div className="chart-card" data-testid="acceptance" style={{ width: W + 14 }}>
      <h4>
        <span>Acceptance so far</span>
      </h4>
      <div className="chart-plot">
        <BarChart width={W} height={74} data={data} layout="vertical" margin={{ top: 2, right: 8, bottom: 0, left: 0 }} barCategoryGap={6} stackOffset="expand">
          <XAxis type="number" hide />
          <YAxis type="category" dataKey="name" tick={{ fontSize: 11 }} width={44} />
          {(['accepted', 'rejected', 'undecided'] as const).map((k) => (
            <Bar key={k} dataKey={k} stackId="d" fill={DECISION_COLOURS[k]} isAnimationActive={false} />
          ))}
        </BarChart>
      </div>
      <div className="tally-list">
        <span />
        <span className="muted">all</span>
        <span className="muted">shown</span>
        {(['accepted', 'rejected', 'undecided'] as const).map((k) => (
          <Row key={k} k={k} all={all[k]} shown={shown[k]} total={total} />
        ))}
      </div>
    </div>
  );
}

function Row({ k, all, shown, total }: { k: 'accepted' | 'rejected' | 'undecided'; all: number; shown: number; total: number }) {
  return (
    <>
      <span>
        <i className="swatch" style={{ background: DECISION_COLOURS[k] }} /> {k}
      </span>
      <span data-testid={`acceptance-${k}`}>
        {all.toLocaleString('en-US')} <span className="muted">({total ? Math.round((100 * all) / total) : 0}%)</span>
      </span>
      <span data-testid={`acceptance-shown-${k}`}>{shown.toLocaleString('en-US')}</span>
    </>
  );
}
