// The model worker's API over lib/workerRpc.ts (requests, progress events, cancellation, unasked
// notifications). Requests run one at a time in arrival order (a model is not re-entrant); a cancel
// acts at once. All payloads are structured-cloneable; embed's vectors are transferred.
//
// `attack` runs the prompt-attack search (core/attacks via engine/attackSource.ts) inside the
// worker: the main thread sends the samples and the attack configuration and gets back each
// sample's variants, so neither the tokenization nor the model queries of a search touch the UI.

import type { RpcMethod } from '../lib/workerRpc';
import type { AttackProgress, AttackRequest } from './attackSource';
import type { GenerateRequest, LoadInfo, LoadOptions, LoadProgress, ScoreProgress, ScoreRequest, ScoreResult, VariantSpec } from './types';

export type ModelApi = {
  load: RpcMethod<LoadOptions, LoadProgress, LoadInfo>;
  score: RpcMethod<ScoreRequest, ScoreProgress, ScoreResult[]>;
  attack: RpcMethod<AttackRequest, AttackProgress, VariantSpec[][]>;
  generate: RpcMethod<GenerateRequest, never, string[]>;
  embed: RpcMethod<string[], never, Float32Array[]>;
  dispose: RpcMethod<null, never, null>;
};

/** Unasked messages: `engine` when the LoadInfo changes after a load (a mid-run WebGPU -> WASM fallback). */
export type ModelNotes = {
  engine: LoadInfo;
};
