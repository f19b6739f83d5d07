// Where the engine runs and how onnxruntime-web is set up there. The same engine code runs in Node
// (onnxruntime-node, through transformers.js' node build: the CLI and the tests) and in a browser
// Web Worker (onnxruntime-web, through its web build).

import { env } from '@huggingface/transformers';

type ProcessLike = { release?: { name?: string } };
export const IS_NODE = (globalThis as { process?: ProcessLike }).process?.release?.name === 'node';

/** Where onnxruntime-web's files are served from: the app's own origin, never a CDN. */
export const ORT_WASM_PATHS = {
  mjs: '/ort/ort-wasm-simd-threaded.asyncify.mjs',
  wasm: '/ort/ort-wasm-simd-threaded.asyncify.wasm',
};

interface OnnxWasmEnv {
  wasmPaths?: unknown;
  numThreads?: number;
  proxy?: boolean;
}

let webThreads: number | null = null;

/**
 * Browser only: ORT's wasm files from our origin; threads = hardwareConcurrency when the page is
 * cross-origin isolated (SharedArrayBuffer), else 1. Returns the thread count. Set once.
 */
export function configureWebRuntime(): number {
  if (webThreads !== null) return webThreads;
  const wasm = (env.backends.onnx as { wasm?: OnnxWasmEnv }).wasm;
  let threads = 1;
  if (wasm) {
    wasm.wasmPaths = { ...ORT_WASM_PATHS };
    const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
    threads = g.crossOriginIsolated ? Math.max(1, g.navigator?.hardwareConcurrency ?? 1) : 1;
    wasm.numThreads = threads;
    // the engine already runs in a worker: no second proxy worker
    wasm.proxy = false;
  }
  webThreads = threads;
  return threads;
}
