// TransformersEngine on the real shared models (Node, onnxruntime-node): batch invariance, model
// sources (local dir, picked files), dtype choice, generation, embeddings.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransformersEngine } from '../../src/engine/transformers';
import type { ScoreItem } from '../../src/engine/types';
import type { Sample } from '../../src/core/types';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const LLAMA = { kind: 'local' as const, root: MODELS, id: 'llama2c-stories260K' };

const mk = (i: number, instruction: string, response: string, input = ''): Sample => ({
  id: `s${i}`,
  index: i,
  line: i + 1,
  instruction,
  input,
  response,
  history: [],
});

const items: ScoreItem[] = [
  {
    sample: mk(0, 'Tell me a story about a dog.', 'Once upon a time there was a dog named Max. Max loved to run in the park with his friends.'),
    variants: [
      { attack: 'typo', instruction: 'Tell me a stroy about a dog.' },
      { attack: 'para', instruction: 'Write a short story about a dog, please.' },
    ],
  },
  { sample: mk(1, 'Yes or no?', 'Yes.') },
  {
    sample: mk(2, 'Write a long poem about the sea and the sky and everything in between.', 'The sea is blue, the sky is too. '.repeat(6)),
    variants: [{ attack: 'typo', instruction: 'Write a long poem about teh sea.' }],
  },
  { sample: mk(3, 'Translate', 'Le chat est noir.', 'The cat is black.') },
];

const engine = new TransformersEngine();
beforeAll(async () => {
  await engine.load({ model: LLAMA, dtype: 'fp32' });
});
afterAll(() => engine.dispose());

describe('batch invariance (llama2c fp32)', () => {
  it('a sample scored alone and in a mixed batch agrees within 1e-5', async () => {
    expect(engine.loadInfo!.batchInvariant).toBe(true);
    const mixed = await engine.score({ items, template: 'alpaca', batchSize: 16 });
    for (let i = 0; i < items.length; i++) {
      const [alone] = await engine.score({ items: [items[i]!], template: 'alpaca', batchSize: 1 });
      const a = alone!.scores;
      const m = mixed[i]!.scores;
      for (const k of ['s_a_given_q', 's_a', 'ifd', 'aifd', 'aifd_max', 'aifd_min', 'dist_consistency'] as const) {
        if (a[k] === null) expect(m[k]).toBeNull();
        else expect(Math.abs(a[k]! - m[k]!)).toBeLessThan(1e-5);
      }
    }
    // and the numbers are sane
    const r0 = mixed[0]!;
    expect(r0.variants).toHaveLength(2);
    expect(r0.scores.dist_consistency!).toBeGreaterThan(0.5);
    expect(r0.scores.dist_consistency!).toBeLessThanOrEqual(1);
    expect(mixed[1]!.scores.aifd).toBeNull();
  });

  it('a tiny logits budget (one sequence per forward) gives the same numbers', async () => {
    const a = await engine.score({ items, template: 'plain', logitsBudgetBytes: 1 });
    const b = await engine.score({ items, template: 'plain', batchSize: 64 });
    for (let i = 0; i < items.length; i++) {
      expect(Math.abs(a[i]!.scores.ifd! - b[i]!.scores.ifd!)).toBeLessThan(1e-5);
      if (a[i]!.scores.dist_consistency !== null) expect(Math.abs(a[i]!.scores.dist_consistency! - b[i]!.scores.dist_consistency!)).toBeLessThan(1e-5);
    }
  });

  it('an unchanged variant gives aifd = ifd and dist consistency 1', async () => {
    const s = items[0]!.sample;
    const [r] = await engine.score({ items: [{ sample: s, variants: [{ attack: 'id', instruction: s.instruction }] }], template: 'alpaca' });
    expect(Math.abs(r!.variants[0]!.aifd! - r!.scores.ifd!)).toBeLessThan(1e-6);
    expect(r!.variants[0]!.dist_consistency!).toBeCloseTo(1, 6);
  });
});

describe('model sources and dtypes', () => {
  it('loads a picked folder (Map<string, Blob>) and scores identically', async () => {
    const dir = path.join(MODELS, 'llama2c-stories260K');
    const files = new Map<string, Blob>();
    const walk = (d: string, rel: string) => {
      for (const n of readdirSync(d)) {
        const full = path.join(d, n);
        if (statSync(full).isDirectory()) walk(full, `${rel}${n}/`);
        else files.set(`my-model/${rel}${n}`, new Blob([readFileSync(full)]));
      }
    };
    walk(dir, '');
    const e2 = new TransformersEngine();
    const info = await e2.load({ model: { kind: 'files', id: 'my-model', files }, dtype: 'fp32' });
    expect(info.model).toBe('my-model');
    expect(info.dtype).toBe('fp32');
    const a = await e2.score({ items: items.slice(0, 2), template: 'alpaca' });
    const b = await engine.score({ items: items.slice(0, 2), template: 'alpaca' });
    expect(a[0]!.scores.ifd).toBeCloseTo(b[0]!.scores.ifd!, 6);
    await e2.dispose();
  });

  it('q8 picks model_quantized.onnx; a missing dtype falls back to a file that exists', async () => {
    const e2 = new TransformersEngine();
    const q8 = await e2.load({ model: LLAMA, dtype: 'q8' });
    expect(q8.dtype).toBe('q8');
    const q4 = await e2.load({ model: LLAMA, dtype: 'q4' });
    expect(['fp32', 'q8']).toContain(q4.dtype);
    expect(q4.reason).toMatch(/q4 requested but/);
    await e2.dispose();
  });

  it('fails clearly for a missing local model', async () => {
    const e2 = new TransformersEngine();
    await expect(e2.load({ model: { kind: 'local', root: MODELS, id: 'does-not-exist' } })).rejects.toThrow();
  });
});

describe('generate and embed', () => {
  it('greedy generation reproduces the documented llama2c text', async () => {
    const [out] = await engine.generate({ prompts: ['Once upon a time'], maxNewTokens: 12 });
    expect(out).toMatch(/^, there was a little girl named Lily/);
    // batched (left-padded) generation gives the same text per prompt
    const outs = await engine.generate({ prompts: ['Once upon a time', 'The dog'], maxNewTokens: 12 });
    expect(outs[0]).toBe(out);
  });

  it('embeds with USE-lite and computes embed consistency', async () => {
    const e2 = new TransformersEngine();
    const info = await e2.load({ model: LLAMA, dtype: 'fp32', embedModel: { kind: 'local', root: MODELS, id: 'universal-sentence-encoder-lite' }, embedDtype: 'q8' });
    expect(info.embedModel).toBe('universal-sentence-encoder-lite');
    const [a, b, c] = await e2.embed(['The cat sat on the mat.', 'A cat was sitting on the mat.', 'Stock prices fell sharply today.']);
    expect(a!.length).toBe(512);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, a!)).toBeCloseTo(1, 3);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!));
    const [r] = await e2.score({ items: [items[0]!], template: 'alpaca', embedConsistency: true, generateTokens: 16 });
    expect(r!.variants[0]!.embed_consistency).not.toBeNull();
    expect(r!.scores.embed_consistency).not.toBeNull();
    expect(r!.outputs!.variantOutputs).toHaveLength(2);
    expect(typeof r!.outputs!.refCosine).toBe('number');
    await e2.dispose();
  });
});
