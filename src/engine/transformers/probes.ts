// Load-time checks of a loaded graph, as pure functions over its forward pass: each runs a few
// fixed token rows and compares numbers, so that an optimisation is used only where it gives the
// same logits as the plain pass (docs/metrics.md, "Performance").

import { tokenNll } from '../../core/metrics/numerics';
import { padBatch } from '../../core/scoring/planner';
import type { PaddedBatch } from '../../core/scoring/types';

/** Logits of a right-padded batch: [B, T, V], or [N, V] for batch.logitRows. */
export type Forward = (batch: PaddedBatch) => Promise<Float32Array>;
/** log p(targets[k]) of each of batch.logitRows. */
export type ForwardTargets = (batch: PaddedBatch & { logitRows: Int32Array }, targets: Int32Array) => Promise<Float32Array>;

/** Agreement within this is "the same numbers" for float32 logits. */
const TOL = 1e-4;

/** A fixed row of token ids in 3..52 (every vocabulary of a real model has these). */
const row = (length: number, a: number, b: number) => Array.from({ length }, (_, i) => 3 + ((a + b * i) % 50));

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/**
 * Runs a short sequence alone (gives the logits' real vocabulary dimension) and next to a longer
 * one in a right-padded batch: are its logits the same (1e-4)? `noise` is the largest difference
 * (dynamically quantized graphs quantize activations per batch).
 */
export async function probeBatchInvariance(forward: Forward): Promise<{ vocab: number; batchInvariant: boolean; noise: number }> {
  const a = row(6, 7, 13);
  const b = row(24, 3, 29);
  const alone = await forward(padBatch([a], 0));
  const V = alone.length / a.length;
  if (!Number.isInteger(V) || V < 2) throw new Error(`unexpected logits size ${alone.length} for ${a.length} tokens`);
  const mixed = await forward(padBatch([b, a], 0));
  const T = b.length;
  let maxDiff = 0;
  for (let t = 0; t < a.length; t++) {
    for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(alone[t * V + v]! - mixed[(T + t) * V + v]!));
  }
  return { vocab: V, batchInvariant: maxDiff <= TOL, noise: maxDiff };
}

/**
 * Can rows run on top of a cached prefix (PaddedBatch.prefix)? Two right-padded rows sharing a
 * 10-token prefix, run whole and run after the prefix: their logits must agree within the model's
 * own batch noise (1e-4, or 10x what probeBatchInvariance measured for dynamically quantized
 * graphs). Graphs whose attention assumes left-aligned rows when a past is given (e.g. some fused
 * GroupQueryAttention exports) fail this and score without the prefix cache. Returns the largest
 * difference and whether it is within tolerance; a forward that throws propagates.
 */
export async function probePrefixCache(forward: Forward, V: number, noise: number): Promise<{ ok: boolean; maxDiff: number }> {
  const pre = row(10, 5, 11);
  const r1 = [...pre, ...row(4, 2, 7)];
  const r2 = [...pre, ...row(12, 9, 17)];
  const P = pre.length;
  const full = await forward(padBatch([r2, r1], 0));
  const part = await forward(padBatch([r2.slice(P), r1.slice(P)], 0, pre));
  const Tf = r2.length;
  const Tp = r2.length - P;
  let maxDiff = 0;
  [r2, r1].forEach((r, b) => {
    for (let t = P; t < r.length; t++) {
      for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(full[(b * Tf + t) * V + v]! - part[(b * Tp + t - P) * V + v]!));
    }
  });
  return { ok: maxDiff <= Math.max(TOL, 10 * noise), maxDiff };
}

/** The batch the row-selection probe runs, and the rows it selects (all of row 0's first ten, two of row 1's). */
export function rowSelectionProbe(): { batch: PaddedBatch; rows: Int32Array } {
  const a = row(7, 4, 13);
  const b = row(11, 6, 23);
  const T = b.length;
  return { batch: padBatch([b, a], 0), rows: Int32Array.from([...Array.from({ length: 10 }, (_, t) => t + 1), T + 2, T + 6]) };
}

/**
 * Does a graph with the rows-only LM head (onnx/logitRows.ts) compute what the original did?
 * `reference`: the original graph's logits of the probe batch; `forward`: the patched graph.
 * Throws when the patched graph's full pass disagrees (the caller goes back to the original);
 * returns whether the selected rows agree, with the chosen rows' logits (for probeTargets).
 */
export async function probeRowSelection(reference: Float32Array, forward: Forward, V: number): Promise<{ ok: boolean; maxDiff: number; selected: Float32Array }> {
  const { batch, rows } = rowSelectionProbe();
  const all = await forward(batch);
  const selected = await forward({ ...batch, logitRows: rows });
  const dAll = maxAbsDiff(reference, all);
  if (dAll > TOL || !(selected.length === rows.length * V)) throw new Error(`patched graph disagrees (${dAll.toExponential(1)})`);
  let maxDiff = 0;
  rows.forEach((r, k) => {
    for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(all[r * V + v]! - selected[k * V + v]!));
  });
  return { ok: maxDiff <= TOL, maxDiff, selected };
}

/**
 * Does the graph's log-likelihood tail agree with the chosen rows' logits on the probe batch:
 * log p(target) within 1e-4 of a float64 log-softmax here? `selected`: probeRowSelection's rows.
 */
export async function probeTargets(forwardTargets: ForwardTargets, selected: Float32Array, V: number): Promise<{ ok: boolean; maxDiff: number }> {
  const { batch, rows } = rowSelectionProbe();
  const targets = Int32Array.from(rows, (_, k) => (7 + 31 * k) % V);
  const lp = await forwardTargets({ ...batch, logitRows: rows }, targets);
  let d = lp.length === rows.length ? 0 : Infinity;
  rows.forEach((_, k) => (d = Math.max(d, Math.abs(lp[k]! + tokenNll(selected, k * V, V, targets[k]!)))));
  return { ok: d <= TOL, maxDiff: d };
}
