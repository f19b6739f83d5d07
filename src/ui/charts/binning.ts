// Histogram binning over score columns (Float64Array, NaN = no score). One pass per column: the
// charts never hand recharts more than a few dozen bars, whatever the dataset size.

export interface Extent {
  min: number;
  max: number;
  /** Finite values seen. */
  count: number;
}

/** Min, max and count of the finite values (one pass). count 0: min/max are NaN. */
export function extent(values: ArrayLike<number>): Extent {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    count++;
  }
  return count ? { min, max, count } : { min: Number.NaN, max: Number.NaN, count: 0 };
}

/** A "nice" step (1, 2, 2.5 or 5 × 10^k) close to span/target. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0) || !(target > 0)) return 1;
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * mag;
}

/** Rounds a floating-point artefact (0.30000000000000004) to the step's precision. */
function clean(v: number, step: number): number {
  const decimals = Math.max(0, Math.min(12, -Math.floor(Math.log10(step)) + 2));
  return Number(v.toFixed(decimals));
}

/** [lo, hi] widened to multiples of a nice step (about `target` steps); a zero span is widened. */
export function niceDomain(min: number, max: number, target = 6): { lo: number; hi: number; step: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { lo: 0, hi: 1, step: niceStep(1, target) };
  if (max - min < 1e-12) {
    const pad = Math.abs(min) > 1e-9 ? Math.abs(min) * 0.05 : 0.5;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, target);
  return { lo: clean(Math.floor(min / step + 1e-9) * step, step), hi: clean(Math.ceil(max / step - 1e-9) * step, step), step };
}

/** Tick values from lo to hi (inclusive) every step. */
export function ticks(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  const n = Math.round((hi - lo) / step);
  for (let i = 0; i <= n && i <= 1000; i++) out.push(clean(lo + i * step, step));
  return out;
}

export interface Bins {
  /** bins + 1 edges; bin i is [edges[i], edges[i+1]) and the last bin also holds edges[bins]. */
  edges: number[];
  counts: Uint32Array;
  /** Finite values binned, and values without a score (NaN). */
  total: number;
  missing: number;
}

/** Equal-width bins over a nice domain covering the values (about `target` bins). */
export function binLayout(min: number, max: number, target = 24): number[] {
  const { lo, hi, step } = niceDomain(min, max, target);
  return ticks(lo, hi, step);
}

/** The bin of v (clamped into the layout); -1 for NaN / infinities. */
export function binIndex(v: number, lo: number, width: number, bins: number): number {
  if (!Number.isFinite(v)) return -1;
  const i = Math.floor((v - lo) / width);
  return i < 0 ? 0 : i >= bins ? bins - 1 : i;
}

/** Counts every value of `values` (positions null) or only values[positions[k]]. One pass. */
export function histogram(values: ArrayLike<number>, edges: readonly number[], positions: ArrayLike<number> | null = null): Bins {
  const bins = Math.max(1, edges.length - 1);
  const lo = edges[0] ?? 0;
  const width = ((edges[edges.length - 1] ?? 1) - lo) / bins || 1;
  const counts = new Uint32Array(bins);
  let total = 0;
  let missing = 0;
  const n = positions ? positions.length : values.length;
  for (let k = 0; k < n; k++) {
    const v = positions ? values[positions[k]!] : values[k];
    const i = v === undefined ? -1 : binIndex(v, lo, width, bins);
    if (i < 0) {
      missing++;
      continue;
    }
    counts[i]!++;
    total++;
  }
  return { edges: [...edges], counts, total, missing };
}

/**
 * Approximate quantiles of the finite values from a fine histogram (one pass + one pass over 512
 * bins): good to 1/512 of the range, enough to pick colour bands.
 */
export function approxQuantiles(values: ArrayLike<number>, qs: readonly number[]): number[] {
  const e = extent(values);
  if (e.count === 0) return qs.map(() => Number.NaN);
  if (e.max === e.min) return qs.map(() => e.min);
  const B = 512;
  const width = (e.max - e.min) / B;
  const counts = new Uint32Array(B);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) counts[binIndex(v, e.min, width, B)]!++;
  }
  return qs.map((q) => {
    const target = Math.min(e.count, Math.max(0, q * e.count));
    let acc = 0;
    for (let b = 0; b < B; b++) {
      const c = counts[b]!;
      if (acc + c >= target && c > 0) return e.min + (b + (target - acc) / c) * width;
      acc += c;
    }
    return e.max;
  });
}
