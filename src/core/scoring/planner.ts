// Sequence planning, truncation, batching and padding. Pure.
//
// For every sample: ONE s(A) text (reused by every variant), one s(A|Q) text, one s(A|Q') per
// variant. Sequences of similar length are packed into batches bounded by a sequence count, a
// token budget (B*T) and a logits-memory budget (B*T*V*4 bytes). Padding is on the right with an
// attention mask, so a causal model computes the same logits for the real tokens whatever else
// is in the batch (results do not depend on batch composition).

import type { BatchLimits, PaddedBatch, TokenizedText } from './types';

export type SequenceKind = 'answer' | 'prompted' | 'variant';

export interface PlannedSequence {
  /** Index of the item (sample) in the request. */
  item: number;
  kind: SequenceKind;
  /** Variant index for kind 'variant', else -1. */
  variant: number;
  tok: TokenizedText;
}

/**
 * How many response tokens a text can keep under `maxTokens`: the response keeps everything up
 * to (maxTokens − lead − min(promptTokens, ⌈maxTokens/4⌉)); i.e. the prompt is trimmed first, but
 * never below a quarter of the budget when the response itself is too long.
 */
export function responseCapacity(t: TokenizedText, maxTokens: number): number {
  const R = t.respEnd - t.respStart;
  const P = t.respStart - t.lead;
  const keepPrompt = Math.min(P, Math.ceil(maxTokens / 4));
  return Math.min(R, Math.max(1, maxTokens - t.lead - keepPrompt));
}

/**
 * Truncates one text: (1) tokens after the response are dropped (a causal model's response
 * losses do not depend on them); (2) the response is cut to `responseCap` tokens (its end); (3)
 * if still longer than maxTokens, prompt tokens are removed from the LEFT (after the `lead`
 * tokens such as BOS). `truncated` reports steps 2-3 only.
 */
export function truncateTokens(t: TokenizedText, maxTokens: number, responseCap: number): { tok: TokenizedText; truncated: boolean } {
  const R = t.respEnd - t.respStart;
  const keepR = Math.min(R, Math.max(0, responseCap));
  let truncated = keepR < R;
  const respEnd = t.respStart + keepR;
  let ids = t.ids.slice(0, respEnd);
  let respStart = t.respStart;
  if (ids.length > maxTokens) {
    const P = t.respStart - t.lead;
    const keepP = Math.max(0, Math.min(P, maxTokens - t.lead - keepR));
    ids = [...ids.slice(0, t.lead), ...ids.slice(t.respStart - keepP)];
    respStart = t.lead + keepP;
    truncated = true;
  }
  const respSpans = t.respSpans ? t.respSpans.slice(0, 2 * keepR) : null;
  return {
    tok: { ids, respStart, respEnd: respStart + keepR, lead: t.lead, respSpans, method: t.method },
    truncated,
  };
}

/**
 * Truncates all texts of one sample consistently. Nothing is cut unless some text is longer than
 * maxTokens (after dropping what follows the response). Then every text keeps the same response
 * PREFIX: the shortest response capacity among the texts, expressed as a byte offset into the
 * response when the spans are known (tokenizations of the response may differ by a token at the
 * boundary), else as a token count. So s(A), s(A|Q) and every s(A|Q') average over the same part
 * of the response.
 */
export function truncateSample(texts: TokenizedText[], maxTokens: number): { toks: TokenizedText[]; truncated: boolean } {
  if (texts.every((t) => t.respEnd <= maxTokens)) {
    return { toks: texts.map((t) => truncateTokens(t, maxTokens, t.respEnd - t.respStart).tok), truncated: false };
  }
  const caps = texts.map((t) => responseCapacity(t, maxTokens));
  const bySpan = texts.every((t) => t.respSpans !== null);
  let caps2 = caps;
  if (bySpan) {
    // byte offset (relative to the response start) where the shortest kept response prefix ends
    const limit = Math.min(...texts.map((t, i) => (caps[i]! > 0 ? t.respSpans![2 * caps[i]! - 1]! : 0)));
    caps2 = texts.map((t, i) => {
      let k = 0;
      const R = t.respEnd - t.respStart;
      while (k < R && t.respSpans![2 * k + 1]! <= limit) k++;
      return Math.max(Math.min(1, caps[i]!), Math.min(k, caps[i]!));
    });
  } else {
    const cap = Math.min(...caps);
    caps2 = texts.map(() => cap);
  }
  let truncated = false;
  const toks = texts.map((t, i) => {
    const r = truncateTokens(t, maxTokens, caps2[i]!);
    truncated ||= r.truncated;
    return r.tok;
  });
  return { toks, truncated };
}

