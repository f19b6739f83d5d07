import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { ScatterChart, XAxis, YAxis, usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import type { ScoreColumns } from '../../core/sampleViews';
import { useViewStore } from '../../state/viewStore';
import { approxQuantiles, extent, niceDomain, ticks } from './binning';
import { stratifiedSample } from './downsample';
import { roundOutwards } from './rangeLabels';
import { ChartPlaceholder } from './Histogram';
import { useStaggered } from './useChartData';

export const SCATTER_MAX_POINTS = 2000;
const W = 380;
const H = 236;
const MARGIN = { top: 8, right: 12, bottom: 2, left: 2 };
const Y_AXIS_W = 40;
const X_AXIS_H = 20;
/** Low consistency (the rewrite changes the model's predictions) is warm, high is cool. */
const BAND_COLOURS = ['#d7301f', '#f08a4b', '#e6c14c', '#6fa8d6', '#2c5fd6'];
const MISSING_COLOUR = '#9a9a94';

interface Domain {
  lo: number;
  hi: number;
  step: number;
}

interface Series {
  name: string;
  colour: string;
  points: Array<{ x: number; y: number }>;
}

interface PlotArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

const fmt = (v: number) => String(Number(v.toFixed(3)));
const fmt2 = (v: number) => v.toFixed(2);

/** Reports the chart's plot area (exact pixels, from recharts itself) to the brush overlay. */
function PlotAreaProbe({ onArea }: { onArea: (a: PlotArea) => void }) {
  const area = usePlotArea();
  useEffect(() => {
    if (area) onArea({ x: area.x, y: area.y, width: area.width, height: area.height });
  }, [area?.x, area?.y, area?.width, area?.height]); // eslint-disable-line react-hooks/exhaustive-deps
  return null;
}

/**
 * The points, drawn through the chart's own scales as one SVG path per colour band (a zero-length
 * round-capped segment per point). Recharts' <Scatter> renders a React element and a DOM node per
 * point, which for 2,000 points costs a long main-thread task at every update (mount, a scoring
 * run's refresh); a path per band costs a millisecond and looks the same.
 */
function PointsLayer({ series }: { series: Series[] }) {
  const xScale = useXAxisScale();
  const yScale = useYAxisScale();
  if (!xScale || !yScale) return null;
  return (
    <g className="scatter-points" data-testid="scatter-points">
      {series.map((s) => {
        let d = '';
        let n = 0;
        for (const p of s.points) {
          const x = xScale(p.x);
          const y = yScale(p.y);
          if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) continue;
          d += `M${x.toFixed(1)} ${y.toFixed(1)}h0`;
          n++;
        }
        return n ? <path key={s.name} d={d} data-points={n} stroke={s.colour} strokeOpacity={0.75} strokeWidth={4.4} strokeLinecap="round" fill="none" /> : null;
      })}
    </g>
  );
}

/** The plot: memoised on the data only, so brushing (an HTML overlay) never re-renders the SVG. */
const ScatterPlot = memo(function ScatterPlot({ series, xd, yd, onArea }: { series: Series[]; xd: Domain; yd: Domain; onArea: (a: PlotArea) => void }) {
  return (
    <ScatterChart width={W} height={H} margin={MARGIN}>
      <XAxis
        type="number"
        dataKey="x"
        name="IFD"
        domain={[xd.lo, xd.hi]}
        ticks={ticks(xd.lo, xd.hi, xd.step)}
        tickFormatter={fmt}
        tick={{ fontSize: 10 }}
        height={X_AXIS_H}
        allowDataOverflow
      />
      <YAxis
        type="number"
        dataKey="y"
        name="AIFD"
        domain={[yd.lo, yd.hi]}
        ticks={ticks(yd.lo, yd.hi, yd.step)}
        tickFormatter={fmt}
        tick={{ fontSize: 10 }}
        width={Y_AXIS_W}
        allowDataOverflow
      />
      <PointsLayer series={series} />
      <PlotAreaProbe onArea={onArea} />
    </ScatterChart>
  );
});

