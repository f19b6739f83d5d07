import { describe, expect, it } from 'vitest';
import { makeTemplate } from '../templates';
import type { Sample } from '../types';
import { scoreItems } from './scorer';
import type { PaddedBatch, ScoringBackend } from './types';
import { charTokenize } from './testing/charTokenizer';
import { logSoftmaxRow } from '../metrics';

const V = 7;

/** Char-level fake LM: BOS = 0, token = 1 + code % 6; logits depend only on the prefix (causal). */
function fakeBackend(): ScoringBackend & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    vocabSize: V,
    padId: 0,
    tokenize: (r, add) => charTokenize(r, add, V),
    async forward(b: PaddedBatch) {
      calls.push(b.B);
      const out = new Float32Array(b.B * b.T * V);
      for (let i = 0; i < b.B; i++) {
        let h = 17;
        for (let t = 0; t < b.T; t++) {
          h = (h * 31 + Number(b.inputIds[i * b.T + t])) % 1009;
          for (let v = 0; v < V; v++) out[(i * b.T + t) * V + v] = Math.sin(h * (v + 1)) * 3;
        }
      }
      return out;
    },
  };
}

const sample = (id: string, instruction: string, response: string): Sample => ({
  id,
  index: 0,
  line: 1,
  instruction,
  input: '',
  response,
  history: [],
});

describe('scoreItems with a fake causal LM', () => {
  const template = makeTemplate('plain');

  it('computes s(A|Q), s(A), IFD by hand', async () => {
    const be = fakeBackend();
    const s = sample('a', 'hi', 'abc');
    const [r] = await scoreItems([{ sample: s }], template, be);
    // recompute: s(A|Q) over "hi\nabc" (BOS + 6 tokens), response tokens 4..6
    const ce = async (text: string, start: number, end: number) => {
      const ids = [0, ...Array.from(text, (c) => 1 + (c.charCodeAt(0) % 6))];
      const logits = await be.forward({
        B: 1,
        T: ids.length,
        inputIds: BigInt64Array.from(ids.map(BigInt)),
        attentionMask: new BigInt64Array(ids.length).fill(1n),
        positionIds: BigInt64Array.from(ids.map((_, i) => BigInt(i))),
        lengths: [ids.length],
      });
      let sum = 0;
      for (let j = start; j < end; j++) sum -= logSoftmaxRow(logits, (j - 1) * V, V)[ids[j]!]!;
      return sum / (end - start);
    };
    const sAQ = await ce('hi\nabc', 4, 7);
    const sA = await ce('abc', 1, 4);
    expect(r!.scores.s_a_given_q).toBeCloseTo(sAQ, 10);
    expect(r!.scores.s_a).toBeCloseTo(sA, 10);
    expect(r!.scores.ifd).toBeCloseTo(sAQ / sA, 10);
    expect(r!.scores.aifd).toBeNull();
    expect(r!.variants).toEqual([]);
  });

  it('an identical variant has aifd = ifd and consistency 1', async () => {
    const s = sample('a', 'hello', 'world');
    const [r] = await scoreItems([{ sample: s, variants: [{ attack: 'same', instruction: 'hello' }, { attack: 'other', instruction: 'bye' }] }], template, fakeBackend());
    const [same, other] = r!.variants;
    expect(same!.aifd).toBeCloseTo(r!.scores.ifd!, 12);
    expect(same!.dist_consistency).toBeCloseTo(1, 12);
    expect(other!.dist_consistency!).toBeLessThan(1);
    expect(r!.scores.aifd).toBeCloseTo((same!.aifd! + other!.aifd!) / 2, 12);
    expect(r!.scores.aifd_gap).toBeCloseTo(r!.scores.aifd! - r!.scores.ifd!, 12);
  });

  it('does not depend on batch composition', async () => {
    const items = [
      { sample: sample('a', 'short', 'x y'), variants: [{ attack: 'v', instruction: 'tiny' }] },
      { sample: sample('b', 'a much longer instruction here', 'some response text'), variants: [{ attack: 'v', instruction: 'long' }] },
      { sample: sample('c', 'mid size', 'resp') },
    ];
    const alone = await scoreItems([items[1]!], template, fakeBackend(), { maxBatch: 1 });
    const be = fakeBackend();
    const mixed = await scoreItems(items, template, be, { maxBatch: 8 });
    expect(Math.max(...be.calls)).toBeGreaterThan(1);
    expect(mixed[1]).toEqual(alone[0]);
  });

  it('a small logits budget forces one sequence per batch and gives the same numbers', async () => {
    const items = [{ sample: sample('a', 'q', 'r s'), variants: [{ attack: 'v', instruction: 'p' }] }];
    const be = fakeBackend();
    const a = await scoreItems(items, template, be, { logitsBudgetBytes: 1 });
    expect(be.calls.every((b) => b === 1)).toBe(true);
    const b = await scoreItems(items, template, fakeBackend());
    expect(a).toEqual(b);
  });

  it('per-sample errors give null scores', async () => {
    const [r] = await scoreItems([{ sample: sample('e', 'q', '') }], template, fakeBackend());
    expect(r!.error).toMatch(/empty/);
    expect(r!.scores.ifd).toBeNull();
  });

  it('truncation is flagged', async () => {
    const [r] = await scoreItems([{ sample: sample('t', 'x'.repeat(100), 'y'.repeat(20)) }], template, fakeBackend(), { maxTokens: 32 });
    expect(r!.truncated).toBe(true);
    expect(r!.tokens.prompted).toBeLessThanOrEqual(32);
    expect(r!.scores.ifd).not.toBeNull();
  });

  it('aborts', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(scoreItems([{ sample: sample('a', 'q', 'r') }], template, fakeBackend(), {}, undefined, ac.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('embed consistency from greedy outputs', async () => {
    const be = fakeBackend();
    be.generate = async (prompts) => prompts.map((p) => (p.includes('bye') ? 'zzz' : 'abc'));
    be.embed = async (texts) => texts.map((t) => Float32Array.from([t.length, t.includes('z') ? 1 : 0]));
    const [r] = await scoreItems(
      [{ sample: sample('a', 'hi', 'abc'), variants: [{ attack: 'same', instruction: 'hi' }, { attack: 'b', instruction: 'bye' }] }],
      template,
      be,
      { embedConsistency: true },
    );
    expect(r!.variants[0]!.embed_consistency).toBeCloseTo(1, 12);
    expect(r!.variants[1]!.embed_consistency!).toBeLessThan(1);
    expect(r!.outputs!.output).toBe('abc');
    expect(r!.outputs!.refCosine).toBeCloseTo(1, 12);
    expect(r!.scores.embed_consistency).toBeCloseTo((1 + r!.variants[1]!.embed_consistency!) / 2, 12);
  });
});
