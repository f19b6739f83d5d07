// WorkerEngineClient <-> serveEngine (lib/workerRpc.ts) over an in-process "worker" that
// structured-clones every message (as postMessage does): results, progress, errors, cancellation,
// queueing, transfer and unasked notifications.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerEngineClient } from '../../src/engine/client';
import { serveEngine } from '../../src/engine/workerHost';
import { TransformersEngine } from '../../src/engine/transformers';
import { fakeLoadInfo } from '../../src/engine/testing/fakeLoadInfo';
import type { Engine, ScoreResult } from '../../src/engine/types';
import { emptyScores } from '../../src/core/metrics/aggregate';
import { fakeWorker } from './fakeWorker';
import { attackSamples, createAttackSource, runAttacks, type AttackProgress } from '../../src/engine/attackSource';

/** A fake worker serving `engine` (fakeWorker.ts): what one end posts reaches the other, cloned, a tick later. */
function bridge(engine: Engine) {
  const port = fakeWorker((scope) => serveEngine(scope, engine));
  return { port, sent: port.sent, transferred: port.transferred };
}

const info = fakeLoadInfo({ device: 'cpu' });

function fakeEngine(): Engine & { disposed: number } {
  const listeners = new Set<(i: typeof info) => void>();
  return {
    disposed: 0,
    onInfoChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async load(_opts, onProgress) {
      onProgress?.({ phase: 'status', message: 'loading' });
      return info;
    },
    async score(req, onProgress, signal) {
      const out: ScoreResult[] = [];
      for (let i = 0; i < req.items.length; i++) {
        await new Promise((r) => setTimeout(r, 5));
        if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
        // a device failure mid-run: the engine carries on elsewhere and says so
        if (req.items[i]!.sample.id === 'gpu-lost') for (const l of listeners) l({ ...info, device: 'wasm', reason: 'webgpu run failed (device lost) -> wasm' });
        onProgress?.({ phase: 'score', done: i + 1, total: req.items.length });
        out.push({ id: req.items[i]!.sample.id, scores: emptyScores(), variants: [], truncated: false, tokens: { prompted: 0, answer: 0, response: 0 } });
      }
      return out;
    },
    async generate(req) {
      if (req.prompts.includes('boom')) throw new TypeError('kaboom');
      return req.prompts.map((p) => p.toUpperCase());
    },
    async embed(texts) {
      return texts.map((t) => Float32Array.from([t.length, 1]));
    },
    async dispose() {
      this.disposed++;
    },
  };
}

const sample = (id: string) => ({ id, index: 0, line: 1, instruction: 'q', input: '', response: 'r', history: [] });

