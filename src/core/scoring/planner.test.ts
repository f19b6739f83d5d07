import { describe, expect, it } from 'vitest';
import { inShard, packBatches, padBatch, parseShard, responseCapacity, truncateSample, truncateTokens } from './planner';
import type { TokenizedText } from './types';

function tok(lead: number, prompt: number, resp: number, trail = 0, spans = true): TokenizedText {
  const ids = Array.from({ length: lead + prompt + resp + trail }, (_, i) => 100 + i);
  // response token k covers bytes [2k, 2k+1) of the response
  const respSpans = spans ? Int32Array.from({ length: 2 * resp }, (_, i) => i) : null;
  return { ids, respStart: lead + prompt, respEnd: lead + prompt + resp, lead, respSpans, method: spans ? 'offsets' : 'prefix' };
}

describe('truncation', () => {
  it('drops trailing tokens without flagging', () => {
    const r = truncateTokens(tok(1, 5, 4, 3), 100, 4);
    expect(r.truncated).toBe(false);
    expect(r.tok.ids).toHaveLength(10);
    expect(r.tok.respEnd).toBe(10);
  });

  it('trims the prompt from the left, keeping BOS', () => {
    const t = tok(1, 20, 5);
    const r = truncateTokens(t, 10, 5);
    expect(r.truncated).toBe(true);
    expect(r.tok.ids).toHaveLength(10);
    expect(r.tok.ids[0]).toBe(100); // BOS kept
    expect(r.tok.ids.slice(1, 5)).toEqual(t.ids.slice(17, 21)); // last 4 prompt tokens
    expect(r.tok.ids.slice(5)).toEqual(t.ids.slice(21)); // whole response
    expect(r.tok.respStart).toBe(5);
  });

  it('cuts the response end when the response alone is too long', () => {
    const t = tok(1, 20, 50);
    const cap = responseCapacity(t, 16); // 16 - 1 - min(20, 4)
    expect(cap).toBe(11);
    const r = truncateTokens(t, 16, cap);
    expect(r.tok.ids).toHaveLength(16);
    expect(r.tok.respEnd - r.tok.respStart).toBe(11);
    expect(r.tok.respStart).toBe(5); // BOS + 4 prompt tokens
    expect(r.tok.respSpans).toHaveLength(22);
  });

  it('a sample keeps the same response prefix in all its texts', () => {
    const answer = tok(1, 2, 50);
    const prompted = tok(1, 30, 50);
    const { toks, truncated } = truncateSample([answer, prompted], 32);
    expect(truncated).toBe(true);
    const kept = toks.map((t) => t.respEnd - t.respStart);
    expect(kept[0]).toBe(kept[1]);
    expect(toks.every((t) => t.ids.length <= 32)).toBe(true);
  });

  it('nothing is cut when everything fits, even if response token counts differ', () => {
    const { toks, truncated } = truncateSample([tok(1, 2, 10), tok(1, 5, 11)], 64);
    expect(truncated).toBe(false);
    expect(toks.map((t) => t.respEnd - t.respStart)).toEqual([10, 11]);
  });
});

describe('packing', () => {
  it('respects count, token and logits budgets', () => {
    const lengths = [10, 12, 50, 48, 9, 11];
    const groups = lengths.map((_, i) => [i]);
    const batches = packBatches(lengths, groups, { maxBatch: 3, tokenBudget: 100, logitsBudgetBytes: 1e12 }, 10);
    for (const b of batches) {
      const T = Math.max(...b.map((i) => lengths[i]!));
      expect(b.length).toBeLessThanOrEqual(3);
      expect(b.length * T).toBeLessThanOrEqual(100);
    }
    expect(batches.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // similar lengths together: the two long ones share a batch
    expect(batches[0]!.sort()).toEqual([2, 3].sort());
    const byLogits = packBatches(lengths, groups, { maxBatch: 99, tokenBudget: 1e9, logitsBudgetBytes: 12 * 50257 * 4 * 2 }, 50257);
    for (const b of byLogits) {
      const T = Math.max(...b.map((i) => lengths[i]!));
      expect(b.length * T * 50257 * 4 <= 12 * 50257 * 4 * 2 || b.length === 1).toBe(true);
    }
  });

  it('keeps group order (reference before variants)', () => {
    const lengths = [5, 30, 31, 29];
    const batches = packBatches(lengths, [[0], [1, 2, 3]], { maxBatch: 2, tokenBudget: 1e9, logitsBudgetBytes: 1e12 }, 4);
    const flat = batches.flat();
    expect(flat.indexOf(1)).toBeLessThan(flat.indexOf(2));
    expect(flat.indexOf(2)).toBeLessThan(flat.indexOf(3));
  });

  it('pads on the right with position ids', () => {
    const b = padBatch([[5, 6, 7], [8]], 0);
    expect(b.B).toBe(2);
    expect(b.T).toBe(3);
    expect(Array.from(b.inputIds)).toEqual([5n, 6n, 7n, 8n, 0n, 0n]);
    expect(Array.from(b.attentionMask)).toEqual([1n, 1n, 1n, 1n, 0n, 0n]);
    expect(Array.from(b.positionIds)).toEqual([0n, 1n, 2n, 0n, 1n, 1n]);
  });
});

describe('shards', () => {
  it('I/N is 1-based and partitions the indices', () => {
    const s = parseShard('2/3');
    expect(s).toEqual({ index: 2, count: 3 });
    expect([0, 1, 2, 3, 4, 5].filter((i) => inShard(i, s))).toEqual([1, 4]);
    const all = [1, 2, 3].flatMap((I) => [0, 1, 2, 3, 4, 5, 6].filter((i) => inShard(i, { index: I, count: 3 })));
    expect(all.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(() => parseShard('0/3')).toThrow();
    expect(() => parseShard('4/3')).toThrow();
    expect(() => parseShard('x')).toThrow();
  });
});
