import { describe, expect, it } from 'vitest';
import { jsDivergenceLog, jsFromStats, logPositive, logSoftmaxRow, refProbs, rowStats } from './numerics';

const LN2 = Math.log(2);

function naiveLse(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]!);
  let z = 0;
  for (let i = 0; i < x.length; i++) z += Math.exp(x[i]! - m);
  return m + Math.log(z);
}

const row = (n: number, seed: number, scale = 6) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * scale + Math.cos(i * 0.011 * seed) * 3);

describe('one-pass row statistics', () => {
  it('lse, S and W match a float64 reference; exps are the unnormalised softmax', () => {
    for (const seed of [1, 2, 3]) {
      const x = row(5000, seed);
      const exps = new Float64Array(x.length);
      const st = rowStats(x, 0, x.length, exps);
      expect(Math.abs(st.lse - naiveLse(x))).toBeLessThan(1e-11);
      let S = 0;
      let W = 0;
      for (let i = 0; i < x.length; i++) {
        const e = Math.exp(x[i]! - st.max);
        expect(Math.abs(exps[i]! - e)).toBeLessThan(1e-13 * Math.max(1, e));
        S += e;
        W += e * (x[i]! - st.max);
      }
      expect(Math.abs(st.sum - S)).toBeLessThan(1e-9);
      expect(Math.abs(st.wsum - W)).toBeLessThan(1e-8);
      // without exps: the same lse
      expect(rowStats(x, 0, x.length).lse).toBe(st.lse);
    }
  });

  it('handles offsets, -Infinity entries, NaN and +Infinity', () => {
    const x = new Float32Array([9, 9, 0, Math.log(3), -Infinity, 9]);
    expect(rowStats(x, 2, 3).lse).toBeCloseTo(Math.log(1 + Math.exp(Math.fround(Math.log(3)))), 12);
    expect(rowStats(new Float32Array([1, NaN, 2]), 0, 3).lse).toBeNaN();
    expect(rowStats(new Float32Array([1, Infinity]), 0, 2).lse).toBe(Infinity);
    expect(rowStats(new Float32Array([-Infinity, -Infinity]), 0, 2).lse).toBe(-Infinity);
  });

  it('logPositive is accurate to 1e-13 over (0, 2]', () => {
    let worst = 0;
    for (let k = 0; k < 200000; k++) {
      const s = 2 * Math.exp(-k / 2000) * (0.5 + 0.5 * Math.abs(Math.sin(k)));
      worst = Math.max(worst, Math.abs(logPositive(s) - Math.log(s)));
    }
    expect(worst).toBeLessThan(1e-13);
    expect(logPositive(2)).toBe(Math.log(2));
    expect(logPositive(1e-30)).toBe(Math.log(1e-30));
  });
});

describe('Jensen–Shannon from row statistics', () => {
  it('agrees with jsDivergenceLog and is 0 for identical rows', () => {
    const V = 3000;
    const a = row(V, 1);
    const b = row(V, 2, 5);
    const exps = new Float64Array(V);
    const p = new Float32Array(V);
    const plogp = refProbs(exps, rowStats(a, 0, V, exps), V, p, 0);
    const stB = rowStats(b, 0, V, exps);
    const js = jsFromStats(p, 0, plogp, exps, stB, V);
    const ref = jsDivergenceLog(logSoftmaxRow(a, 0, V), 0, logSoftmaxRow(b, 0, V), 0, V);
    expect(js).toBeGreaterThan(0.01);
    expect(Math.abs(js - ref)).toBeLessThan(1e-7);
    const stA = rowStats(a, 0, V, exps);
    expect(Math.abs(jsFromStats(p, 0, plogp, exps, stA, V))).toBeLessThan(1e-13);
  });

  it('disjoint distributions reach ln 2', () => {
    const a = new Float32Array([0, -1000, -1000]);
    const b = new Float32Array([-1000, -1000, 0]);
    const exps = new Float64Array(3);
    const p = new Float32Array(3);
    const plogp = refProbs(exps, rowStats(a, 0, 3, exps), 3, p, 0);
    const js = jsFromStats(p, 0, plogp, exps, rowStats(b, 0, 3, exps), 3);
    expect(js).toBeCloseTo(LN2, 12);
  });
});
