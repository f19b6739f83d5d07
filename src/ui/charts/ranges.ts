// Score range filters: pure helpers shared by the table, the charts and visibleSamples.
import { SCORE_KEYS as CORE_SCORE_KEYS } from '../../core/types';
import type { RangeFilters, ScoreKey, ScoreRange } from '../../persist/db';

export type { RangeFilters, ScoreKey, ScoreRange };

/** Every per-sample score, in SampleScores order. */
export const SCORE_KEYS: readonly ScoreKey[] = CORE_SCORE_KEYS;

export const SCORE_LABELS: Record<ScoreKey, string> = {
  s_a_given_q: 's(A|Q)',
  s_a: 's(A)',
  ifd: 'IFD',
  aifd: 'AIFD',
  aifd_max: 'AIFD max',
  aifd_min: 'AIFD min',
  aifd_gap: 'AIFD gap',
  dist_consistency: 'Dist. consistency',
  embed_consistency: 'Output consistency',
};

export function isScoreKey(key: string): key is ScoreKey {
  return (SCORE_KEYS as readonly string[]).includes(key);
}

/** A range as closed numeric bounds (open bounds become ±Infinity), or null if it constrains nothing. */
export function bounds(r: ScoreRange | undefined): [number, number] | null {
  if (!r || (r.min === null && r.max === null)) return null;
  return [r.min ?? Number.NEGATIVE_INFINITY, r.max ?? Number.POSITIVE_INFINITY];
}

/** Inclusive range test; NaN (no score) never matches. */
export function inRange(v: number, lo: number, hi: number): boolean {
  return v >= lo && v <= hi;
}

/** The constraining ranges, in SCORE_KEYS order. */
export function activeRanges(ranges: RangeFilters): Array<{ key: ScoreKey; lo: number; hi: number }> {
  const out: Array<{ key: ScoreKey; lo: number; hi: number }> = [];
  for (const key of SCORE_KEYS) {
    const b = bounds(ranges[key]);
    if (b) out.push({ key, lo: b[0], hi: b[1] });
  }
  return out;
}

export function hasActiveRanges(ranges: RangeFilters): boolean {
  return activeRanges(ranges).length > 0;
}

/**
 * A predicate over sample positions (indexes into the score columns, NaN = not scored), or null when
 * no range constrains anything. Columns are looked up once, so the test is a few array reads.
 */
export function rangePredicate(
  columns: Readonly<Record<ScoreKey, Float64Array>>,
  ranges: RangeFilters,
): ((pos: number) => boolean) | null {
  const active = activeRanges(ranges).map((r) => ({ col: columns[r.key], lo: r.lo, hi: r.hi }));
  if (active.length === 0) return null;
  if (active.length === 1) {
    const { col, lo, hi } = active[0]!;
    return (pos) => {
      const v = col[pos]!;
      return v >= lo && v <= hi;
    };
  }
  return (pos) => {
    for (let i = 0; i < active.length; i++) {
      const a = active[i]!;
      const v = a.col[pos]!;
      if (!(v >= a.lo && v <= a.hi)) return false;
    }
    return true;
  };
}

/** Normalises a range: non-finite bounds become open, swapped bounds are ordered; null if unconstrained. */
export function normaliseRange(r: ScoreRange | null): ScoreRange | null {
  if (!r) return null;
  let min = r.min !== null && Number.isFinite(r.min) ? r.min : null;
  let max = r.max !== null && Number.isFinite(r.max) ? r.max : null;
  if (min === null && max === null) return null;
  if (min !== null && max !== null && min > max) [min, max] = [max, min];
  return { min, max };
}

/** A copy of `ranges` with `key` set (or removed when `range` is null/unconstrained). */
export function withRange(ranges: RangeFilters, key: ScoreKey, range: ScoreRange | null): RangeFilters {
  const next: RangeFilters = { ...ranges };
  const r = normaliseRange(range);
  if (r) next[key] = r;
  else delete next[key];
  return next;
}

/** Rounds a range outwards to `decimals` places so it reads cleanly and never loses a brushed point. */
export function roundOutwards(lo: number, hi: number, decimals = 3): ScoreRange {
  const f = 10 ** decimals;
  // The small epsilon keeps 0.1 * 1000 = 100.00000000000001 from rounding up a step.
  const min = Math.floor(lo * f + 1e-9) / f;
  const max = Math.ceil(hi * f - 1e-9) / f;
  return { min, max: Math.max(min, max) };
}

export function formatBound(v: number | null): string {
  if (v === null) return '';
  const a = Math.abs(v);
  return a !== 0 && (a < 0.001 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toFixed(4)));
}

/** "0.4 ≤ IFD ≤ 0.9", "IFD ≥ 0.4", "IFD ≤ 0.9". */
export function describeRange(key: ScoreKey, r: ScoreRange): string {
  const label = SCORE_LABELS[key];
  if (r.min !== null && r.max !== null) return `${formatBound(r.min)} ≤ ${label} ≤ ${formatBound(r.max)}`;
  if (r.min !== null) return `${label} ≥ ${formatBound(r.min)}`;
  return `${label} ≤ ${formatBound(r.max)}`;
}
