// The sentence embedder (a feature-extraction pipeline, mean-pooled and L2-normalised): output
// consistency and the attacks' meaning constraint.

import { pipeline } from '@huggingface/transformers';
import type { DeviceKind, DType, LoadProgress, ModelSource } from '../types';
import { dtypeCandidates, pickDtype } from './device';
import { loadWithWasmFallback, MovableModel, runWithWasmFallback } from './fallback';
import { releaseSource, withSource, type SourceSetup } from './modelSource';
import { toFloat32, type TjsExtractor, type TjsTensor } from './tjs';

export interface EmbedderLoad {
  source: ModelSource;
  device: DeviceKind;
  dtype: DType | undefined;
  /** The GPU has shader-f16. */
  f16: boolean;
  /** transformers.js' progress callback. */
  progress: (x: unknown) => void;
  onProgress?: (p: LoadProgress) => void;
  /** A WebGPU failure while loading (the embedder then loads on WASM). */
  onFallback: (message: string) => void;
  /** A WebGPU failure during a run (the embedder has moved to WASM). */
  onMoved: (embedder: Embedder, message: string) => void;
}

export class Embedder extends MovableModel {
  private constructor(
    private readonly spec: EmbedderLoad,
    setup: SourceSetup,
    private extractor: TjsExtractor,
    device: DeviceKind,
    dtype: DType,
  ) {
    super(setup, device, dtype);
  }

  static async load(spec: EmbedderLoad): Promise<Embedder> {
    const loaded = await loadWithWasmFallback(spec.device, (d) => Embedder.loadOn(spec, d, spec.progress), spec.onFallback);
    return new Embedder(spec, loaded.setup, loaded.extractor, loaded.device, loaded.dtype);
  }

  private static loadOn(spec: EmbedderLoad, device: DeviceKind, progress: (x: unknown) => void) {
    return withSource(spec.source, async (setup) => {
      let extractor: TjsExtractor | null = null;
      try {
        const { dtype } = await pickDtype(setup, 'model', dtypeCandidates(spec.dtype, device, spec.f16 && device === 'webgpu'), spec.dtype);
        spec.onProgress?.({ phase: 'status', message: `loading embedder ${setup.display} (${dtype}, ${device})` });
        extractor = (await pipeline('feature-extraction', setup.id, { ...setup.options, dtype, device, progress_callback: progress })) as unknown as TjsExtractor;
        if (device === 'webgpu') await extractor(['warm up'], { pooling: 'mean', normalize: true });
        return { setup, extractor, device, dtype };
      } catch (e) {
        await extractor?.dispose().catch(() => undefined);
        releaseSource(setup);
        throw e;
      }
    });
  }

  async moveToWasm(reason: string): Promise<void> {
    await this.dispose();
    const loaded = await Embedder.loadOn(this.spec, 'wasm', () => undefined);
    this.setup = loaded.setup;
    this.extractor = loaded.extractor;
    this.dev = 'wasm';
    this.dt = loaded.dtype;
    this.spec.onMoved(this, reason);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const out: TjsTensor = await runWithWasmFallback(this, () => this.extractor(texts, { pooling: 'mean', normalize: true }));
    const [n, d] = out.dims as [number, number];
    const data = toFloat32(out);
    const res: Float32Array[] = [];
    for (let i = 0; i < n; i++) res.push(data.slice(i * d, (i + 1) * d));
    return res;
  }

  async dispose(): Promise<void> {
    await this.extractor.dispose().catch(() => undefined);
    releaseSource(this.setup);
  }
}