describe('worker protocol', () => {
  it('load, progress, score, generate, embed, dispose', async () => {
    const eng = fakeEngine();
    const { port, transferred } = bridge(eng);
    const client = new WorkerEngineClient(port);
    const progress: unknown[] = [];
    expect(await client.load({ model: { kind: 'hub', id: 'x/y' } }, (p) => progress.push(p))).toEqual(info);
    expect(progress).toEqual([{ phase: 'status', message: 'loading' }]);
    const sp: number[] = [];
    const res = await client.score({ items: [{ sample: sample('a') }, { sample: sample('b') }], template: 'plain' }, (p) => sp.push(p.done));
    expect(res.map((r) => r.id)).toEqual(['a', 'b']);
    expect(sp).toEqual([1, 2]);
    expect(await client.generate({ prompts: ['ab'] })).toEqual(['AB']);
    const [v] = await client.embed(['abc']);
    expect(v).toBeInstanceOf(Float32Array);
    expect(Array.from(v!)).toEqual([3, 1]);
    expect(transferred).toHaveLength(1); // embed's vectors are transferred, not copied
    await client.dispose();
    expect(eng.disposed).toBe(1);
  });

  it('an engine change during a run reaches the client unasked; the run completes', async () => {
    const client = new WorkerEngineClient(bridge(fakeEngine()).port);
    await client.load({ model: { kind: 'hub', id: 'x/y' } });
    const seen: string[] = [];
    const off = client.onInfoChange((i) => seen.push(`${i.device}: ${i.reason}`));
    const res = await client.score({ items: [{ sample: sample('a') }, { sample: sample('gpu-lost') }, { sample: sample('c') }], template: 'plain' });
    expect(res.map((r) => r.id)).toEqual(['a', 'gpu-lost', 'c']);
    expect(seen).toEqual(['wasm: webgpu run failed (device lost) -> wasm']);
    off();
    await client.score({ items: [{ sample: sample('gpu-lost') }], template: 'plain' });
    expect(seen).toHaveLength(1);
  });

  it('requests run one at a time, in arrival order', async () => {
    const log: string[] = [];
    const eng = fakeEngine();
    const score = eng.score.bind(eng);
    eng.score = async (req, onProgress, signal) => {
      log.push(`start ${req.items[0]!.sample.id}`);
      const r = await score(req, onProgress, signal);
      log.push(`end ${req.items[0]!.sample.id}`);
      return r;
    };
    const client = new WorkerEngineClient(bridge(eng).port);
    await Promise.all(['a', 'b', 'c'].map((id) => client.score({ items: [{ sample: sample(id) }, { sample: sample(`${id}2`) }], template: 'plain' })));
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('errors keep their name and message', async () => {
    const client = new WorkerEngineClient(bridge(fakeEngine()).port);
    await expect(client.generate({ prompts: ['boom'] })).rejects.toMatchObject({ name: 'TypeError', message: 'kaboom' });
  });

  it('cancel aborts a running score; later requests still run', async () => {
    const { port, sent } = bridge(fakeEngine());
    const client = new WorkerEngineClient(port);
    const ac = new AbortController();
    const items = Array.from({ length: 50 }, (_, i) => ({ sample: sample(`s${i}`) }));
    const p = client.score({ items, template: 'plain' }, undefined, ac.signal);
    setTimeout(() => ac.abort(), 30);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(sent.some((m) => (m as { cancel?: boolean }).cancel === true)).toBe(true);
    expect(await client.generate({ prompts: ['ok'] })).toEqual(['OK']);
  });

  it('an already-aborted signal rejects without a request', async () => {
    const { port, sent } = bridge(fakeEngine());
    const client = new WorkerEngineClient(port);
    const ac = new AbortController();
    ac.abort();
    await expect(client.score({ items: [], template: 'plain' }, undefined, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(sent).toHaveLength(0);
  });

  it('drives the real TransformersEngine through the protocol', async () => {
    const client = new WorkerEngineClient(bridge(new TransformersEngine()).port);
    const li = await client.load({ model: { kind: 'local', root: path.resolve(__dirname, '../../../shared/models'), id: 'llama2c-stories260K' }, dtype: 'fp32' });
    expect(li.device).toBe('cpu');
    const [r] = await client.score({ items: [{ sample: { ...sample('x'), instruction: 'Tell a story.', response: 'Once upon a time there was a cat.' } }], template: 'alpaca' });
    expect(r!.scores.ifd).toBeGreaterThan(0);
    await client.dispose();
  });

  it('attack runs the search inside the worker: the main thread sends samples and settings, gets variants', async () => {
    const { port, sent } = bridge(attackEngine());
    const client = new WorkerEngineClient(port);
    const samples = [
      { ...sample('a'), instruction: 'Explain why the sky is blue in two short sentences.' },
      { ...sample('b'), instruction: 'List three uses of copper wire in houses.' },
    ];
    const options = { attacks: ['checklist', 'textbugger'], template: 'plain' as const };
    const progress: AttackProgress[] = [];
    const variants = await client.attack({ samples, k: 2, seed: 7, options }, (p) => progress.push(p));
    // only the request went out: no score/embed traffic from the main thread for the search
    expect(sent.map((m) => (m as { method: string }).method)).toEqual(['attack']);
    expect(variants).toHaveLength(2);
    for (const [i, list] of variants.entries()) {
      expect(list.length).toBeGreaterThan(0);
      for (const v of list) {
        expect(['checklist', 'textbugger']).toContain(v.attack);
        expect(v.instruction).not.toBe(samples[i]!.instruction);
      }
    }
    expect(progress.at(-1)).toMatchObject({ phase: 'attack', done: 2, total: 2 });
    expect(progress.at(-1)!.queries).toBeGreaterThan(0);
    // the same search in process (the CLI's way) finds the same variants
    expect(await runAttacks(attackEngine(), { samples, k: 2, seed: 7, options })).toEqual(variants);
  });

  it('attackSamples over the worker client delegates the search to the worker', async () => {
    const { port, sent } = bridge(attackEngine());
    const client = new WorkerEngineClient(port);
    const s = { ...sample('c'), instruction: 'Write a haiku about the first snow of winter.' };
    const opts = { attacks: ['checklist'], template: 'plain' as const };
    let queries = 0;
    const [remote] = await attackSamples(client, { samples: [s], k: 1, seed: 3, options: opts }, (p) => (queries = p.queries));
    const local = await createAttackSource(attackEngine(), opts).variants(s, { seed: 3, k: 1 });
    expect(remote).toEqual(local);
    expect(remote!.length).toBe(1);
    expect(queries).toBeGreaterThan(0);
    expect(new Set(sent.map((m) => (m as { method: string }).method))).toEqual(new Set(['attack']));
  });

  it('an attack can be cancelled', async () => {
    const { port } = bridge(attackEngine(20));
    const client = new WorkerEngineClient(port);
    const ac = new AbortController();
    const samples = Array.from({ length: 20 }, (_, i) => ({ ...sample(`s${i}`), instruction: `Describe the number ${i} in words please.` }));
    const p = client.attack({ samples, k: 2, seed: 1, options: { attacks: ['textbugger'], template: 'plain' } }, undefined, ac.signal);
    setTimeout(() => ac.abort(), 30);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(await client.generate({ prompts: ['ok'] })).toEqual(['x']); // the worker serves the next request
  });
});

/** An engine for attack searches: s(A|Q') grows with how much Q' differs from Q; every text embeds alike. */
function attackEngine(delayMs = 0): Engine {
  const base = fakeEngine();
  return {
    ...base,
    async score(req, _onProgress, signal) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      return req.items.map(({ sample: s, variants = [] }) => ({
        id: s.id,
        scores: emptyScores(),
        variants: variants.map((v) => {
          let diff = Math.abs(v.instruction.length - s.instruction.length);
          for (let i = 0; i < Math.min(v.instruction.length, s.instruction.length); i++) if (v.instruction[i] !== s.instruction[i]) diff++;
          return { attack: v.attack, instruction: v.instruction, s_a_given_q: 1 + diff / 100, aifd: null, dist_consistency: null, embed_consistency: null, similarity: null, queries: 0, edits: [] };
        }),
        truncated: false,
        tokens: { prompted: 0, answer: 0, response: 0 },
      }));
    },
    async generate(req) {
      return req.prompts.map(() => 'x');
    },
    async embed(texts) {
      return texts.map(() => Float32Array.of(1, 0));
    },
  };
}
