// Messages between the UI thread (WorkerEngineClient) and the model worker (model.worker.ts).
//
// Every request carries a numeric `id` chosen by the client; the worker answers with exactly one
// 'result' or 'error' for that id, possibly preceded by 'progress' events with the same id.
// 'cancel' aborts the request `target` (its AbortSignal fires; it then answers an 'error' with
// name 'AbortError'); a cancel itself gets no answer. 'engine' (no id) is sent unasked whenever
// the engine's LoadInfo changes after a load (a mid-run fallback from WebGPU to WASM). Requests run one at a time in arrival
// order, except 'cancel', which acts immediately. All payloads are structured-cloneable.

import type { GenerateRequest, LoadInfo, LoadOptions, LoadProgress, ScoreProgress, ScoreRequest, ScoreResult } from './types';

export type WorkerRequest =
  | { type: 'load'; id: number; opts: LoadOptions }
  | { type: 'score'; id: number; req: ScoreRequest }
  | { type: 'generate'; id: number; req: GenerateRequest }
  | { type: 'embed'; id: number; texts: string[] }
  | { type: 'dispose'; id: number }
  | { type: 'cancel'; id: number; target: number };

/** Result payload of each request type. */
export interface WorkerResults {
  load: LoadInfo;
  score: ScoreResult[];
  generate: string[];
  embed: Float32Array[];
  dispose: null;
}

export type WorkerRequestType = keyof WorkerResults;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type WorkerResponse =
  | { type: 'progress'; id: number; progress: LoadProgress | ScoreProgress }
  | { [K in WorkerRequestType]: { type: 'result'; id: number; op: K; result: WorkerResults[K] } }[WorkerRequestType]
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'engine'; info: LoadInfo };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)) {
    const err = e as Error;
    return { name: err.name ?? 'Error', message: String(err.message), stack: err.stack };
  }
  return { name: 'Error', message: String(e) };
}

export function deserializeError(s: SerializedError): Error {
  if (s.name === 'AbortError') return new DOMException(s.message, 'AbortError');
  const e = new Error(s.message);
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}
