// Score range filters as the UI shows them: score labels, bounds and ranges as text, brushed ranges
// rounded for display. The range predicates themselves are pure and live in core/ranges.
import type { ScoreKey } from '../../core/types';
import type { ScoreRange } from '../../core/view';

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
