// The engine's reuse paths on real graphs (onnxruntime-node):
//  - shared-prefix KV cache: rows run on top of a cached prefix give the full pass's logits;
//  - logits of chosen rows only (onnx/logitRows.ts): the patched graph gives the original's logits;
//  - scoring with both (the default) vs without vs the naive baseline: same s(A|Q), s(A), AIFD,
//    distribution consistency within 1e-5 on fp32 llama2c-stories260K.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { TransformersEngine } from '../../src/engine/transformers';
import { LOGIT_ROWS_INPUT, LOGIT_TARGETS_INPUT, TARGET_LOGPROB_OUTPUT, patchLogitRows } from '../../src/engine/onnx/logitRows';
import { padBatch } from '../../src/core/scoring/planner';
import type { Sample } from '../../src/core/types';
import type { ScoreItem, ScoreResult } from '../../src/engine/types';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const LLAMA = path.join(MODELS, 'llama2c-stories260K', 'onnx', 'model.onnx');

const sample = (id: string, instruction: string, response: string, input = ''): Sample => ({ id, index: 0, line: 1, instruction, input, response, history: [] });
const items: ScoreItem[] = [
  {
    sample: sample('s1', 'Tell me a short story about a cat.', ' Once upon a time, there was a little cat named Tom. Tom liked to play in the sun.'),
    variants: [
      { attack: 'checklist', instruction: 'Tell me a short story about a cat. LkF0FZxMZ4' },
      { attack: 'stresstest', instruction: 'Tell me a short story about a cat. and true is true' },
    ],
  },
  {
    sample: sample('s2', 'Finish the sentence.', ' to the park and saw a big red ball.\nHe was very happy.', 'The dog ran'),
    variants: [{ attack: 'checklist', instruction: 'Finish the sentence. Qw3' }],
  },
  { sample: sample('s3', 'What did Lily find?', ' Lily found a shiny stone in the garden. She showed it to her mom.'), variants: [{ attack: 'x', instruction: 'What did Lily find?' }] },
  { sample: sample('s4', 'Write about a dog.', ' The dog was happy. He ran and ran.'), variants: [] },
];

function maxDiff(a: ScoreResult[], b: ScoreResult[]): number {
  let d = 0;
  a.forEach((ra, i) => {
    const rb = b[i]!;
    for (const k of ['s_a_given_q', 's_a', 'ifd', 'aifd', 'aifd_max', 'aifd_min', 'dist_consistency'] as const) {
      const x = ra.scores[k];
      const y = rb.scores[k];
      if (x === null || y === null) expect(x).toBe(y);
      else d = Math.max(d, Math.abs(x - y));
    }
    ra.variants.forEach((v, k) => (d = Math.max(d, Math.abs(v.s_a_given_q! - rb.variants[k]!.s_a_given_q!))));
  });
  return d;
}

const engine = new TransformersEngine();
beforeAll(async () => {
  await engine.load({ model: { kind: 'local', root: MODELS, id: 'llama2c-stories260K' }, dtype: 'fp32' });
});
afterAll(async () => {
  await engine.dispose();
});

