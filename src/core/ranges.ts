// Score range filters: pure predicates over ranges and score columns, shared by the view store, the
// derived views (core/sampleViews) and the charts. Display helpers (labels, descriptions) are in
// ui/charts/rangeLabels.
import { SCORE_KEYS, type ScoreKey } from './types';
import type { RangeFilters, ScoreRange } from './view';

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
