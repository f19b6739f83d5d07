// WebGPU -> WASM: the one fallback path of the LM and the embedder. A WebGPU failure (no memory,
// an unsupported op, a lost device) while loading, or later in the middle of a run, continues on
// WASM and says so (LoadInfo.reason, and the engine's info listeners for a failure mid-run).

import type { DeviceKind } from '../types';
import { errMessage, isAbort } from './tjs';

/** Loads on `device`; when that is WebGPU and the load fails, tells why and loads on WASM. */
export async function loadWithWasmFallback<T>(device: DeviceKind, load: (device: DeviceKind) => Promise<T>, onFallback: (message: string) => void): Promise<T> {
  try {
    return await load(device);
  } catch (e) {
    if (device !== 'webgpu' || isAbort(e)) throw e;
    onFallback(errMessage(e));
    return await load('wasm');
  }
}

/** A model that can move from WebGPU to WASM while loaded. */
export interface MovableToWasm {
  readonly device: DeviceKind;
  /** Reloads on WASM after `reason` (a WebGPU failure). */
  moveToWasm(reason: string): Promise<void>;
}

/** Runs `fn`; when `model` is on WebGPU and `fn` fails (not an abort), moves it to WASM and runs `fn` again. */
export async function runWithWasmFallback<T>(model: MovableToWasm, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (model.device !== 'webgpu' || isAbort(e)) throw e;
    await model.moveToWasm(errMessage(e));
    return await fn();
  }
}
