import { describe, expect, it } from 'vitest';
import { stratifiedSample } from './downsample';

function cloud(n: number) {
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = 0.8 + 0.1 * (rnd() + rnd() + rnd() - 1.5);
    ys[i] = xs[i]! + 0.05 + 0.05 * rnd();
  }
  return { xs, ys };
}

describe('stratifiedSample', () => {
  it('keeps everything when under budget, skipping points without both coordinates', () => {
    const r = stratifiedSample(Float64Array.from([1, Number.NaN, 3]), Float64Array.from([1, 2, Number.NaN]), 10);
    expect(Array.from(r.positions)).toEqual([0]);
    expect(r.eligible).toBe(1);
  });

  it('never exceeds the budget, is deterministic and sorted', () => {
    const { xs, ys } = cloud(100_000);
    const a = stratifiedSample(xs, ys, 2000);
    const b = stratifiedSample(xs, ys, 2000);
    expect(a.positions.length).toBeLessThanOrEqual(2000);
    expect(a.positions.length).toBeGreaterThan(1500);
    expect(a.eligible).toBe(100_000);
    expect(Array.from(a.positions)).toEqual(Array.from(b.positions));
    for (let i = 1; i < a.positions.length; i++) expect(a.positions[i]!).toBeGreaterThan(a.positions[i - 1]!);
  });

  it('keeps outliers: every occupied region has a point', () => {
    const { xs, ys } = cloud(50_000);
    xs[123] = 5;
    ys[123] = -3; // far away, alone in its cell
    const r = stratifiedSample(xs, ys, 500);
    expect(Array.from(r.positions)).toContain(123);
  });

  it('samples dense regions proportionally', () => {
    const n = 20_000;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    // 90% of the points near (0, 0), 10% near (1, 1).
    for (let i = 0; i < n; i++) {
      const far = i % 10 === 0;
      xs[i] = (far ? 1 : 0) + (i % 7) * 1e-3;
      ys[i] = (far ? 1 : 0) + (i % 5) * 1e-3;
    }
    const r = stratifiedSample(xs, ys, 1000);
    const farKept = Array.from(r.positions).filter((p) => p % 10 === 0).length;
    expect(farKept / r.positions.length).toBeGreaterThan(0.05);
    expect(farKept / r.positions.length).toBeLessThan(0.2);
  });

  it('is fast on 100k points', () => {
    const { xs, ys } = cloud(100_000);
    const t = performance.now();
    stratifiedSample(xs, ys, 2000);
    expect(performance.now() - t).toBeLessThan(100);
  });
});
