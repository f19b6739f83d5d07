// The worker side of the protocol, independent of the Worker global so that it can be tested in
// Node: `createWorkerHost(engine, post)` returns the message handler.

import type { Engine } from './types';
import { serializeError, type WorkerRequest, type WorkerResponse } from './protocol';

export type Post = (msg: WorkerResponse, transfer?: Transferable[]) => void;

export function createWorkerHost(engine: Engine, post: Post): (req: WorkerRequest) => void {
  const controllers = new Map<number, AbortController>();
  engine.onInfoChange?.((info) => post({ type: 'engine', info }));
  let queue: Promise<void> = Promise.resolve();

  const run = async (req: Exclude<WorkerRequest, { type: 'cancel' }>, ac: AbortController): Promise<void> => {
    const { id } = req;
    try {
      if (ac.signal.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
      switch (req.type) {
        case 'load': {
          const result = await engine.load(req.opts, (progress) => post({ type: 'progress', id, progress }));
          post({ type: 'result', id, op: 'load', result });
          break;
        }
        case 'score': {
          const result = await engine.score(req.req, (progress) => post({ type: 'progress', id, progress }), ac.signal);
          post({ type: 'result', id, op: 'score', result });
          break;
        }
        case 'generate': {
          const result = await engine.generate(req.req, ac.signal);
          post({ type: 'result', id, op: 'generate', result });
          break;
        }
        case 'embed': {
          const result = await engine.embed(req.texts, ac.signal);
          post({ type: 'result', id, op: 'embed', result }, [...new Set(result.map((v) => v.buffer as ArrayBuffer))]);
          break;
        }
        case 'dispose': {
          await engine.dispose();
          post({ type: 'result', id, op: 'dispose', result: null });
          break;
        }
      }
    } catch (e) {
      post({ type: 'error', id, error: serializeError(e) });
    } finally {
      controllers.delete(id);
    }
  };

  return (req: WorkerRequest) => {
    if (req.type === 'cancel') {
      controllers.get(req.target)?.abort();
      return;
    }
    const ac = new AbortController();
    controllers.set(req.id, ac);
    queue = queue.then(() => run(req, ac));
  };
}
