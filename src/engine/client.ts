// Main-thread client: implements Engine by messaging the model worker (protocol in ./protocol.ts).
//
//   const engine = new WorkerEngineClient(createModelWorker());
//   const info = await engine.load({ model: { kind: 'local', root: '/models/', id: 'llama2c-stories260K' } });
//   const results = await engine.score({ items, template: 'alpaca' }, onProgress, abortController.signal);

import type {
  Engine,
  GenerateRequest,
  LoadInfo,
  LoadOptions,
  LoadProgress,
  ScoreProgress,
  ScoreRequest,
  ScoreResult,
} from './types';
import { deserializeError, type WorkerRequest, type WorkerRequestType, type WorkerResponse, type WorkerResults } from './protocol';

/** What the client needs of a Worker (a real Worker, or a test double). */
export interface WorkerPort {
  postMessage(msg: WorkerRequest): void;
  addEventListener(type: 'message', fn: (ev: MessageEvent<WorkerResponse>) => void): void;
  addEventListener(type: 'error', fn: (ev: ErrorEvent) => void): void;
  terminate?(): void;
}

/** Starts the model worker (an ES module worker bundled by Vite). */
export function createModelWorker(): Worker {
  return new Worker(new URL('./model.worker.ts', import.meta.url), { type: 'module', name: 'quarry-model' });
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onProgress?: (p: never) => void;
}

type Body<K extends WorkerRequestType> = Omit<Extract<WorkerRequest, { type: K }>, 'id' | 'type'>;

export class WorkerEngineClient implements Engine {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly infoListeners = new Set<(info: LoadInfo) => void>();

  constructor(private readonly worker: WorkerPort) {
    worker.addEventListener('message', (ev: MessageEvent<WorkerResponse>) => this.onMessage(ev.data));
    worker.addEventListener('error', (ev: ErrorEvent) => {
      const err = new Error(`model worker error: ${ev.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  private onMessage(msg: WorkerResponse): void {
    if (msg.type === 'engine') {
      for (const listener of this.infoListeners) listener(msg.info);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') (p.onProgress as ((x: unknown) => void) | undefined)?.(msg.progress);
    else {
      this.pending.delete(msg.id);
      if (msg.type === 'result') p.resolve(msg.result);
      else p.reject(deserializeError(msg.error));
    }
  }

  private request<K extends WorkerRequestType>(
    type: K,
    body: Body<K>,
    onProgress?: (p: never) => void,
    signal?: AbortSignal,
  ): Promise<WorkerResults[K]> {
    const id = this.nextId++;
    return new Promise<WorkerResults[K]>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new DOMException('The operation was aborted.', 'AbortError'));
        return;
      }
      const onAbort = () => this.worker.postMessage({ type: 'cancel', id: this.nextId++, target: id });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (v: unknown) => {
          done();
          (resolve as (v: unknown) => void)(v);
        },
        reject: (e: Error) => {
          done();
          reject(e);
        },
        onProgress,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.worker.postMessage({ type, id, ...body } as WorkerRequest);
    });
  }

  load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadInfo> {
    return this.request('load', { opts }, onProgress);
  }

  score(req: ScoreRequest, onProgress?: (p: ScoreProgress) => void, signal?: AbortSignal): Promise<ScoreResult[]> {
    return this.request('score', { req }, onProgress, signal);
  }

  generate(req: GenerateRequest, signal?: AbortSignal): Promise<string[]> {
    return this.request('generate', { req }, undefined, signal);
  }

  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    return this.request('embed', { texts }, undefined, signal);
  }

  async dispose(): Promise<void> {
    await this.request('dispose', {});
  }

  onInfoChange(listener: (info: LoadInfo) => void): () => void {
    this.infoListeners.add(listener);
    return () => this.infoListeners.delete(listener);
  }

  /** Disposes the model and stops the worker. */
  async terminate(): Promise<void> {
    try {
      await this.dispose();
    } finally {
      this.worker.terminate?.();
    }
  }
}