/** Length of the longest common prefix of `a` and `b`, at most `limit`. */
export function commonPrefixLength(a: readonly number[], b: readonly number[], limit = Infinity): number {
  const n = Math.min(a.length, b.length, limit);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** Shorter shared prefixes are not worth a separate prefix pass. */
export const MIN_SHARED_PREFIX = 8;

/**
 * What the rows of a batch may share as a run-once prefix: their token ids, and per row the
 * longest prefix it can give up (`caps[i]` = the first position whose logits are needed, so that
 * every needed logit row is in the part that is run per row).
 */
export interface SharedPrefixInput {
  ids: readonly (readonly number[])[];
  caps: readonly number[];
  /** Default MIN_SHARED_PREFIX; a shorter common prefix counts as none. */
  minPrefix?: number;
}

/**
 * The prefix length P the rows `batch` share and can run once: the longest common prefix of their
 * ids, at most every row's cap; 0 when shorter than minPrefix.
 */
export function sharedPrefixLength(batch: readonly number[], shared: SharedPrefixInput): number {
  if (batch.length === 0) return 0;
  const first = shared.ids[batch[0]!]!;
  let p = Math.min(first.length, shared.caps[batch[0]!]!);
  for (let k = 1; k < batch.length && p > 0; k++) {
    const i = batch[k]!;
    p = commonPrefixLength(first, shared.ids[i]!, Math.min(p, shared.caps[i]!));
  }
  return p >= (shared.minPrefix ?? MIN_SHARED_PREFIX) ? p : 0;
}

/**
 * Groups: arrays of sequence indices that must be processed in order (the s(A|Q) of a sample
 * before its s(A|Q') when distribution consistency keeps a reference). Groups are sorted by
 * their longest sequence (longest first), then sequences are packed greedily in that order:
 * a batch is closed when adding the next sequence would break a limit. A sequence that alone
 * exceeds a budget gets a batch of its own.
 *
 * With `shared`, a sequence that would shorten the batch's shared prefix by half or more starts a
 * new batch, and the budgets count the tokens that are run per row: T = longest row − P, where P
 * is the prefix the batch's rows share (sharedPrefixLength), run once by the backend, less
 * minPrefix (the prefix actually run may be that much shorter, see choosePrefix in scorer.ts).
 * With `logitRows` (logits rows each sequence needs, when the backend computes only those), the
 * logits budget counts those rows instead of B·T.
 */
export function packBatches(
  lengths: readonly number[],
  groups: readonly number[][],
  limits: BatchLimits,
  vocabSize: number,
  shared?: SharedPrefixInput,
  logitRows?: readonly number[],
): number[][] {
  const order = groups
    .map((g, gi) => ({ g, gi, len: Math.max(...g.map((i) => lengths[i]!)) }))
    .sort((a, b) => b.len - a.len || a.gi - b.gi);
  const minPrefix = shared?.minPrefix ?? MIN_SHARED_PREFIX;
  const batches: number[][] = [];
  let cur: number[] = [];
  let curLen = 0;
  let curP = 0; // common prefix of the rows of `cur` (before the minPrefix rule)
  let curRows = 0; // logits rows of `cur` when only the needed rows are computed
  const effective = (p: number) => (p >= minPrefix ? p : 0);
  for (const { g } of order) {
    for (const i of g) {
      const len = lengths[i]!;
      const B = cur.length + 1;
      const maxLen = Math.max(curLen, len);
      let p = 0;
      if (shared) {
        p = cur.length === 0 ? Math.min(len, shared.caps[i]!) : commonPrefixLength(shared.ids[cur[0]!]!, shared.ids[i]!, Math.min(curP, shared.caps[i]!));
      }
      // the scorer may run on a cached prefix up to minPrefix tokens shorter (choosePrefix)
      const T = maxLen - Math.max(0, effective(p) - minPrefix);
      const rows = logitRows ? curRows + logitRows[i]! : B * T;
      const fits = B <= limits.maxBatch && B * T <= limits.tokenBudget && rows * vocabSize * 4 <= limits.logitsBudgetBytes;
      // a row that would cut the batch's shared prefix by half or more (an s(A) text after the
      // s(A|Q) texts, another template header) starts a new batch instead
      const drop = effective(curP) - effective(p);
      const cutsPrefix = shared !== undefined && cur.length > 1 && drop >= minPrefix && drop >= effective(curP) / 2;
      if (cur.length > 0 && (!fits || cutsPrefix)) {
        batches.push(cur);
        cur = [];
        curLen = 0;
        curRows = 0;
        p = shared ? Math.min(len, shared.caps[i]!) : 0;
      }
      cur.push(i);
      curRows += logitRows ? logitRows[i]! : 0;
      curLen = Math.max(curLen, len);
      curP = p;
    }
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

/**
 * Right-pads id sequences; position_ids = cumsum(mask) − 1 with pads set to 1. With `prefix`
 * (tokens every row shares, run once by the backend), `seqs` are the rows' tokens AFTER the
 * prefix and their positions continue from prefix.length.
 */
export function padBatch(seqs: readonly (readonly number[])[], padId: number, prefix?: readonly number[]): PaddedBatch {
  const B = seqs.length;
  const T = Math.max(1, ...seqs.map((s) => s.length));
  const P = prefix?.length ?? 0;
  const inputIds = new BigInt64Array(B * T);
  const attentionMask = new BigInt64Array(B * T);
  const positionIds = new BigInt64Array(B * T);
  const pad = BigInt(padId);
  seqs.forEach((s, b) => {
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      if (t < s.length) {
        inputIds[k] = BigInt(s[t]!);
        attentionMask[k] = 1n;
        positionIds[k] = BigInt(P + t);
      } else {
        inputIds[k] = pad;
        attentionMask[k] = 0n;
        positionIds[k] = 1n;
      }
    }
  });
  const batch: PaddedBatch = { B, T, inputIds, attentionMask, positionIds, lengths: seqs.map((s) => s.length) };
  if (P > 0) batch.prefix = [...prefix!];
  return batch;
}

/**
 * Deterministic shard membership, `--shard I/N` (1-based I): a sample belongs to shard I iff its
 * 0-based index among the input records satisfies index mod N == I − 1.
 */
export function parseShard(spec: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new Error(`--shard must look like I/N (e.g. 1/4), got "${spec}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new Error(`--shard ${spec}: need 1 <= I <= N`);
  return { index, count };
}

export function inShard(sampleIndex: number, shard: { index: number; count: number } | null): boolean {
  return shard === null || sampleIndex % shard.count === shard.index - 1;
}
