// What a fake Engine's load() reports, for tests of the code around an engine (protocol, supervisor,
// scoring controller). Not part of the app.
import type { LoadInfo } from '../types';

/** A small model on WASM: batch-invariant, prefix cache on, no embedding model; `over` replaces fields. */
export function fakeLoadInfo(over: Partial<LoadInfo> = {}): LoadInfo {
  return {
    model: 'fake',
    device: 'wasm',
    dtype: 'fp32',
    reason: 'test',
    vocabSize: 3,
    hasChatTemplate: false,
    contextLength: 16,
    embedModel: null,
    embedDevice: null,
    embedDtype: null,
    numThreads: null,
    batchInvariant: true,
    prefixCache: true,
    ...over,
  };
}
