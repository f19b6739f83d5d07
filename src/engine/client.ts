// Main-thread client: implements Engine by calling the model worker (ModelApi, ./protocol.ts).
//
//   const engine = new WorkerEngineClient(createModelWorker());
//   const info = await engine.load({ model: { kind: 'local', root: '/models/', id: 'llama2c-stories260K' } });
//   const results = await engine.score({ items, template: 'alpaca' }, onProgress, abortController.signal);
//
// One client serves one worker for that worker's life: once the worker crashes or hangs the client
// is dead (`dead`, lib/workerRpc.ts) and every call rejects. The UI uses SupervisedEngine
// (./supervisedEngine.ts), which replaces a dead worker with a fresh one and reloads the model.

import { RpcClient, type RpcClientOptions, type RpcPort } from '../lib/workerRpc';
import type { AttackEngine, AttackProgress, AttackRequest } from './attackSource';
import type { ModelApi, ModelNotes } from './protocol';
import type { GenerateRequest, LoadInfo, LoadOptions, LoadProgress, ScoreProgress, ScoreRequest, ScoreResult, VariantSpec } from './types';

/** A model worker as the client needs it: a message port that can be stopped. */
export type ModelWorkerPort = RpcPort & { terminate?(): void };

/** Starts the model worker (an ES module worker bundled by Vite). */
export function createModelWorker(): Worker {
  return new Worker(new URL('./model.worker.ts', import.meta.url), { type: 'module', name: 'quarry-model' });
}

export class WorkerEngineClient implements AttackEngine {
  private readonly rpc: RpcClient<ModelApi, ModelNotes>;

  constructor(
    private readonly worker: ModelWorkerPort,
    options: RpcClientOptions = {},
  ) {
    this.rpc = new RpcClient<ModelApi, ModelNotes>(worker, options);
  }

  /** Why this client can no longer be used (the worker crashed, hung or was stopped), else null. */
  get dead(): Error | null {
    return this.rpc.dead;
  }

  load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadInfo> {
    return this.rpc.call('load', opts, onProgress);
  }

  score(req: ScoreRequest, onProgress?: (p: ScoreProgress) => void, signal?: AbortSignal): Promise<ScoreResult[]> {
    return this.rpc.call('score', req, onProgress, signal);
  }

  /** Searches adversarial variants inside the worker (see ./attackSource.ts): one list per sample. */
  attack(req: AttackRequest, onProgress?: (p: AttackProgress) => void, signal?: AbortSignal): Promise<VariantSpec[][]> {
    return this.rpc.call('attack', req, onProgress, signal);
  }

  generate(req: GenerateRequest, signal?: AbortSignal): Promise<string[]> {
    return this.rpc.call('generate', req, undefined, signal);
  }

  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    return this.rpc.call('embed', texts, undefined, signal);
  }

  async dispose(): Promise<void> {
    await this.rpc.call('dispose', null);
  }

  onInfoChange(listener: (info: LoadInfo) => void): () => void {
    return this.rpc.on('engine', listener);
  }

  /**
   * Stops the worker at once (no dispose: it may be stuck) and rejects what is pending with a
   * WorkerDeadError carrying `reason`.
   */
  kill(reason = 'the model worker was stopped'): void {
    this.rpc.fail(reason);
    this.worker.terminate?.();
  }

  /**
   * Fault injection: stops the worker and reports it the way a crashed worker does, through the
   * worker's 'error' event (so the same path as a real crash runs), or directly when the port
   * cannot dispatch events.
   */
  crash(reason = 'the model worker was killed'): void {
    this.worker.terminate?.();
    const target = this.worker as Partial<EventTarget>;
    if (typeof target.dispatchEvent === 'function' && typeof ErrorEvent === 'function') target.dispatchEvent(new ErrorEvent('error', { message: reason }));
    if (!this.dead) this.rpc.fail(reason);
  }

  /** Disposes the model and stops the worker. */
  async terminate(): Promise<void> {
    try {
      if (!this.dead) await this.dispose();
    } finally {
      this.kill();
    }
  }
}
