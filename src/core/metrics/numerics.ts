// Numerically stable primitives over logits. Pure functions over Float32Array slices of a
// row-major [T, V] logits matrix; accumulation in float64. Natural logarithms throughout.

export const LN2 = Math.LN2;

// exp(d) for d <= 0 as 2^t, t = d·log2(e) = k + f (k = round t, f in [-1/2, 1/2]): 2^k from a
// table, 2^f from its degree-8 Taylor polynomial (relative error < 3e-10). About twice as fast as
// Math.exp, which matters with 50k-150k vocabularies. Terms with t <= -75 (< 3e-23 of the max)
// are skipped.
const LOG2E = Math.LOG2E;
const POW2_NEG = Float64Array.from({ length: 77 }, (_, k) => 2 ** -k);
const L = Math.LN2;
const C1 = L;
const C2 = L ** 2 / 2;
const C3 = L ** 3 / 6;
const C4 = L ** 4 / 24;
const C5 = L ** 5 / 120;
const C6 = L ** 6 / 720;
const C7 = L ** 7 / 5040;
const C8 = L ** 8 / 40320;

/** exp(d) for d <= 0 (relative error < 3e-10); 0 below 2^-75. Positive d is clamped to 0. */
export function expNeg(d: number): number {
  const t = d < 0 ? d * LOG2E : 0;
  if (!(t > -75)) return t === t ? 0 : NaN;
  const k = Math.round(t);
  const f = t - k;
  return (1 + f * (C1 + f * (C2 + f * (C3 + f * (C4 + f * (C5 + f * (C6 + f * (C7 + f * C8)))))))) * POW2_NEG[-k]!;
}

/** log(sum(exp(x))) over logits[offset .. offset+V), with the max subtracted first. */
export function logSumExp(logits: ArrayLike<number>, offset: number, V: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) {
    const x = logits[offset + i]!;
    if (x > max) max = x;
  }
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  if (Number.isNaN(max)) return NaN;
  let sum = 0;
  for (let i = 0; i < V; i++) {
    const t = (logits[offset + i]! - max) * LOG2E; // <= 0
    if (t > -75) {
      const k = Math.round(t);
      const f = t - k;
      sum += (1 + f * (C1 + f * (C2 + f * (C3 + f * (C4 + f * (C5 + f * (C6 + f * (C7 + f * C8)))))))) * POW2_NEG[-k]!;
    } else if (t !== t) {
      return NaN;
    }
  }
  return max + Math.log(sum);
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
