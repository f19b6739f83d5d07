// Numerically stable primitives over logits. Pure functions over Float32Array slices of a
// row-major [T, V] logits matrix; accumulation in float64. Natural logarithms throughout.

export const LN2 = Math.LN2;

// exp(d) for d <= 0, table-driven: t = −d·64·log2(e) is rounded to the nearest integer k (by the
// 1.5·2^52 trick, much cheaper than Math.round), so exp(d) = 2^(−k/64) · e^r with
// r = (k − t)·ln2/64, |r| <= ln2/128; 2^(−k/64) = 2^(−(k mod 64)/64) · 2^(−⌊k/64⌋) from two
// tables and e^r from its degree-4 Taylor polynomial (relative error < 4e-14). About 4x faster
// than Math.exp in V8, which matters with 50k-150k vocabularies. Arguments below −52 (t >= 4800,
// i.e. < 2^-75 ≈ 3e-23 of the row's max) give 0.
const S64 = 64 * Math.LOG2E;
const R64 = Math.LN2 / 64;
const ROUND = 6755399441055744; // 1.5 * 2^52
/** t of the table exp is below this bound (2^-75): larger t gives 0. */
const T_MAX = 4799;
/** POW2[k] = 2^(−k/64), k < T_MAX + 1. */
const POW2 = Float64Array.from({ length: T_MAX + 1 }, (_, k) => 2 ** (-k / 64));

/** exp(d) for d <= 0 (relative error < 4e-14); 0 below −52 (2^-75). Positive d is clamped to 0. */
export function expNeg(d: number): number {
  const t = d < 0 ? -d * S64 : 0;
  if (!(t < T_MAX)) return t === t ? 0 : NaN;
  const kk = t + ROUND - ROUND;
  const r = (kk - t) * R64;
  return (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24))))) * POW2[kk]!;
}

// log(s) for 2^-31 <= s < 2 without a libm call: s·2^31 truncated to an integer gives the binary
// exponent via clz32, m = s·2^z ∈ [1, 2), log m = log(1 + j/128) + log1p(d) with d = m/(1 + j/128)
// − 1 ∈ [0, 1/128) (degree-5 series, error < 4e-14). About 1.5x faster than Math.log in the
// Σ s·log s loops below; other arguments use Math.log.
const LOG_T = Float64Array.from({ length: 128 }, (_, j) => Math.log(1 + j / 128));
const LOG_INV = Float64Array.from({ length: 128 }, (_, j) => 1 / (1 + j / 128));
const POW2_Z = Float64Array.from({ length: 33 }, (_, z) => 2 ** z);
const TWO_M31 = 2 ** -31;

/** Natural log of s > 0; a table + short series for 2^-31 <= s < 2 (absolute error < 1e-13). */
export function logPositive(s: number): number {
  if (!(s >= TWO_M31 && s < 2)) return Math.log(s);
  const z = Math.clz32((s * 2147483648) >>> 0);
  const m = s * POW2_Z[z]!;
  const j = ((m - 1) * 128) | 0;
  const d = m * LOG_INV[j]! - 1;
  return LOG_T[j]! - z * LN2 + d * (1 + d * (-0.5 + d * (1 / 3 + d * (-0.25 + d * 0.2))));
}

function rowMax(logits: ArrayLike<number>, offset: number, V: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) {
    const x = logits[offset + i]!;
    if (x > max) max = x;
  }
  return max;
}

/** log(sum(exp(x))) over logits[offset .. offset+V), with the max subtracted first. */
export function logSumExp(logits: ArrayLike<number>, offset: number, V: number): number {
  return rowStats(logits, offset, V).lse;
}

/** What one pass over a logits row z gives: its max, S = Σ exp(z − max), W = Σ exp(z − max)·(z − max), lse. */
export interface RowStats {
  max: number;
  /** S = Σ_i exp(z_i − max) (>= 1 for a finite row). */
  sum: number;
  /** W = Σ_i exp(z_i − max)·(z_i − max) (<= 0): Σ_i q_i log q_i = W/S − log S. Only with `exps` (else NaN). */
  wsum: number;
  /** log Σ exp(z) = max + log S. */
  lse: number;
}

