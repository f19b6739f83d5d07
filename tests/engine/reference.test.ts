// s(A|Q), s(A) and IFD of the engine vs an INDEPENDENT computation: the llama2c-stories260K fp32
// ONNX graph run directly with onnxruntime-node (no transformers.js model code, no padding, no
// batching), cross-entropy computed here by hand in float64, response tokens found by encoding
// the prompt alone (asserted to be a clean prefix of the joint encoding for these texts).

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { TransformersEngine } from '../../src/engine/transformers';
import { makeTemplate, type TemplateName } from '../../src/core/templates';
import type { Sample } from '../../src/core/types';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const MODEL_DIR = path.join(MODELS, 'llama2c-stories260K');

const samples: Sample[] = [
  {
    id: 's1',
    index: 0,
    line: 1,
    instruction: 'Tell me a short story about a cat.',
    input: '',
    response: ' Once upon a time, there was a little cat named Tom. Tom liked to play in the sun.',
    history: [],
  },
  {
    id: 's2',
    index: 1,
    line: 2,
    instruction: 'Finish the sentence.',
    input: 'The dog ran',
    response: ' to the park and saw a big red ball.\nHe was very happy.',
    history: [],
  },
  {
    id: 's3',
    index: 2,
    line: 3,
    instruction: 'What did Lily find?',
    input: '',
    response: ' Lily found a shiny stone in the garden. She showed it to her mom.',
    history: [
      { role: 'user', content: 'Who is Lily?' },
      { role: 'assistant', content: 'Lily is a little girl.' },
    ],
  },
];

type Tok = { encode(t: string, o?: { add_special_tokens?: boolean }): number[] };
let session: ort.InferenceSession;
let tok: Tok;
const engine = new TransformersEngine();

beforeAll(async () => {
  session = await ort.InferenceSession.create(path.join(MODEL_DIR, 'onnx', 'model.onnx'));
  await engine.load({ model: { kind: 'local', root: MODELS, id: 'llama2c-stories260K' }, dtype: 'fp32' });
  env.localModelPath = MODELS;
  env.allowLocalModels = true;
  tok = (await AutoTokenizer.from_pretrained('llama2c-stories260K', { local_files_only: true })) as unknown as Tok;
});

afterAll(async () => {
  await engine.dispose();
  await session.release();
});

/** Logits [T, V] of one unpadded sequence, straight from the ONNX graph. */
async function onnxLogits(ids: number[]): Promise<{ data: Float32Array; V: number }> {
  const T = ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, T]),
  };
  for (let l = 0; l < 5; l++) {
    feeds[`past_key_values.${l}.key`] = new ort.Tensor('float32', new Float32Array(0), [1, 4, 0, 8]);
    feeds[`past_key_values.${l}.value`] = new ort.Tensor('float32', new Float32Array(0), [1, 4, 0, 8]);
  }
  const out = await session.run(feeds);
  const logits = out.logits!;
  return { data: logits.data as Float32Array, V: logits.dims[2]! };
}

/** Mean NLL (nats) of the tokens of `text` after `prefix`, by hand. */
async function referenceCE(prefix: string, text: string, addSpecial: boolean): Promise<number> {
  const ids = tok.encode(text, { add_special_tokens: addSpecial });
  const pre = tok.encode(prefix, { add_special_tokens: addSpecial });
  expect(ids.slice(0, pre.length)).toEqual(pre); // clean boundary for these texts
  const { data, V } = await onnxLogits(ids);
  let sum = 0;
  for (let j = Math.max(1, pre.length); j < ids.length; j++) {
    const row = data.subarray((j - 1) * V, j * V);
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let z = 0;
    for (const x of row) z += Math.exp(x - max);
    sum += max + Math.log(z) - row[ids[j]!]!;
  }
  return sum / (ids.length - Math.max(1, pre.length));
}

