// Browser only (installed by the model worker). transformers.js queues every session creation and
// every session run of a page on one promise chain each (`webInitChain`, `webInferenceChain` in
// its backends/onnx.js: `chain = chain.then(run)`). One rejected run leaves that chain rejected for
// good (the same class of bug as huggingface/transformers.js#1767, for session creation in Node): every later run, on any session (the WASM session a WebGPU failure falls back to, the
// embedder), then fails at once with the first error and never runs. Falling back from a failed
// WebGPU run is therefore impossible unless failures never reach the chain.
//
// `installChainGuard` wraps onnxruntime-web's InferenceSession.create and .run so that they never
// reject: a failure resolves to a stand-in that rethrows the original error as soon as it is used
// (property read, enumeration, assignment). transformers.js uses it right after the chain step, so
// the error surfaces from the same call as before, while the chain itself stays resolved.

/** The stand-in for a failed create/run: thenable-free (so promise resolution accepts it), throws on use. */
export function deferredFailure(error: unknown): object {
  const fail = (): never => {
    throw error;
  };
  return new Proxy(Object.create(null) as object, {
    get: (_t, prop) => (prop === 'then' ? undefined : fail()),
    set: fail,
    has: fail,
    ownKeys: fail,
    getOwnPropertyDescriptor: fail,
    deleteProperty: fail,
    defineProperty: fail,
  });
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;

interface SessionClass {
  create: AnyFn;
  prototype: { run: AnyFn };
}

/** Wraps `create` (static) and `prototype.run` of onnxruntime-web's InferenceSession. Idempotent. */
export function installChainGuard(session: SessionClass): void {
  const marked = session as SessionClass & { __quarryChainGuard?: true };
  if (marked.__quarryChainGuard) return;
  const create = session.create.bind(session);
  marked.create = (...args) => create(...args).catch(deferredFailure);
  const run = session.prototype.run;
  session.prototype.run = function (this: unknown, ...args: unknown[]) {
    return run.apply(this, args).catch(deferredFailure);
  };
  marked.__quarryChainGuard = true;
}
