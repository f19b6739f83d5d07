// The model engine interface, and thin implementations behind it (ARCHITECTURE.md, "Engine"):
//   - TransformersEngine (src/engine/transformers/): runs in Node (CLI, tests) or inside
//     the model Web Worker;
//   - WorkerEngineClient (src/engine/client.ts): the UI thread's proxy to that worker;
//   - SupervisedEngine (src/engine/supervisedEngine.ts): a client that replaces a dead worker.
// Everything crossing the worker boundary is structured-cloneable (Map<string, Blob> included).

import type { TemplateName } from '../core/templates';
import type { ScoreItem, ScoreProgress, ScoreResult } from '../core/scoring/types';

export type { ScoreItem, ScoreProgress, ScoreResult, VariantSpec, OutputEmbeddingInfo } from '../core/scoring/types';
export type { TemplateName } from '../core/templates';

/** Execution device actually used. 'cpu' = onnxruntime-node; 'wasm'/'webgpu' = onnxruntime-web. */
export type DeviceKind = 'webgpu' | 'wasm' | 'cpu';
/** Requested device: 'auto' = WebGPU when usable in a browser, else WASM; Node: cpu. */
export type DevicePreference = 'auto' | DeviceKind;
/** transformers.js dtype names: fp32 = onnx/model.onnx, fp16 = model_fp16, q8 = model_quantized, q4 = model_q4. */
export type DType = 'fp32' | 'fp16' | 'q8' | 'q4';
export const DTYPES: readonly DType[] = ['fp32', 'fp16', 'q8', 'q4'];

/**
 * Where a model's files come from (transformers.js layout: config.json, tokenizer.json,
 * tokenizer_config.json, onnx/model{,_fp16,_quantized,_q4}.onnx).
 *  - hub:   a hub id, fetched from `remoteHost` (default https://huggingface.co/) as
 *           `<remoteHost><id>/resolve/<revision>/<file>` (the dev server mirrors this under /hf/).
 *  - local: Node: `root` is the PARENT directory and `id` the folder name (env.localModelPath);
 *           browser: `root` is a URL prefix such as '/models/' and `id` the path below it.
 *  - files: (browser) a user-picked folder, relative path -> Blob ('config.json', 'onnx/model.onnx').
 */
export type ModelSource =
  | { kind: 'hub'; id: string; revision?: string; remoteHost?: string }
  | { kind: 'local'; id: string; root: string }
  | { kind: 'files'; id: string; files: Map<string, Blob> };

export interface LoadOptions {
  /** The causal LM that scores. */
  model: ModelSource;
  /** Default: Node 'fp32' if present; browser: 'fp16' on WebGPU with shader-f16, else 'q8'. Falls back to a dtype whose file exists. */
  dtype?: DType;
  device?: DevicePreference;
  /** Sentence embedder for embed consistency (optional). */
  embedModel?: ModelSource | null;
  embedDtype?: DType;
}

export interface LoadInfo {
  /** Display name of the model (hub id, folder name). */
  model: string;
  device: DeviceKind;
  dtype: DType;
  /** Why this device/dtype (e.g. "webgpu: no adapter -> wasm", "q8 requested but absent -> fp32"). */
  reason: string;
  vocabSize: number;
  /** The tokenizer has a chat template (the 'chat' template can be used). */
  hasChatTemplate: boolean;
  /** model_max_length / max_position_embeddings when known. */
  contextLength: number | null;
  embedModel: string | null;
  embedDevice: DeviceKind | null;
  embedDtype: DType | null;
  /** WASM threads (browser) or null. */
  numThreads: number | null;
  /**
   * Whether a sequence's logits are the same alone and in a padded batch (probed at load, 1e-4).
   * False for dynamically quantized graphs (transformers.js "q8" = DynamicQuantizeLinear +
   * MatMulInteger: the activation scale is computed over the whole batch tensor). When false, use
   * batchSize 1 for results that do not depend on the batch.
   */
  batchInvariant: boolean;
  /**
   * Whether scoring runs the prefix shared by a batch's texts (the template header) once and the
   * rest of each text on top of its cached keys/values (needs a KV cache in the graph; probed at
   * load against full passes). Scores are the same up to float rounding; see docs/metrics.md.
   */
  prefixCache: boolean;
}

export type LoadProgress =
  | { phase: 'download'; file: string; loaded: number; total: number }
  | { phase: 'status'; message: string };

export interface ScoreRequest {
  items: ScoreItem[];
  template: TemplateName;
  /** Max tokens of one scored text (default 512; clamped to the model's context). */
  maxTokens?: number;
  /** Max sequences per forward pass (default 16). */
  batchSize?: number;
  /** Max B*T tokens per forward pass (default 8192). */
  tokenBudget?: number;
  /** Max logits bytes per forward pass, B*T*V*4 (default 256 MiB). */
  logitsBudgetBytes?: number;
  /** Distribution consistency over variants (default true). */
  distConsistency?: boolean;
  /** Output-embedding consistency (default false; needs an embed model). */
  embedConsistency?: boolean;
  /** Greedy tokens per prompt for embed consistency (default 32). */
  generateTokens?: number;
  /** Run the prefix a batch's texts share once (default true; used only when LoadInfo.prefixCache). */
  prefixCache?: boolean;
  /**
   * Baseline for benchmarks and tests (default false): one sample at a time, each text its own
   * batch-1 forward pass, s(A) recomputed for every variant, no prefix cache, no overlap; the way
   * reference scripts such as Cherry LLM's score. Same scores, much slower.
   */
  naive?: boolean;
}

export interface GenerateRequest {
  /** Prompts, already templated (Template.prompt). */
  prompts: string[];
  /** Default 32. */
  maxNewTokens?: number;
  /** Let the tokenizer add BOS etc. (true for alpaca/plain, false for chat-rendered prompts). Default true. */
  addSpecialTokens?: boolean;
}

export interface Engine {
  /** Loads (or replaces) the model(s). Resolves with what was actually chosen. */
  load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadInfo>;
  /** Scores items; rejects with an AbortError when `signal` aborts (checked between batches). */
  score(req: ScoreRequest, onProgress?: (p: ScoreProgress) => void, signal?: AbortSignal): Promise<ScoreResult[]>;
  /** Greedy continuations (new text only). */
  generate(req: GenerateRequest, signal?: AbortSignal): Promise<string[]>;
  /** Mean-pooled, L2-normalised sentence embeddings from the embed model. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Releases the ONNX sessions. */
  dispose(): Promise<void>;
  /**
   * Subscribes to changes of what load() reported that happen later, during a run: a WebGPU
   * failure (device lost, out of memory, an unsupported op) after which the engine continues on
   * WASM. Returns the unsubscribe function.
   */
  onInfoChange?(listener: (info: LoadInfo) => void): () => void;
}
