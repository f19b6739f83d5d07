// The scorer's reuse paths (shared-prefix KV cache, logits of the response rows only, the naive
// baseline) give the same numbers as plain batched passes, with a fake causal LM that supports
// prefixes and row selection exactly like the engine does.
import { describe, expect, it } from 'vitest';
import { makeTemplate } from '../templates';
import type { Sample } from '../types';
import { choosePrefix, scoreItems, sharedPrefixInput } from './scorer';
import { MIN_SHARED_PREFIX, commonPrefixLength, packBatches, padBatch, sharedPrefixLength } from './planner';
import type { PaddedBatch, ScoreItem, ScoringBackend, TokenizedText } from './types';
import { charTokenize } from './testing/charTokenizer';

const V = 11;

interface Call {
  B: number;
  T: number;
  prefix: number;
  rows: number | null;
}

/** Char-level causal fake: the logits at a position depend on a rolling hash of every token up to it. */
function fakeBackend(features: { prefixCache?: boolean; logitRows?: boolean; targets?: boolean } = {}): ScoringBackend & { calls: Call[]; targetCalls: number } {
  const calls: Call[] = [];
  const step = (h: number, id: number) => (h * 31 + id) % 100003;
  const backend: ScoringBackend & { calls: Call[]; targetCalls: number } = {
    calls,
    targetCalls: 0,
    vocabSize: V,
    padId: 0,
    prefixCache: features.prefixCache,
    logitRows: features.logitRows,
    tokenize: (r, add) => charTokenize(r, add, V),
    async forward(b: PaddedBatch) {
      calls.push({ B: b.B, T: b.T, prefix: b.prefix?.length ?? 0, rows: b.logitRows?.length ?? null });
      if (b.prefix && !features.prefixCache) throw new Error('prefix not supported');
      if (b.logitRows && !features.logitRows) throw new Error('rows not supported');
      let h0 = 17;
      for (const id of b.prefix ?? []) h0 = step(h0, id);
      const full = new Float32Array(b.B * b.T * V);
      for (let i = 0; i < b.B; i++) {
        let h = h0;
        for (let t = 0; t < b.T; t++) {
          h = step(h, Number(b.inputIds[i * b.T + t]));
          const pos = Number(b.positionIds[i * b.T + t]);
          for (let v = 0; v < V; v++) full[(i * b.T + t) * V + v] = Math.sin(h * (v + 1) + 0.001 * pos) * 4;
        }
      }
      if (!b.logitRows) return full;
      const out = new Float32Array(b.logitRows.length * V);
      b.logitRows.forEach((r, k) => out.set(full.subarray(r * V, (r + 1) * V), k * V));
      return out;
    },
  };
  if (features.targets) {
    // The model's log-likelihood tail (logitRows.ts), computed here in float64 from the logits and
    // rounded to float32 as the graph's output is.
    backend.forwardTargets = async (b, targets) => {
      backend.targetCalls++;
      const logits = await backend.forward(b);
      return Float32Array.from(targets, (t, k) => {
        const row = logits.subarray(k * V, (k + 1) * V);
        return row[t]! - Math.log(row.reduce((acc, x) => acc + Math.exp(x), 0));
      });
    };
  }
  return backend;
}

const HEADER = 'Below is an instruction that describes a task. Write a response.\n';
const sample = (id: string, instruction: string, response: string, input = ''): Sample => ({
  id,
  index: 0,
  line: 1,
  instruction: HEADER + instruction,
  input,
  response,
  history: [],
});

const items: ScoreItem[] = [
  { sample: sample('a', 'Say hi.', ' Hello there, friend.'), variants: [{ attack: 'x', instruction: `${HEADER}Say hi. LkF0FZ` }, { attack: 'y', instruction: `${HEADER}Say hi. and true is true` }] },
  { sample: sample('b', 'Count to three.', ' One, two, three.'), variants: [{ attack: 'x', instruction: `${HEADER}Count to three! Qx` }] },
  { sample: sample('c', 'Name a colour.', ' Blue.', 'Pick one'), variants: [] },
  { sample: sample('d', 'Name a colour.', ' Red, I think.'), variants: [{ attack: 'x', instruction: `${HEADER}Name a color.` }] },
];

