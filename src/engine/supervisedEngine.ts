// An Engine over the model worker that survives the worker: when the worker crashes, hangs or its
// runtime aborts, the worker is terminated and the next call starts a fresh one and reloads the
// model with the last LoadOptions first. The failed call itself still rejects (the caller decides
// whether to go on: the scoring run stops with an error and Resume continues it), so a fault that
// repeats deterministically cannot loop.
//
// What counts as fatal (`isFatalEngineError`):
//   - a dead RPC client (WorkerDeadError): the worker's 'error' or 'messageerror' event, or a cancel
//     it did not answer within the timeout (lib/workerRpc.ts);
//   - any other error, except a cancel (AbortError), whose name or message matches
//     /abort|out of memory|RuntimeError|unreachable/i: what a WebAssembly trap or an Emscripten
//     abort looks like ("RuntimeError: unreachable", "Aborted(OOM)", "Out of memory: Cannot
//     allocate Wasm memory", "memory access out of bounds" is a RuntimeError too). After one of
//     these the worker's WASM heap is not trustworthy, so it is replaced rather than reused.
// Anything else (a 404 while loading, a bad request) leaves the worker as it is.

import type { RpcClientOptions } from '../lib/workerRpc';
import { isWorkerDead } from '../lib/workerRpc';
import type { AttackEngine, AttackProgress, AttackRequest } from './attackSource';
import { WorkerEngineClient, type ModelWorkerPort } from './client';
import type { GenerateRequest, LoadInfo, LoadOptions, LoadProgress, ScoreProgress, ScoreRequest, ScoreResult, VariantSpec } from './types';

const FATAL = /abort|out of memory|RuntimeError|unreachable/i;

/** True when an engine call's error means the worker must be replaced (see the file comment). */
export function isFatalEngineError(err: unknown): boolean {
  if (isWorkerDead(err)) return true;
  const e = err as { name?: unknown; message?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : '';
  if (name === 'AbortError') return false;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return FATAL.test(`${name} ${message}`);
}

export interface SupervisedEngineOptions extends RpcClientOptions {
  /** Called after a worker was given up (terminated); the next call starts a fresh one. */
  onRestart?(reason: string): void;
}

export class SupervisedEngine implements AttackEngine {
  private client: WorkerEngineClient | null = null;
  private lastLoad: LoadOptions | null = null;
  /** The current worker has `lastLoad` loaded. */
  private loaded = false;
  /** A reload of `lastLoad` into a fresh worker in flight (shared by concurrent calls). */
  private reloading: Promise<void> | null = null;
  private readonly infoListeners = new Set<(info: LoadInfo) => void>();
  /** Workers started so far (1 after the first call; each replacement adds one). */
  workersStarted = 0;

  constructor(
    private readonly createWorker: () => ModelWorkerPort,
    private readonly options: SupervisedEngineOptions = {},
  ) {}

  /** The client of a live worker, starting one if there is none (or the last one died). */
  private current(): WorkerEngineClient {
    if (this.client?.dead) this.giveUp(this.client, this.client.dead.message);
    if (this.client) return this.client;
    const client = new WorkerEngineClient(this.createWorker(), this.options);
    this.workersStarted++;
    client.onInfoChange((info) => {
      if (client === this.client) for (const l of this.infoListeners) l(info);
    });
    this.client = client;
    this.loaded = false;
    return client;
  }

  /** Terminates `client`'s worker (when it is still the current one); the next call starts another. */
  private giveUp(client: WorkerEngineClient, reason: string, notify = true): void {
    if (client !== this.client) return;
    this.client = null;
    this.loaded = false;
    this.reloading = null;
    client.kill(reason);
    if (notify) this.options.onRestart?.(reason);
  }

  /** Runs `fn` on `client`; a fatal failure gives the worker up before the error is passed on. */
  private async guard<T>(client: WorkerEngineClient, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (client.dead || isFatalEngineError(err)) this.giveUp(client, client.dead?.message ?? errorMessage(err));
      throw err;
    }
  }

  /** A live worker with the last loaded model in it (reloaded after a replacement). */
  private async ready(onProgress?: (p: LoadProgress) => void): Promise<WorkerEngineClient> {
    for (;;) {
      const client = this.current();
      if (this.loaded || !this.lastLoad) return client;
      const opts = this.lastLoad;
      this.reloading ??= this.guard(client, () => client.load(opts, onProgress)).then(() => {
        if (client === this.client && this.lastLoad === opts) this.loaded = true;
      });
      const reload = this.reloading;
      try {
        await reload;
      } finally {
        if (this.reloading === reload) this.reloading = null;
      }
      if (client === this.client && this.loaded) return client;
    }
  }

  async load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadInfo> {
    this.lastLoad = opts;
    this.loaded = false;
    this.reloading = null;
    const client = this.current();
    const info = await this.guard(client, () => client.load(opts, onProgress));
    if (client === this.client && this.lastLoad === opts) this.loaded = true;
    return info;
  }

  async score(req: ScoreRequest, onProgress?: (p: ScoreProgress) => void, signal?: AbortSignal): Promise<ScoreResult[]> {
    const client = await this.ready();
    return this.guard(client, () => client.score(req, onProgress, signal));
  }

  async attack(req: AttackRequest, onProgress?: (p: AttackProgress) => void, signal?: AbortSignal): Promise<VariantSpec[][]> {
    const client = await this.ready();
    return this.guard(client, () => client.attack(req, onProgress, signal));
  }

  async generate(req: GenerateRequest, signal?: AbortSignal): Promise<string[]> {
    const client = await this.ready();
    return this.guard(client, () => client.generate(req, signal));
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const client = await this.ready();
    return this.guard(client, () => client.embed(texts, signal));
  }

  /** Releases the model; the next call no longer reloads it. */
  async dispose(): Promise<void> {
    this.lastLoad = null;
    const client = this.client;
    if (!client || client.dead) return;
    await this.guard(client, () => client.dispose());
    this.loaded = false;
  }

  onInfoChange(listener: (info: LoadInfo) => void): () => void {
    this.infoListeners.add(listener);
    return () => this.infoListeners.delete(listener);
  }

  /** Whether a worker is running now (false before the first call and after a crash). */
  get alive(): boolean {
    return this.client !== null && !this.client.dead;
  }

  /**
   * Stops the current worker as if it had crashed: pending calls reject with a WorkerDeadError and
   * the next call starts a fresh worker and reloads the model. For fault-injection tests.
   */
  crash(reason = 'the model worker was killed'): boolean {
    const client = this.client;
    if (!client || client.dead) return false;
    client.crash(reason);
    return true;
  }

  /** Stops the worker for good (no reload until the next `load`). */
  terminate(): void {
    this.lastLoad = null;
    const client = this.client;
    if (client) this.giveUp(client, 'the model worker was stopped', false);
  }
}

function errorMessage(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
