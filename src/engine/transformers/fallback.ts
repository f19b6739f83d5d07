// WebGPU -> WASM: the one fallback path of the LM and the embedder. A WebGPU failure (no memory,
// an unsupported op, a lost device) while loading, or later in the middle of a run, continues on
// WASM and says so (LoadInfo.reason, and the engine's info listeners for a failure mid-run).

import type { DeviceKind, DType } from '../types';
import type { SourceSetup } from './modelSource';
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

/** A model loaded from a source on a device, which can move from WebGPU to WASM while loaded. */
export abstract class MovableModel {
  protected constructor(
    protected setup: SourceSetup,
    protected dev: DeviceKind,
    protected dt: DType,
  ) {}

  get device(): DeviceKind {
    return this.dev;
  }
  get dtype(): DType {
    return this.dt;
  }
  /** The source's name as shown to the user. */
  get display(): string {
    return this.setup.display;
  }

  /** Reloads on WASM after `reason` (a WebGPU failure). */
  abstract moveToWasm(reason: string): Promise<void>;
}

/** Runs `fn`; when `model` is on WebGPU and `fn` fails (not an abort), moves it to WASM and runs `fn` again. */
export async function runWithWasmFallback<T>(model: MovableModel, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (model.device !== 'webgpu' || isAbort(e)) throw e;
    await model.moveToWasm(errMessage(e));
    return await fn();
  }
}
