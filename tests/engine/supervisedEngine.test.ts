// SupervisedEngine: a model worker that crashes, hangs or whose runtime aborts is terminated and
// replaced by a fresh one, and the model is reloaded with the last LoadOptions before the next call.

import { describe, expect, it } from 'vitest';
import { emptyScores } from '../../src/core/metrics/aggregate';
import { SupervisedEngine, isFatalEngineError } from '../../src/engine/supervisedEngine';
import { serveEngine } from '../../src/engine/workerHost';
import { fakeLoadInfo } from '../../src/engine/testing/fakeLoadInfo';
import type { Engine, LoadOptions, ScoreResult } from '../../src/engine/types';
import { RpcError, WORKER_DEAD } from '../../src/lib/workerRpc';
import { fakeWorker, type FakeWorker } from './fakeWorker';

const info = fakeLoadInfo();

interface Inside {
  loads: LoadOptions[];
  scored: string[];
}

/** A fake engine inside each worker. Sample ids steer it: 'hang' never answers, 'oom' aborts like WASM, 'bad' fails normally. */
function engineInside(inside: Inside): Engine {
  let loaded = false;
  return {
    async load(opts) {
      inside.loads.push(opts);
      loaded = true;
      return { ...info, model: opts.model.id };
    },
    async score(req) {
      if (!loaded) throw new Error('no model loaded');
      const out: ScoreResult[] = [];
      for (const { sample } of req.items) {
        if (sample.id === 'hang') await new Promise(() => {});
        if (sample.id === 'oom') throw new Error('RuntimeError: Aborted(OOM). Build with -sASSERTIONS for more info.');
        if (sample.id === 'bad') throw new TypeError('bad request');
        inside.scored.push(sample.id);
        out.push({ id: sample.id, scores: emptyScores(), variants: [], truncated: false, tokens: { prompted: 0, answer: 0, response: 0 } });
      }
      return out;
    },
    async generate(req) {
      return req.prompts;
    },
    async embed(texts) {
      return texts.map(() => new Float32Array(2));
    },
    async dispose() {},
  };
}

function setup(cancelTimeoutMs = 50) {
  const workers: { port: FakeWorker; inside: Inside }[] = [];
  const restarts: string[] = [];
  const engine = new SupervisedEngine(
    () => {
      const inside: Inside = { loads: [], scored: [] };
      const port = fakeWorker((scope) => serveEngine(scope, engineInside(inside)));
      workers.push({ port, inside });
      return port;
    },
    { cancelTimeoutMs, onRestart: (r) => restarts.push(r) },
  );
  return { engine, workers, restarts };
}

const sample = (id: string) => ({ id, index: 0, line: 1, instruction: 'q', input: '', response: 'r', history: [] });
const req = (...ids: string[]) => ({ items: ids.map((id) => ({ sample: sample(id) })), template: 'plain' as const });
const OPTS: LoadOptions = { model: { kind: 'local', root: '/models/', id: 'tiny' }, device: 'wasm' };

describe('SupervisedEngine', () => {
  it("recreates the worker after an 'error' event and reloads the last model before the next call", async () => {
    const { engine, workers, restarts } = setup();
    await engine.load(OPTS);
    expect((await engine.score(req('a'))).map((r) => r.id)).toEqual(['a']);
    const pending = engine.score(req('hang'));
    await new Promise((r) => setTimeout(r, 10));
    workers[0]!.port.emitError('Uncaught RuntimeError: unreachable');
    await expect(pending).rejects.toMatchObject({ name: WORKER_DEAD });
    expect(workers[0]!.port.terminated).toBe(true);
    expect(restarts).toHaveLength(1);
    // the next call: a fresh worker, the same model loaded into it first, then the call
    expect((await engine.score(req('b', 'c'))).map((r) => r.id)).toEqual(['b', 'c']);
    expect(workers).toHaveLength(2);
    expect(workers[1]!.inside.loads).toEqual([OPTS]);
    expect(workers[1]!.inside.scored).toEqual(['b', 'c']);
    expect(engine.workersStarted).toBe(2);
  });

  it('a runtime abort reported as an error (out of memory) replaces the worker; an ordinary error does not', async () => {
    const { engine, workers } = setup();
    await engine.load(OPTS);
    await expect(engine.score(req('bad'))).rejects.toMatchObject({ name: 'TypeError' });
    expect(workers).toHaveLength(1);
    expect(engine.alive).toBe(true);
    await expect(engine.score(req('oom'))).rejects.toThrow(/Aborted\(OOM\)/);
    expect(workers[0]!.port.terminated).toBe(true);
    expect(engine.alive).toBe(false);
    expect((await engine.score(req('d'))).map((r) => r.id)).toEqual(['d']);
    expect(workers).toHaveLength(2);
    expect(workers[1]!.inside.loads).toHaveLength(1);
  });

  it('a hung worker: cancel rejects after the timeout, the worker is replaced, the next call works', async () => {
    const { engine, workers } = setup(40);
    await engine.load(OPTS);
    const ac = new AbortController();
    const p = engine.score(req('hang'), undefined, ac.signal);
    setTimeout(() => ac.abort(), 10);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(workers[0]!.port.terminated).toBe(true);
    expect((await engine.score(req('e'))).map((r) => r.id)).toEqual(['e']);
    expect(workers).toHaveLength(2);
  });

  it('a user cancel that the worker answers does not replace it', async () => {
    const { engine, workers } = setup(1000);
    await engine.load(OPTS);
    const ac = new AbortController();
    ac.abort();
    await expect(engine.score(req('a'), undefined, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(workers).toHaveLength(1);
    expect(engine.alive).toBe(true);
  });

  it('a new load replaces what is reloaded; crash() behaves like a crash', async () => {
    const { engine, workers } = setup();
    await engine.load(OPTS);
    const other: LoadOptions = { ...OPTS, model: { kind: 'local', root: '/models/', id: 'other' } };
    await engine.load(other);
    expect(engine.crash('killed by the test')).toBe(true);
    expect(workers[0]!.port.terminated).toBe(true);
    await engine.score(req('f'));
    expect(workers[1]!.inside.loads).toEqual([other]);
  });

  it('classifies fatal errors', () => {
    expect(isFatalEngineError(new RpcError(WORKER_DEAD, 'the worker stopped'))).toBe(true);
    expect(isFatalEngineError(new RpcError('RuntimeError', 'unreachable'))).toBe(true);
    expect(isFatalEngineError(new Error('Aborted(). Build with -sASSERTIONS'))).toBe(true);
    expect(isFatalEngineError(new RangeError('Out of memory: Cannot allocate Wasm memory for new instance'))).toBe(true);
    expect(isFatalEngineError(new DOMException('The operation was aborted.', 'AbortError'))).toBe(false);
    expect(isFatalEngineError(new Error('404 Not Found: config.json'))).toBe(false);
  });
});
