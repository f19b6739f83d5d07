// RpcClient when the worker misbehaves: a cancel it never answers, an 'error' or 'messageerror'
// event. In each case the client is dead from then on: pending calls reject, later calls reject at
// once without reaching the worker.

import { describe, expect, it } from 'vitest';
import { RpcClient, WORKER_DEAD, isWorkerDead, serveRpc, type RpcMethod } from '../../src/lib/workerRpc';
import { fakeWorker } from './fakeWorker';

type Api = {
  echo: RpcMethod<string, never, string>;
  /** Never answers, and ignores cancellation (a hung worker). */
  hang: RpcMethod<null, never, null>;
  /** Answers a cancel with an AbortError (a healthy worker). */
  wait: RpcMethod<null, never, null>;
};

function worker() {
  return fakeWorker((scope) =>
    serveRpc<Api>(scope, {
      echo: async (s) => s,
      hang: () => new Promise(() => {}),
      wait: (_a, _e, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
    }),
  );
}

const methods = (sent: unknown[]) => sent.map((m) => (m as { method?: string; cancel?: boolean }).method ?? 'cancel');

describe('RpcClient: dead workers', () => {
  it('a cancel the worker answers in time rejects with AbortError and leaves the client usable', async () => {
    const w = worker();
    const client = new RpcClient<Api>(w, { cancelTimeoutMs: 200 });
    const ac = new AbortController();
    const p = client.call('wait', null, undefined, ac.signal);
    setTimeout(() => ac.abort(), 10);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(client.dead).toBeNull();
    expect(await client.call('echo', 'still here')).toBe('still here');
  });

  it('a cancel the worker does not answer within the timeout rejects locally and poisons the client', async () => {
    const w = worker();
    const client = new RpcClient<Api>(w, { cancelTimeoutMs: 50 });
    const ac = new AbortController();
    const hung = client.call('hang', null, undefined, ac.signal);
    const queued = client.call('echo', 'behind the hung call'); // would run after it (serial model worker)
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 10);
    await expect(hung).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(client.dead?.message).toMatch(/did not answer a cancel within 50 ms/);
    // the other pending call is not left hanging
    await expect(queued).resolves.toBe('behind the hung call'); // answered before the timeout (not serial here)
    const sentBefore = w.sent.length;
    await expect(client.call('echo', 'x')).rejects.toMatchObject({ name: WORKER_DEAD });
    expect(w.sent.length).toBe(sentBefore); // a dead client posts nothing
    expect(methods(w.sent)).toEqual(['hang', 'echo', 'cancel']);
  });

  it('pending calls behind a hung one are rejected when the client is given up', async () => {
    const w = fakeWorker((scope) =>
      serveRpc<Api>(scope, { echo: async (s) => s, hang: () => new Promise(() => {}), wait: () => new Promise(() => {}) }, { serial: true }),
    );
    const client = new RpcClient<Api>(w, { cancelTimeoutMs: 30 });
    const ac = new AbortController();
    const hung = client.call('hang', null, undefined, ac.signal);
    const queued = client.call('echo', 'queued behind');
    ac.abort();
    await expect(hung).rejects.toMatchObject({ name: 'AbortError' });
    await expect(queued).rejects.toSatisfy(isWorkerDead);
  });

  it("a worker 'error' event rejects every pending call and every later one", async () => {
    const w = worker();
    const client = new RpcClient<Api>(w);
    const a = client.call('hang', null);
    const b = client.call('hang', null);
    await new Promise((r) => setTimeout(r, 5));
    w.emitError('Uncaught RuntimeError: Aborted(OOM)');
    await expect(a).rejects.toMatchObject({ name: WORKER_DEAD, message: expect.stringContaining('Aborted(OOM)') });
    await expect(b).rejects.toMatchObject({ name: WORKER_DEAD });
    expect(client.dead).not.toBeNull();
    await expect(client.call('echo', 'x')).rejects.toSatisfy(isWorkerDead);
    expect(methods(w.sent)).toEqual(['hang', 'hang']);
  });

  it("a 'messageerror' event poisons the client too", async () => {
    const w = worker();
    const client = new RpcClient<Api>(w);
    const a = client.call('hang', null);
    w.emitMessageError();
    await expect(a).rejects.toSatisfy(isWorkerDead);
    await expect(client.call('echo', 'x')).rejects.toSatisfy(isWorkerDead);
  });

  it('late answers from a worker given up on are ignored', async () => {
    const w = worker();
    const client = new RpcClient<Api>(w);
    const p = client.call('echo', 'late');
    client.fail('given up');
    await expect(p).rejects.toMatchObject({ name: WORKER_DEAD, message: 'given up' });
    await new Promise((r) => setTimeout(r, 10)); // the echo's answer arrives and is dropped
  });
});