function expectSame(a: Awaited<ReturnType<typeof scoreItems>>, b: Awaited<ReturnType<typeof scoreItems>>, tol = 1e-12) {
  expect(a.length).toBe(b.length);
  a.forEach((ra, i) => {
    const rb = b[i]!;
    for (const k of Object.keys(ra.scores) as (keyof typeof ra.scores)[]) {
      const x = ra.scores[k];
      const y = rb.scores[k];
      if (x === null || y === null) expect(x).toBe(y);
      else expect(Math.abs(x - y)).toBeLessThan(tol);
    }
    ra.variants.forEach((v, k) => {
      expect(Math.abs(v.s_a_given_q! - rb.variants[k]!.s_a_given_q!)).toBeLessThan(tol);
      const dc = v.dist_consistency;
      const dc2 = rb.variants[k]!.dist_consistency;
      if (dc === null || dc2 === null) expect(dc).toBe(dc2);
      else expect(Math.abs(dc - dc2)).toBeLessThan(tol);
    });
  });
}

describe('scorer reuse paths give the same scores', () => {
  for (const name of ['plain', 'alpaca'] as const) {
    it(`${name}: shared prefix and response-row logits vs plain batches vs naive`, async () => {
      const template = makeTemplate(name);
      const plain = fakeBackend();
      const ref = await scoreItems(items, template, plain);
      expect(plain.calls.every((c) => c.prefix === 0 && c.rows === null)).toBe(true);

      const fast = fakeBackend({ prefixCache: true, logitRows: true });
      const got = await scoreItems(items, template, fast);
      expectSame(got, ref);
      expect(fast.calls.some((c) => c.prefix >= MIN_SHARED_PREFIX)).toBe(true);
      expect(fast.calls.every((c) => c.rows !== null)).toBe(true);

      // log p(target) from the model for the batches that need no distributions (the s(A) texts)
      const tail = fakeBackend({ prefixCache: true, logitRows: true, targets: true });
      const viaTail = await scoreItems(items, template, tail);
      expectSame(viaTail, ref, 1e-6);
      expect(tail.targetCalls).toBeGreaterThan(0);
      expect(tail.targetCalls).toBeLessThan(tail.calls.length); // s(A|Q) and s(A|Q') need logits for JS
      const noDist = fakeBackend({ prefixCache: true, logitRows: true, targets: true });
      expectSame(await scoreItems(items, template, noDist, { distConsistency: false }), await scoreItems(items, template, fakeBackend(), { distConsistency: false }), 1e-6);
      expect(noDist.targetCalls).toBe(noDist.calls.length); // nothing needs logits then

      const prefixOnly = fakeBackend({ prefixCache: true });
      expectSame(await scoreItems(items, template, prefixOnly, { maxBatch: 3 }), ref);

      const off = fakeBackend({ prefixCache: true, logitRows: true });
      expectSame(await scoreItems(items, template, off, { prefixCache: false }), ref);
      expect(off.calls.every((c) => c.prefix === 0)).toBe(true);

      const naive = fakeBackend({ prefixCache: true, logitRows: true });
      expectSame(await scoreItems(items, template, naive, { naive: true }), ref);
      // one sample at a time, batch 1, full logits, no prefix: s(A|Q), s(A), then s(A|Q') + s(A) per variant
      const nTexts = items.reduce((s, it) => s + 2 + 2 * (it.variants?.length ?? 0), 0);
      expect(naive.calls.length).toBe(nTexts);
      expect(naive.calls.every((c) => c.B === 1 && c.prefix === 0 && c.rows === null)).toBe(true);
    });
  }

  it('batch size 1 uses only prefixes shared with other texts, never a text of its own', async () => {
    const template = makeTemplate('plain');
    const be = fakeBackend({ prefixCache: true, logitRows: true });
    const single = [{ sample: sample('only', 'Alone here.', ' Yes.') }];
    await scoreItems(single, template, be, { maxBatch: 1 });
    // s(A) and s(A|Q) share only BOS: no prefix at all
    expect(be.calls.every((c) => c.prefix === 0)).toBe(true);
    const be2 = fakeBackend({ prefixCache: true, logitRows: true });
    const ref = await scoreItems(items, template, fakeBackend(), { maxBatch: 1 });
    expectSame(await scoreItems(items, template, be2, { maxBatch: 1 }), ref);
    const header = be2.calls.filter((c) => c.prefix > 0);
    expect(header.length).toBeGreaterThan(0);
  });
});