/** Pixel ↔ value along one axis of the plot area. */
const toPx = (v: number, d: Domain, size: number) => ((v - d.lo) / (d.hi - d.lo)) * size;
const toValue = (px: number, d: Domain, size: number) => d.lo + (px / size) * (d.hi - d.lo);
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Drag a rectangle to set the IFD and AIFD range filters; a click (no drag) selects the grid cell
 * under the pointer. Draws the current IFD × AIFD ranges as a rectangle.
 */
function BrushLayer({ area, xd, yd }: { area: PlotArea; xd: Domain; yd: Domain }) {
  const ifd = useViewStore((s) => s.ranges.ifd);
  const aifd = useViewStore((s) => s.ranges.aifd);
  const setRanges = useViewStore((s) => s.setRanges);
  const [drag, setDrag] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const layer = useRef<HTMLDivElement>(null);

  const local = (e: React.PointerEvent) => {
    const r = layer.current!.getBoundingClientRect();
    return { x: clamp(e.clientX - r.left, 0, area.width), y: clamp(e.clientY - r.top, 0, area.height) };
  };

  const finish = (e: React.PointerEvent) => {
    if (!drag) return;
    const p = local(e);
    const d = { ...drag, x1: p.x, y1: p.y };
    setDrag(null);
    let x: [number, number];
    let y: [number, number];
    if (Math.abs(d.x1 - d.x0) < 4 && Math.abs(d.y1 - d.y0) < 4) {
      // A click: the grid cell (between ticks) under the pointer.
      const vx = toValue(d.x0, xd, area.width);
      const vy = toValue(area.height - d.y0, yd, area.height);
      const cx = xd.lo + Math.min(Math.floor((vx - xd.lo) / xd.step), Math.round((xd.hi - xd.lo) / xd.step) - 1) * xd.step;
      const cy = yd.lo + Math.min(Math.floor((vy - yd.lo) / yd.step), Math.round((yd.hi - yd.lo) / yd.step) - 1) * yd.step;
      x = [cx, cx + xd.step];
      y = [cy, cy + yd.step];
    } else {
      x = [toValue(Math.min(d.x0, d.x1), xd, area.width), toValue(Math.max(d.x0, d.x1), xd, area.width)];
      y = [toValue(area.height - Math.max(d.y0, d.y1), yd, area.height), toValue(area.height - Math.min(d.y0, d.y1), yd, area.height)];
    }
    setRanges({ ifd: roundOutwards(x[0], x[1]), aifd: roundOutwards(y[0], y[1]) });
  };

  let rect: { left: number; top: number; width: number; height: number } | null = null;
  if (drag) {
    rect = { left: Math.min(drag.x0, drag.x1), top: Math.min(drag.y0, drag.y1), width: Math.abs(drag.x1 - drag.x0), height: Math.abs(drag.y1 - drag.y0) };
  } else if (ifd || aifd) {
    const x0 = clamp(toPx(ifd?.min ?? xd.lo, xd, area.width), 0, area.width);
    const x1 = clamp(toPx(ifd?.max ?? xd.hi, xd, area.width), 0, area.width);
    const y0 = clamp(area.height - toPx(aifd?.max ?? yd.hi, yd, area.height), 0, area.height);
    const y1 = clamp(area.height - toPx(aifd?.min ?? yd.lo, yd, area.height), 0, area.height);
    rect = { left: x0, top: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
  }

  return (
    <div
      ref={layer}
      className="brush-layer"
      data-testid="scatter-brush"
      style={{ left: area.x, top: area.y, width: area.width, height: area.height }}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        const p = local(e);
        setDrag({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
      }}
      onPointerMove={(e) => {
        if (!drag) return;
        const p = local(e);
        setDrag({ ...drag, x1: p.x, y1: p.y });
      }}
      onPointerUp={finish}
      onPointerCancel={() => setDrag(null)}
    >
      {rect && <div className={`brush-rect ${drag ? 'dragging' : ''}`} data-testid="scatter-brush-rect" style={rect} />}
    </div>
  );
}

/**
 * IFD (x) against AIFD (y), coloured by consistency (distribution consistency, else output
 * consistency) in quintile bands. At most SCATTER_MAX_POINTS points, chosen by deterministic
 * stratified sampling over the plane; brushing sets the IFD and AIFD range filters.
 */
export const ScatterCard = memo(function ScatterCard({ columns, slot }: { columns: ScoreColumns; slot: number }) {
  const cols = useStaggered(columns, slot);
  return cols ? <ScatterChartCard columns={cols} /> : <ChartPlaceholder width={W + 14} height={H + 44} />;
});

function ScatterChartCard({ columns }: { columns: ScoreColumns }) {
  const ifdRange = useViewStore((s) => s.ranges.ifd);
  const aifdRange = useViewStore((s) => s.ranges.aifd);
  const setRanges = useViewStore((s) => s.setRanges);
  const [area, setArea] = useState<PlotArea>({
    x: MARGIN.left + Y_AXIS_W,
    y: MARGIN.top,
    width: W - MARGIN.left - MARGIN.right - Y_AXIS_W,
    height: H - MARGIN.top - MARGIN.bottom - X_AXIS_H,
  });
  const onArea = useMemo(
    () => (a: PlotArea) => setArea((cur) => (cur.x === a.x && cur.y === a.y && cur.width === a.width && cur.height === a.height ? cur : a)),
    [],
  );

  const model = useMemo(() => {
    const xs = columns.cols.ifd;
    const ys = columns.cols.aifd;
    const ex = extent(xs);
    const ey = extent(ys);
    if (ex.count === 0 || ey.count === 0) return null;
    const { positions, eligible } = stratifiedSample(xs, ys, SCATTER_MAX_POINTS);
    const dist = columns.cols.dist_consistency;
    const colourBy = extent(dist).count > 0 ? { col: dist, name: 'dist. consistency' } : { col: columns.cols.embed_consistency, name: 'output consistency' };
    const cuts = approxQuantiles(colourBy.col, [0.2, 0.4, 0.6, 0.8]);
    const series: Series[] = BAND_COLOURS.map((colour, b) => ({
      name: b === 0 ? `<${fmt2(cuts[0]!)}` : b === 4 ? `≥${fmt2(cuts[3]!)}` : `${fmt2(cuts[b - 1]!)}–${fmt2(cuts[b]!)}`,
      colour,
      points: [],
    }));
    const missing: Series = { name: 'no consistency', colour: MISSING_COLOUR, points: [] };
    for (const p of positions) {
      const c = colourBy.col[p]!;
      const point = { x: xs[p]!, y: ys[p]! };
      if (!Number.isFinite(c)) missing.points.push(point);
      else {
        let b = 0;
        while (b < 4 && c >= cuts[b]!) b++;
        series[b]!.points.push(point);
      }
    }
    if (missing.points.length) series.push(missing);
    return { series, shown: positions.length, eligible, xd: niceDomain(ex.min, ex.max, 6), yd: niceDomain(ey.min, ey.max, 6), colourName: colourBy.name };
  }, [columns]);

  if (!model) return null;
  return (
    <div className="chart-card" data-testid="scatter" style={{ width: W + 14 }}>
      <h4>
        <span>IFD × AIFD</span>
        <span className="muted" data-testid="scatter-sample-note">
          {model.shown === model.eligible
            ? `${model.shown.toLocaleString('en-US')} points`
            : `${model.shown.toLocaleString('en-US')} of ${model.eligible.toLocaleString('en-US')} shown (stratified sample)`}
        </span>
      </h4>
      <div className="chart-plot" style={{ width: W, height: H }}>
        <ScatterPlot series={model.series} xd={model.xd} yd={model.yd} onArea={onArea} />
        <BrushLayer area={area} xd={model.xd} yd={model.yd} />
      </div>
      <div className="chart-foot">
        <span className="scatter-legend" title={`Colour: ${model.colourName} (quintiles)`}>
          {model.series.map((s) => (
            <span key={s.name}>
              <i style={{ background: s.colour }} />
              {s.name}
            </span>
          ))}
        </span>
        {ifdRange || aifdRange ? (
          <button type="button" data-testid="scatter-clear" onClick={() => setRanges({ ifd: null, aifd: null })}>
            clear brush
          </button>
        ) : (
          <span>drag to brush</span>
        )}
      </div>
    </div>
  );
}
