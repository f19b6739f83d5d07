// Deterministic stratified downsampling for the scatter plot. Recharts draws one SVG node per point,
// so 100k points would take seconds; a few thousand chosen evenly from every region of the plane
// keep the shape of the cloud and its sparse outliers.

export interface DownsampleResult {
  /** Positions (indexes into xs/ys) of the points kept, ascending. */
  positions: Int32Array;
  /** Points with both coordinates finite (the population sampled from). */
  eligible: number;
}

/**
 * Keeps at most `max` of the points with finite (x, y). The plane is cut into grid × grid cells over
 * the points' extent; every non-empty cell keeps at least one point (outliers stay visible) and the
 * rest of the budget is shared in proportion to cell counts. Within a cell the kept points are
 * spread evenly in index order. Two passes, no randomness: the same input gives the same points.
 */
export function stratifiedSample(xs: ArrayLike<number>, ys: ArrayLike<number>, max: number, grid = 32): DownsampleResult {
  const n = Math.min(xs.length, ys.length);
  let xmin = Number.POSITIVE_INFINITY;
  let xmax = Number.NEGATIVE_INFINITY;
  let ymin = Number.POSITIVE_INFINITY;
  let ymax = Number.NEGATIVE_INFINITY;
  let eligible = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    eligible++;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  const budget = Math.max(0, Math.floor(max));
  if (eligible <= budget) {
    const all = new Int32Array(eligible);
    let k = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(xs[i]!) && Number.isFinite(ys[i]!)) all[k++] = i;
    return { positions: all, eligible };
  }
  // Fewer cells than budget, so every non-empty cell can keep one point.
  const g = Math.max(1, Math.min(grid, Math.floor(Math.sqrt(budget))));
  const wx = (xmax - xmin) / g || 1;
  const wy = (ymax - ymin) / g || 1;
  const cellOf = (x: number, y: number) => {
    const cx = Math.min(g - 1, Math.floor((x - xmin) / wx));
    const cy = Math.min(g - 1, Math.floor((y - ymin) / wy));
    return cy * g + cx;
  };
  const cells = new Int32Array(n).fill(-1);
  const counts = new Uint32Array(g * g);
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const c = cellOf(x, y);
    cells[i] = c;
    counts[c]!++;
  }
  let nonEmpty = 0;
  for (let c = 0; c < counts.length; c++) if (counts[c]! > 0) nonEmpty++;
  // Quota: 1 per non-empty cell + a proportional share of the rest (floored, so the sum ≤ budget).
  const spare = budget - nonEmpty;
  const extra = eligible - nonEmpty;
  const quota = new Uint32Array(counts.length);
  for (let c = 0; c < counts.length; c++) {
    const count = counts[c]!;
    if (count === 0) continue;
    quota[c] = Math.min(count, 1 + (extra > 0 ? Math.floor(((count - 1) * spare) / extra) : 0));
  }
  // Even spread within a cell: the k-th member is kept when floor((k+1)·q/count) steps up.
  const seen = new Uint32Array(counts.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    if (c < 0) continue;
    const k = seen[c]!++;
    const q = quota[c]!;
    const count = counts[c]!;
    if (Math.floor(((k + 1) * q) / count) > Math.floor((k * q) / count)) out.push(i);
  }
  return { positions: Int32Array.from(out), eligible };
}
