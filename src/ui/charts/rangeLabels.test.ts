import { describe, expect, it } from 'vitest';
import { describeRange, formatBound, roundOutwards } from './rangeLabels';

describe('range labels', () => {
  it('rounds brushed ranges outwards to clean decimals', () => {
    expect(roundOutwards(0.41234, 0.98761)).toEqual({ min: 0.412, max: 0.988 });
    expect(roundOutwards(0.1, 0.3)).toEqual({ min: 0.1, max: 0.3 });
    expect(roundOutwards(-0.0504, 0.2)).toEqual({ min: -0.051, max: 0.2 });
  });

  it('formats bounds: open is empty, tiny and huge values in exponent form', () => {
    expect(formatBound(null)).toBe('');
    expect(formatBound(0.123456)).toBe('0.1235');
    expect(formatBound(0.0001)).toBe('1.00e-4');
  });

  it('describes ranges', () => {
    expect(describeRange('ifd', { min: 0.4, max: 0.9 })).toBe('0.4 ≤ IFD ≤ 0.9');
    expect(describeRange('aifd_gap', { min: 0.1, max: null })).toBe('AIFD gap ≥ 0.1');
    expect(describeRange('s_a', { min: null, max: 2 })).toBe('s(A) ≤ 2');
  });
});