/**
 * One pass over a logits row: max, S, W and the log-sum-exp (see RowStats). When `exps` is given,
 * exps[i] = exp(z_i − max) is written too (the unnormalised softmax, for refProbs / jsFromStats).
 * A NaN anywhere gives lse = NaN; max = +Infinity gives lse = +Infinity.
 */
export function rowStats(logits: ArrayLike<number>, offset: number, V: number, exps?: Float64Array): RowStats {
  const max = rowMax(logits, offset, V);
  if (max === -Infinity || max === Infinity || Number.isNaN(max)) {
    if (exps) exps.fill(0, 0, V);
    return { max, sum: NaN, wsum: NaN, lse: max };
  }
  let sum = 0;
  let wsum = 0;
  let nan = false;
  if (!exps) {
    // the common case (log-likelihood only): no stores, no W
    for (let i = 0; i < V; i++) {
      const t = (max - logits[offset + i]!) * S64; // >= 0
      if (t < T_MAX) {
        const kk = t + ROUND - ROUND;
        const r = (kk - t) * R64;
        sum += (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24))))) * POW2[kk]!;
      } else if (t !== t) nan = true;
    }
    wsum = NaN;
  } else {
    for (let i = 0; i < V; i++) {
      const d = max - logits[offset + i]!; // >= 0
      const t = d * S64;
      let e = 0;
      if (t < T_MAX) {
        const kk = t + ROUND - ROUND;
        const r = (kk - t) * R64;
        e = (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24))))) * POW2[kk]!;
        sum += e;
        wsum -= e * d;
      } else if (t !== t) nan = true;
      exps[i] = e;
    }
  }
  if (nan) return { max, sum: NaN, wsum: NaN, lse: NaN };
  return { max, sum, wsum, lse: max + Math.log(sum) };
}

/**
 * The reference distribution P of one position for distribution consistency, from its row's
 * `exps` and stats: out[outOffset + i] = p_i = fround(exps[i] / S) (float32 keeps the R×V
 * reference rows of a sample at half the memory). Returns Σ p_i log p_i over exactly these
 * stored float32 values, so that jsFromStats(P, P) is 0 up to float64 rounding.
 */
export function refProbs(exps: Float64Array, st: RowStats, V: number, out: Float32Array, outOffset: number): number {
  const inv = 1 / st.sum;
  let plogp = 0;
  for (let i = 0; i < V; i++) {
    const p = Math.fround(exps[i]! * inv);
    out[outOffset + i] = p;
    if (p > 0) plogp += p * logPositive(p);
  }
  return plogp;
}

/**
 * Jensen–Shannon divergence (nats) between a reference P (float32 probabilities from refProbs,
 * with plogp = Σ p log p) and the softmax Q of a row given by its `exps` and stats (rowStats):
 *
 *     JS = ½ Σ p log p + ½ Σ q log q − Σ m log m,   m = (p+q)/2,   Σ q log q = W/S − log S
 *
 * i.e. one log per vocabulary entry (each term ½f(p)+½f(q)−f(m), f = x log x, is >= 0 and 0 at
 * p = q, so JS(P, P) = 0 and rounding in P only matters at second order near P = Q). Clamped to
 * [0, ln 2].
 */
export function jsFromStats(p: Float32Array, pOffset: number, plogp: number, exps: Float64Array, st: RowStats, V: number): number {
  const inv = 1 / st.sum;
  const qlogq = st.wsum * inv - Math.log(st.sum);
  let slogs = 0;
  let ssum = 0;
  for (let i = 0; i < V; i++) {
    const s = p[pOffset + i]! + exps[i]! * inv; // s = 2m
    if (s > 0) {
      slogs += s * logPositive(s);
      ssum += s;
    }
  }
  // Σ m log m = ½ Σ s (log s − ln 2)
  const js = 0.5 * plogp + 0.5 * qlogq - 0.5 * (slogs - LN2 * ssum);
  return js > 0 ? (js < LN2 ? js : LN2) : js === js ? 0 : NaN;
}