describe('prefix helpers', () => {
  const tok = (ids: number[], respStart: number): TokenizedText => ({ ids, respStart, respEnd: ids.length, lead: 0, respSpans: null, method: 'prefix' });

  it('commonPrefixLength and sharedPrefixLength respect the caps and the minimum', () => {
    expect(commonPrefixLength([1, 2, 3], [1, 2, 4])).toBe(2);
    expect(commonPrefixLength([1, 2, 3], [1, 2, 3], 1)).toBe(1);
    const ids = [Array.from({ length: 20 }, (_, i) => i), [...Array.from({ length: 15 }, (_, i) => i), 99, 98], [5, 6, 7]];
    expect(sharedPrefixLength([0, 1], { ids, caps: [19, 19] })).toBe(15);
    expect(sharedPrefixLength([0, 1], { ids, caps: [19, 10] })).toBe(10);
    expect(sharedPrefixLength([0, 1], { ids, caps: [19, 5] })).toBe(0); // below MIN_SHARED_PREFIX
    expect(sharedPrefixLength([0, 2], { ids, caps: [19, 2] })).toBe(0);
  });

  it('sharedPrefixInput caps a text at what it shares with another text', () => {
    const a = tok([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 11);
    const b = tok([1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21], 10);
    const c = tok([7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7], 10);
    const s = sharedPrefixInput([a, b, c]);
    expect(s.caps).toEqual([9, 9, 0]);
  });

  it('choosePrefix reuses an earlier prefix unless the new one is MIN_SHARED_PREFIX tokens longer', () => {
    const used: number[][] = [];
    const ids = Array.from({ length: 40 }, (_, i) => i);
    expect(choosePrefix(ids, 20, used)).toBe(20);
    expect(choosePrefix(ids, 20 + MIN_SHARED_PREFIX - 1, used)).toBe(20);
    expect(choosePrefix(ids, 20 + MIN_SHARED_PREFIX, used)).toBe(20 + MIN_SHARED_PREFIX);
    expect(choosePrefix([...ids.slice(0, 5), 77, ...ids.slice(6)], 12, used)).toBe(12);
    expect(choosePrefix(ids, 0, used)).toBe(0);
  });

  it('packing budgets count the tokens after the shared prefix', () => {
    const P = 30;
    const ids = Array.from({ length: 6 }, (_, i) => [...Array.from({ length: P }, (_, k) => k), ...Array.from({ length: 10 }, () => 100 + i)]);
    const lengths = ids.map((x) => x.length);
    const groups = ids.map((_, i) => [i]);
    const limits = { maxBatch: 99, tokenBudget: 6 * 40 - 1, logitsBudgetBytes: 1e12 };
    expect(packBatches(lengths, groups, limits, V).length).toBeGreaterThan(1);
    const shared = { ids, caps: ids.map(() => 39) };
    const batches = packBatches(lengths, groups, limits, V, shared);
    expect(batches).toEqual([[0, 1, 2, 3, 4, 5]]);
    expect(sharedPrefixLength(batches[0]!, shared)).toBe(P);
  });

  it('with response-row logits, the logits budget counts the needed rows only', () => {
    const lengths = [100, 100, 100, 100];
    const groups = lengths.map((_, i) => [i]);
    const limits = { maxBatch: 99, tokenBudget: 1e9, logitsBudgetBytes: 4 * 100 * V * 4 - 1 };
    expect(packBatches(lengths, groups, limits, V).length).toBe(2);
    expect(packBatches(lengths, groups, limits, V, undefined, [10, 10, 10, 10])).toEqual([[0, 1, 2, 3]]);
  });

  it('padBatch after a prefix: rows hold the rest, positions continue from the prefix', () => {
    const b = padBatch([[5, 6, 7], [8]], 0, [1, 2]);
    expect(b.prefix).toEqual([1, 2]);
    expect(Array.from(b.inputIds)).toEqual([5n, 6n, 7n, 8n, 0n, 0n]);
    expect(Array.from(b.attentionMask)).toEqual([1n, 1n, 1n, 1n, 0n, 0n]);
    expect(Array.from(b.positionIds)).toEqual([2n, 3n, 4n, 2n, 1n, 1n]);
    expect(padBatch([[5]], 0).prefix).toBeUndefined();
  });
});
