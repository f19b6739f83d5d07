// The model worker's API over lib/workerRpc.ts (requests, progress events, cancellation, unasked
// notifications). Requests run one at a time in arrival order (a model is not re-entrant); a cancel
// acts at once. All payloads are structured-cloneable; embed's vectors are transferred.

import type { RpcMethod } from '../lib/workerRpc';
import type { GenerateRequest, LoadInfo, LoadOptions, LoadProgress, ScoreProgress, ScoreRequest, ScoreResult } from './types';

export type ModelApi = {
  load: RpcMethod<LoadOptions, LoadProgress, LoadInfo>;
  score: RpcMethod<ScoreRequest, ScoreProgress, ScoreResult[]>;
  generate: RpcMethod<GenerateRequest, never, string[]>;
  embed: RpcMethod<string[], never, Float32Array[]>;
  dispose: RpcMethod<null, never, null>;
};

/** Unasked messages: `engine` when the LoadInfo changes after a load (a mid-run WebGPU -> WASM fallback). */
export type ModelNotes = {
  engine: LoadInfo;
};
