// The worker side: serves an Engine as ModelApi (./protocol.ts). Independent of the Worker global,
// so that it can be tested in Node with any postMessage endpoint.

import { serveRpc, withTransfer } from '../lib/workerRpc';
import { runAttacks } from './attackSource';
import type { ModelApi, ModelNotes } from './protocol';
import type { Engine } from './types';

export function serveEngine(scope: Parameters<typeof serveRpc>[0], engine: Engine): void {
  const notify = serveRpc<ModelApi, ModelNotes>(
    scope,
    {
      load: (opts, emit) => engine.load(opts, emit),
      score: (req, emit, signal) => engine.score(req, emit, signal),
      // the attack search runs here, next to the model: its queries call the engine directly
      attack: (req, emit, signal) => runAttacks(engine, req, emit, signal),
      generate: (req, _emit, signal) => engine.generate(req, signal),
      embed: async (texts, _emit, signal) => {
        const vectors = await engine.embed(texts, signal);
        return withTransfer(vectors, [...new Set(vectors.map((v) => v.buffer as ArrayBuffer))]);
      },
      dispose: async () => {
        await engine.dispose();
        return null;
      },
    },
    { serial: true },
  );
  engine.onInfoChange?.((info) => notify('engine', info));
}
