// Browser only (imported by the model worker). WGSL's sin/cos are allowed 2^-11 absolute error, and
// LLaMA-style graphs compute rotary embeddings in-graph with Cos/Sin, so WebGPU scores would drift
// ~1e-3 from CPU. Every WebGPU session is therefore created from a graph whose top-level Cos/Sin
// nodes were rewritten into exact-op polynomials (see onnx/trigPatch.ts). Sessions on other
// execution providers get the model bytes unchanged.
import { patchTrigForGpu } from './onnx/trigPatch';

type CreateFn = (model: unknown, options?: { executionProviders?: readonly (string | { name: string })[] }) => Promise<unknown>;

function usesWebGpu(options?: { executionProviders?: readonly (string | { name: string })[] }): boolean {
  return (options?.executionProviders ?? []).some((ep) => (typeof ep === 'string' ? ep : ep.name) === 'webgpu');
}

/** Wraps `InferenceSession.create` of onnxruntime-web (the copy transformers.js uses). Idempotent. */
export function installWebGpuTrigPatch(session: { create: CreateFn }): void {
  const marked = session as { create: CreateFn; __quarryTrigPatch?: true };
  if (marked.__quarryTrigPatch) return;
  const original = session.create.bind(session);
  marked.create = (model, options) => {
    if (model instanceof Uint8Array && usesWebGpu(options)) model = patchTrigForGpu(model).bytes;
    return original(model, options);
  };
  marked.__quarryTrigPatch = true;
}
