import { describe, expect, it } from 'vitest';
import { activeRanges, bounds, inRange, isScoreKey, normaliseRange, rangePredicate, withRange } from './ranges';
import { SCORE_KEYS, type ScoreKey } from './types';

function columns(values: Partial<Record<ScoreKey, number[]>>, n: number) {
  const cols = {} as Record<ScoreKey, Float64Array>;
  for (const k of SCORE_KEYS) cols[k] = Float64Array.from(values[k] ?? new Array<number>(n).fill(Number.NaN));
  return cols;
}

describe('range predicates', () => {
  it('bounds: open ends are infinite, an empty range constrains nothing', () => {
    expect(bounds(undefined)).toBeNull();
    expect(bounds({ min: null, max: null })).toBeNull();
    expect(bounds({ min: 0.5, max: null })).toEqual([0.5, Number.POSITIVE_INFINITY]);
    expect(bounds({ min: null, max: 2 })).toEqual([Number.NEGATIVE_INFINITY, 2]);
  });

  it('inRange is inclusive and never matches NaN', () => {
    expect(inRange(0.5, 0.5, 1)).toBe(true);
    expect(inRange(1, 0.5, 1)).toBe(true);
    expect(inRange(1.0001, 0.5, 1)).toBe(false);
    expect(inRange(Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toBe(false);
  });

  it('rangePredicate combines ranges with AND and excludes unscored samples', () => {
    const cols = columns({ ifd: [0.2, 0.5, 0.9, Number.NaN, 0.7], aifd: [0.3, 0.6, 1.2, 0.5, Number.NaN] }, 5);
    expect(rangePredicate(cols, {})).toBeNull();
    const one = rangePredicate(cols, { ifd: { min: 0.5, max: null } })!;
    expect([0, 1, 2, 3, 4].filter(one)).toEqual([1, 2, 4]);
    const two = rangePredicate(cols, { ifd: { min: 0.5, max: null }, aifd: { min: null, max: 1 } })!;
    expect([0, 1, 2, 3, 4].filter(two)).toEqual([1]);
  });

  it('activeRanges lists constraining ranges in score order', () => {
    expect(activeRanges({ aifd: { min: 1, max: 2 }, ifd: { min: null, max: 3 }, s_a: { min: null, max: null } }).map((r) => r.key)).toEqual(['ifd', 'aifd']);
  });

  it('normalises and edits ranges immutably', () => {
    expect(normaliseRange({ min: 2, max: 1 })).toEqual({ min: 1, max: 2 });
    expect(normaliseRange({ min: Number.NaN, max: null })).toBeNull();
    const a = { ifd: { min: 0, max: 1 } };
    const b = withRange(a, 'aifd', { min: 0.5, max: null });
    expect(a).toEqual({ ifd: { min: 0, max: 1 } });
    expect(b).toEqual({ ifd: { min: 0, max: 1 }, aifd: { min: 0.5, max: null } });
    expect(withRange(b, 'ifd', null)).toEqual({ aifd: { min: 0.5, max: null } });
  });

  it('recognises score keys', () => {
    expect(isScoreKey('ifd')).toBe(true);
    expect(isScoreKey('embed_consistency')).toBe(true);
    expect(isScoreKey('instruction')).toBe(false);
  });
});
