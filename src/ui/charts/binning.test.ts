import { describe, expect, it } from 'vitest';
import { approxQuantiles, binLayout, extent, histogram, niceDomain, niceStep, ticks } from './binning';

describe('binning', () => {
  it('extent skips NaN', () => {
    expect(extent(Float64Array.from([Number.NaN, 0.5, 2, -1, Number.NaN]))).toEqual({ min: -1, max: 2, count: 3 });
    expect(extent(new Float64Array(3).fill(Number.NaN)).count).toBe(0);
  });

  it('nice steps and domains', () => {
    expect(niceStep(1, 10)).toBeCloseTo(0.1);
    expect(niceStep(1.1, 24)).toBeCloseTo(0.05);
    expect(niceDomain(0.3, 1.4, 6)).toEqual({ lo: 0.2, hi: 1.4, step: 0.2 });
    const d = niceDomain(0.5, 0.5);
    expect(d.lo).toBeLessThan(0.5);
    expect(d.hi).toBeGreaterThan(0.5);
    expect(ticks(0, 1, 0.25)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(ticks(0.1, 0.4, 0.1)).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it('bins every finite value once; the maximum goes in the last bin', () => {
    const values = Float64Array.from([0, 0.1, 0.25, 0.5, 0.99, 1, Number.NaN]);
    const h = histogram(values, [0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(h.counts)).toEqual([2, 1, 1, 2]);
    expect(h.total).toBe(6);
    expect(h.missing).toBe(1);
  });

  it('bins a subset by positions', () => {
    const values = Float64Array.from([0, 0.1, 0.6, 0.9]);
    const h = histogram(values, [0, 0.5, 1], Int32Array.from([1, 3]));
    expect(Array.from(h.counts)).toEqual([1, 1]);
  });

  it('layouts cover the data with nice edges', () => {
    const edges = binLayout(0.31, 1.39, 24);
    expect(edges[0]).toBeLessThanOrEqual(0.31);
    expect(edges[edges.length - 1]).toBeGreaterThanOrEqual(1.39);
    expect(edges.length - 1).toBeGreaterThanOrEqual(12);
    expect(edges.length - 1).toBeLessThanOrEqual(48);
  });

  it('bins 100k values in one fast pass', () => {
    const values = new Float64Array(100_000).map((_, i) => (i % 1000) / 1000);
    const t = performance.now();
    const h = histogram(values, binLayout(0, 1, 24));
    expect(performance.now() - t).toBeLessThan(50);
    expect(h.total).toBe(100_000);
  });

  it('approximate quantiles', () => {
    const values = new Float64Array(10_001).map((_, i) => i / 10_000);
    const [q20, q50, q80] = approxQuantiles(values, [0.2, 0.5, 0.8]);
    expect(q20).toBeCloseTo(0.2, 2);
    expect(q50).toBeCloseTo(0.5, 2);
    expect(q80).toBeCloseTo(0.8, 2);
  });
});