describe('engine vs direct onnxruntime-node (llama2c-stories260K fp32)', () => {
  for (const name of ['alpaca', 'plain'] as TemplateName[]) {
    it(`${name}: s(A|Q), s(A), IFD to 1e-4`, async () => {
      const t = makeTemplate(name);
      const results = await engine.score({ items: samples.map((sample) => ({ sample })), template: name });
      for (let i = 0; i < samples.length; i++) {
        const s = samples[i]!;
        const parts = { instruction: s.instruction, input: s.input, history: s.history };
        const q = t.withPrompt(parts, s.response);
        const a = t.answerOnly(s.response);
        const sAQ = await referenceCE(q.text.slice(0, q.responseStart), q.text, true);
        const sA = await referenceCE(a.text.slice(0, a.responseStart), a.text, true);
        const r = results[i]!;
        expect(r.truncated).toBe(false);
        expect(Math.abs(r.scores.s_a_given_q! - sAQ)).toBeLessThan(1e-4);
        expect(Math.abs(r.scores.s_a! - sA)).toBeLessThan(1e-4);
        expect(Math.abs(r.scores.ifd! - sAQ / sA)).toBeLessThan(1e-4);
      }
    });
  }

  it('chat (the model’s own template, no added BOS): s(A|Q) to 1e-4', async () => {
    const results = await engine.score({ items: samples.map((sample) => ({ sample })), template: 'chat' });
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      // llama2c chat_template: "<s>" + the contents; jinja's trim_blocks (as in Hugging Face's
      // apply_chat_template) removes the "\n" that follows {% if not loop.last %}.
      const history = s.history.map((h) => h.content);
      const user = s.input ? `${s.instruction}\n\n${s.input}` : s.instruction;
      const prefix = `<s>${[...history, user].join('')}`;
      const sAQ = await referenceCE(prefix, prefix + s.response, false);
      const sA = await referenceCE('<s>', `<s>${s.response}`, false);
      expect(Math.abs(results[i]!.scores.s_a_given_q! - sAQ)).toBeLessThan(1e-4);
      expect(Math.abs(results[i]!.scores.s_a! - sA)).toBeLessThan(1e-4);
    }
  });

  it('truncated texts match the reference on the kept tokens', async () => {
    const s = samples[0]!;
    const [r] = await engine.score({ items: [{ sample: s }], template: 'alpaca', maxTokens: 24 });
    expect(r!.truncated).toBe(true);
    expect(r!.tokens.prompted).toBeLessThanOrEqual(24);
    // rebuild the kept s(A|Q) ids: BOS + prompt tail + response head, as the planner documents
    const t = makeTemplate('alpaca');
    const q = t.withPrompt({ instruction: s.instruction, input: '', history: [] }, s.response);
    const ids = tok.encode(q.text);
    const pre = tok.encode(q.text.slice(0, q.responseStart)).length;
    const R = r!.tokens.response;
    const keepP = 24 - 1 - R;
    const kept = [ids[0]!, ...ids.slice(pre - keepP, pre + R)];
    const { data, V } = await onnxLogits(kept);
    let sum = 0;
    for (let j = 1 + keepP; j < kept.length; j++) {
      const row = Array.from(data.subarray((j - 1) * V, j * V));
      const max = Math.max(...row);
      sum += max + Math.log(row.reduce((z, x) => z + Math.exp(x - max), 0)) - row[kept[j]!]!;
    }
    expect(Math.abs(r!.scores.s_a_given_q! - sum / R)).toBeLessThan(1e-4);
  });
});

describe('engine vs direct onnxruntime-node (gpt2-like int8, byte-level BPE, no BOS)', () => {
  it('s(A|Q), s(A), IFD to 1e-4 at batch size 1; the batch-dependence probe flags dynamic quantization', async () => {
    const dir = path.join(MODELS, 'bench', 'gpt2-like');
    const gsession = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model_quantized.onnx'));
    const gtok = (await AutoTokenizer.from_pretrained('bench/gpt2-like', { local_files_only: true })) as unknown as Tok;
    const e = new TransformersEngine();
    const info = await e.load({ model: { kind: 'local', root: path.join(MODELS, 'bench'), id: 'gpt2-like' }, dtype: 'q8' });
    expect(info.batchInvariant).toBe(false);
    const s: Sample = { ...samples[0]!, instruction: 'Say hi 👋', response: 'Héllo — wörld 😀!' };
    const [r] = await e.score({ items: [{ sample: s }], template: 'plain', batchSize: 1 });
    const ce = async (text: string, start: number) => {
      const ids = gtok.encode(text);
      const T = ids.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, T]),
      };
      for (let l = 0; l < 6; l++) {
        feeds[`past_key_values.${l}.key`] = new ort.Tensor('float32', new Float32Array(0), [1, 12, 0, 64]);
        feeds[`past_key_values.${l}.value`] = new ort.Tensor('float32', new Float32Array(0), [1, 12, 0, 64]);
      }
      const data = (await gsession.run(feeds)).logits!.data as Float32Array;
      const V = 50257;
      let sum = 0;
      const from = Math.max(1, start);
      for (let j = from; j < T; j++) {
        const row = data.subarray((j - 1) * V, j * V);
        let max = -Infinity;
        for (const x of row) max = Math.max(max, x);
        let z = 0;
        for (const x of row) z += Math.exp(x - max);
        sum += max + Math.log(z) - row[ids[j]!]!;
      }
      return sum / (T - from);
    };
    // one token per byte: the response starts at the UTF-8 byte offset of the response
    const prompt = `${s.instruction}\n`;
    const sAQ = await ce(prompt + s.response, new TextEncoder().encode(prompt).length);
    const sA = await ce(s.response, 0);
    expect(Math.abs(r!.scores.s_a_given_q! - sAQ)).toBeLessThan(1e-4);
    expect(Math.abs(r!.scores.s_a! - sA)).toBeLessThan(1e-4);
    expect(Math.abs(r!.scores.ifd! - sAQ / sA)).toBeLessThan(1e-4);
    await e.dispose();
    await gsession.release();
  });
});