describe('logits of chosen rows (patched LM head)', () => {
  it('gives the original graph’s logits, and all of them without the input; the tail gives log p(target)', async () => {
    const patched = patchLogitRows(new Uint8Array(readFileSync(LLAMA)))!;
    expect(patched).not.toBeNull();
    const original = await ort.InferenceSession.create(LLAMA);
    const rowsSession = await ort.InferenceSession.create(patched, { logSeverityLevel: 3 });
    expect(rowsSession.inputNames).toContain(LOGIT_ROWS_INPUT);
    const B = 2;
    const T = 9;
    const feeds = (extra: Record<string, ort.Tensor>) => {
      const f: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: B * T }, (_, i) => BigInt(3 + ((i * 7) % 50))), [B, T]),
        attention_mask: new ort.Tensor('int64', BigInt64Array.from({ length: B * T }, (_, i) => (i >= T + 6 ? 0n : 1n)), [B, T]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: B * T }, (_, i) => BigInt(i % T)), [B, T]),
      };
      for (let l = 0; l < 5; l++) {
        f[`past_key_values.${l}.key`] = new ort.Tensor('float32', new Float32Array(0), [B, 4, 0, 8]);
        f[`past_key_values.${l}.value`] = new ort.Tensor('float32', new Float32Array(0), [B, 4, 0, 8]);
      }
      return { ...f, ...extra };
    };
    const full = (await original.run(feeds({}))).logits!;
    const V = 512;
    const i64 = (xs: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), [xs.length]);
    const allOut = await rowsSession.run(feeds({ [LOGIT_ROWS_INPUT]: i64([]), [LOGIT_TARGETS_INPUT]: i64([]) }));
    const all = allOut.logits!;
    expect(allOut[TARGET_LOGPROB_OUTPUT]!.dims).toEqual([0, 1]); // no rows chosen: the tail is empty
    const rows = [0, 4, 8, 9, 14];
    const targets = [5, 0, 511, 42, 17];
    const selOut = await rowsSession.run(feeds({ [LOGIT_ROWS_INPUT]: i64(rows), [LOGIT_TARGETS_INPUT]: i64(targets) }));
    const sel = selOut.logits!;
    expect(all.dims).toEqual(full.dims);
    expect(sel.dims).toEqual([1, rows.length, V]);
    expect(Array.from(all.data as Float32Array)).toEqual(Array.from(full.data as Float32Array));
    rows.forEach((r, k) => {
      const a = (full.data as Float32Array).subarray(r * V, (r + 1) * V);
      const b = (sel.data as Float32Array).subarray(k * V, (k + 1) * V);
      for (let v = 0; v < V; v++) expect(Math.abs(a[v]! - b[v]!)).toBeLessThan(1e-6);
    });
    // The tail against a float64 log-softmax of the original graph's logits.
    const tlp = selOut[TARGET_LOGPROB_OUTPUT]!;
    expect(tlp.dims).toEqual([rows.length, 1]);
    rows.forEach((r, k) => {
      const z = Array.from((full.data as Float32Array).subarray(r * V, (r + 1) * V));
      const max = Math.max(...z);
      const lse = max + Math.log(z.reduce((acc, x) => acc + Math.exp(x - max), 0));
      expect(Math.abs((tlp.data as Float32Array)[k]! - (z[targets[k]!]! - lse))).toBeLessThan(1e-5);
    });
    await original.release();
    await rowsSession.release();
  });

  it('leaves graphs it does not understand alone', () => {
    expect(patchLogitRows(new Uint8Array([1, 2, 3, 4, 5]))).toBeNull();
    expect(patchLogitRows(new Uint8Array(0))).toBeNull();
  });

  it('the engine installs it, its log-likelihood tail and the shared-prefix cache at load', () => {
    const info = engine.loadInfo!;
    expect(info.prefixCache).toBe(true);
    expect(info.reason).not.toMatch(/logits of all positions|log-likelihoods in JS/);
    expect(engine.backend().logitRows).toBe(true);
    expect(typeof engine.backend().forwardTargets).toBe('function'); // the tail passed its load-time check
  });
});

describe('shared-prefix KV cache (llama2c fp32)', () => {
  it('rows after a cached prefix give the logits of the full pass', async () => {
    const pre = Array.from({ length: 12 }, (_, i) => 3 + ((5 + 11 * i) % 60));
    const r1 = [...pre, 7, 9, 11];
    const r2 = [...pre, 13, 17, 19, 23, 29, 31, 37];
    const full = await engine.forward(padBatch([r2, r1], 0));
    const part = await engine.forward(padBatch([r2.slice(12), r1.slice(12)], 0, pre));
    const V = 512;
    const Tf = r2.length;
    const Tp = r2.length - 12;
    let d = 0;
    [r2, r1].forEach((r, b) => {
      for (let t = 12; t < r.length; t++) for (let v = 0; v < V; v++) d = Math.max(d, Math.abs(full[(b * Tf + t) * V + v]! - part[(b * Tp + t - 12) * V + v]!));
    });
    expect(d).toBeLessThan(1e-5);
    // a longer prefix (the cached one + 2 tokens) is computed on top of the cached one
    const r3 = [...pre, 7, 9, 4, 5, 6];
    const full3 = await engine.forward(padBatch([r3], 0));
    const part3 = await engine.forward(padBatch([r3.slice(14), r1.slice(14)], 0, r3.slice(0, 14)));
    expect(part3.length).toBe(2 * 3 * V);
    for (let t = 14; t < r3.length; t++) for (let v = 0; v < V; v++) expect(Math.abs(full3[t * V + v]! - part3[(t - 14) * V + v]!)).toBeLessThan(1e-5);
  });

  it('scores: default (prefix + response rows) = no prefix = naive baseline, within 1e-5', async () => {
    for (const template of ['alpaca', 'plain'] as const) {
      const fast = await engine.score({ items, template });
      const noPrefix = await engine.score({ items, template, prefixCache: false });
      const naive = await engine.score({ items, template, naive: true });
      const batch1 = await engine.score({ items, template, batchSize: 1 });
      expect(maxDiff(fast, noPrefix)).toBeLessThan(1e-5);
      expect(maxDiff(fast, naive)).toBeLessThan(1e-5);
      expect(maxDiff(fast, batch1)).toBeLessThan(1e-5);
      expect(fast[0]!.scores.dist_consistency).not.toBeNull();
    }
  });
});
