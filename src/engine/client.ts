// Main-thread client: implements Engine by calling the model worker (ModelApi, ./protocol.ts).
//
//   const engine = new WorkerEngineClient(createModelWorker());
//   const info = await engine.load({ model: { kind: 'local', root: '/models/', id: 'llama2c-stories260K' } });
//   const results = await engine.score({ items, template: 'alpaca' }, onProgress, abortController.signal);

import { RpcClient, type RpcPort } from '../lib/workerRpc';
import type { ModelApi, ModelNotes } from './protocol';
import type { Engine, GenerateRequest, LoadInfo, LoadOptions, LoadProgress, ScoreProgress, ScoreRequest, ScoreResult } from './types';

/** Starts the model worker (an ES module worker bundled by Vite). */
export function createModelWorker(): Worker {
  return new Worker(new URL('./model.worker.ts', import.meta.url), { type: 'module', name: 'quarry-model' });
}

export class WorkerEngineClient implements Engine {
  private readonly rpc: RpcClient<ModelApi, ModelNotes>;

  constructor(private readonly worker: RpcPort & { terminate?(): void }) {
    this.rpc = new RpcClient<ModelApi, ModelNotes>(worker);
  }

  load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadInfo> {
    return this.rpc.call('load', opts, onProgress);
  }

  score(req: ScoreRequest, onProgress?: (p: ScoreProgress) => void, signal?: AbortSignal): Promise<ScoreResult[]> {
    return this.rpc.call('score', req, onProgress, signal);
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

  /** Disposes the model and stops the worker. */
  async terminate(): Promise<void> {
    try {
      await this.dispose();
    } finally {
      this.worker.terminate?.();
    }
  }
}