/**
 * Stable log-softmax of one row: out[i] = x[i] - logsumexp(x). Returns `out` (allocated as a
 * Float64Array of length V when not given).
 */
export function logSoftmaxRow(
  logits: ArrayLike<number>,
  offset: number,
  V: number,
  out: Float64Array | Float32Array = new Float64Array(V),
): Float64Array | Float32Array {
  const lse = logSumExp(logits, offset, V);
  for (let i = 0; i < V; i++) out[i] = logits[offset + i]! - lse;
  return out;
}

/** Negative log-likelihood -log softmax(row)[target] of one row. */
export function tokenNll(logits: ArrayLike<number>, offset: number, V: number, target: number): number {
  if (target < 0 || target >= V) throw new RangeError(`target id ${target} outside vocabulary of ${V}`);
  return logSumExp(logits, offset, V) - logits[offset + target]!;
}

/**
 * Teacher-forced token NLLs of a sequence: for every scored position j (the index of a token in
 * `ids`), the NLL of ids[j] under the logits at row j-1 (the prediction made from ids[..j-1]).
 * `logits` is [T, V] row-major for this sequence (row r starts at rowOffset + r*V).
 * Positions j < 1 are skipped (nothing predicts the first token); the returned array has one
 * entry per scored position.
 */
export function responseNlls(
  logits: ArrayLike<number>,
  rowOffset: number,
  V: number,
  ids: ArrayLike<number>,
  start: number,
  end: number,
): number[] {
  const out: number[] = [];
  for (let j = Math.max(1, start); j < end; j++) out.push(tokenNll(logits, rowOffset + (j - 1) * V, V, ids[j]!));
  return out;
}

/** Mean of the values; NaN for an empty list. */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Mean token cross-entropy (nats) over [start, end) (see responseNlls). NaN when nothing is scored. */
export function meanCrossEntropy(
  logits: ArrayLike<number>,
  rowOffset: number,
  V: number,
  ids: ArrayLike<number>,
  start: number,
  end: number,
): number {
  return mean(responseNlls(logits, rowOffset, V, ids, start, end));
}

/**
 * Jensen–Shannon divergence (nats) between two distributions given as log-probabilities
 * (length V each, at the given offsets). JS = ½ KL(P‖M) + ½ KL(Q‖M), M = (P+Q)/2, computed with
 * log M = logaddexp(log P, log Q) − ln 2. Bounded by [0, ln 2]; clamped there against rounding.
 */
export function jsDivergenceLog(
  logP: ArrayLike<number>,
  offP: number,
  logQ: ArrayLike<number>,
  offQ: number,
  V: number,
): number {
  // log M must be accurate (an error η in log M shifts JS by −η at first order): Math.exp there;
  // the probabilities weighting the terms use the fast exp.
  let kp = 0;
  let kq = 0;
  for (let i = 0; i < V; i++) {
    const lp = logP[offP + i]!;
    const lq = logQ[offQ + i]!;
    const hi = lp > lq ? lp : lq;
    if (hi < -160) continue; // both probabilities < 1e-69: no contribution
    const lo = lp > lq ? lq : lp;
    const lm = hi + Math.log1p(Math.exp(lo - hi)) - LN2;
    if (lp !== -Infinity) kp += expNeg(lp) * (lp - lm);
    if (lq !== -Infinity) kq += expNeg(lq) * (lq - lm);
  }
  const js = 0.5 * kp + 0.5 * kq;
  return js < 0 ? 0 : js > LN2 ? LN2 : js;
}

/** Jensen–Shannon divergence (nats) between the softmaxes of two logit rows. */
export function jsDivergenceLogits(a: ArrayLike<number>, offA: number, b: ArrayLike<number>, offB: number, V: number): number {
  return jsDivergenceLog(logSoftmaxRow(a, offA, V), 0, logSoftmaxRow(b, offB, V), 0, V);
}

/** Distribution consistency from a JS divergence in nats: 1 − JS/ln 2 ∈ [0, 1] (1 = identical). */
export function consistencyFromJs(js: number): number {
  return 1 - js / LN2;
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cosine: lengths differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}
