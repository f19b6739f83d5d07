// Types of the scoring pipeline. Pure: the model side is behind `ScoringBackend`.

import type { EditOp, Sample, SampleScores, VariantScores } from '../types';
import type { RenderedText } from '../templates';

/** One rewritten prompt Q' of a sample (produced by a VariantSource, e.g. a prompt attack). */
export interface VariantSpec {
  /** Name of the attack / rewrite that produced it. */
  attack: string;
  /** The rewritten instruction (replaces Sample.instruction). */
  instruction: string;
  /** Rewritten input; default: the sample's own input. */
  input?: string;
  similarity?: number | null;
  queries?: number;
  edits?: EditOp[];
}

/** A sample to score and its variants (none: aifd and the consistencies are null). */
export interface ScoreItem {
  sample: Sample;
  variants?: VariantSpec[];
}

/** A tokenized rendered text. */
export interface TokenizedText {
  ids: number[];
  /** Token range [respStart, respEnd) of the response (see metrics/spans.ts for the rule). */
  respStart: number;
  respEnd: number;
  /** Leading tokens the tokenizer inserted (BOS...): kept when the prompt is trimmed from the left. */
  lead: number;
  /**
   * Byte spans of the response tokens relative to the response's first byte, as pairs
   * (start, end) per token of [respStart, respEnd); null when unknown (prefix method).
   */
  respSpans: Int32Array | null;
  /** 'offsets': spans from aligning token bytes; 'prefix': Cherry-style prefix tokenization fallback. */
  method: 'offsets' | 'prefix';
}

/** A right-padded batch ready for a causal LM forward pass. */
export interface PaddedBatch {
  /** Batch size B and padded length T. */
  B: number;
  T: number;
  /** [B*T] token ids (pads = padId). */
  inputIds: BigInt64Array;
  /** [B*T] 1 for real tokens, 0 for pads. */
  attentionMask: BigInt64Array;
  /** [B*T] cumsum(mask) - 1, pads set to 1 (as Hugging Face does). */
  positionIds: BigInt64Array;
  /** Real length of each row (after the prefix). */
  lengths: number[];
  /**
   * Tokens that every row starts with, run once by the backend (ScoringBackend.prefixCache), whose
   * keys/values the rows attend to: the rows above hold only the tokens AFTER it, their
   * position ids continue from prefix.length, and forward() returns logits [B, T, V] for those
   * tokens only. Absent: the rows are whole sequences.
   */
  prefix?: number[];
  /**
   * Flat positions b·T + t whose logits are needed (ScoringBackend.logitRows): forward() then
   * returns logits [N, V] for these positions, in this order, instead of [B, T, V].
   */
  logitRows?: Int32Array;
}

/** What the scorer needs from a model runtime. */
export interface ScoringBackend {
  /** Vocabulary size V (the logits' last dimension). */
  readonly vocabSize: number;
  /** Id used for padding. */
  readonly padId: number;
  /** Tokenizes a rendered text and finds its response tokens. May throw for one text. */
  tokenize(r: RenderedText, addSpecialTokens: boolean): TokenizedText;
  /**
   * Whether forward() accepts batches with a `prefix` (see PaddedBatch.prefix): the prefix's
   * keys/values are computed once (and cached), then the rows run on top of them.
   */
  readonly prefixCache?: boolean;
  /**
   * Whether the next forward pass should be started before the current batch's metrics are
   * computed: true when the model runs elsewhere (a GPU); on a CPU both compete for the cores.
   */
  readonly overlap?: boolean;
  /** Whether forward() honours PaddedBatch.logitRows (computes the LM head for those rows only). */
  readonly logitRows?: boolean;
  /** Forward pass: logits [B, T, V] row-major as float32. */
  forward(batch: PaddedBatch, signal?: AbortSignal): Promise<Float32Array>;
  /**
   * Forward pass that returns, for each of batch.logitRows, log p(targets[i]) (natural log) instead
   * of logits: the model's log-likelihood tail (src/engine/onnx/logitRows.ts), for rows whose
   * distributions are not needed. Needs `logitRows`; absent when the backend cannot do it.
   */
  forwardTargets?(batch: PaddedBatch & { logitRows: Int32Array }, targets: Int32Array, signal?: AbortSignal): Promise<Float32Array>;
  /** Greedy continuation of each prompt (only the new text). Needed for embed consistency. */
  generate?(prompts: string[], maxNewTokens: number, addSpecialTokens: boolean, signal?: AbortSignal): Promise<string[]>;
  /** Sentence embeddings. Needed for embed consistency. */
  embed?(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface BatchLimits {
  /** Max sequences per forward pass. */
  maxBatch: number;
  /** Max B*T tokens per forward pass (padding included). */
  tokenBudget: number;
  /** Max B*T*V*4 bytes of float32 logits per forward pass. */
  logitsBudgetBytes: number;
}

export interface ScoringOptions extends BatchLimits {
  /** Max tokens of one scored text (see truncation in docs/metrics.md). */
  maxTokens: number;
  /** Compute distribution consistency (needs variants). */
  distConsistency: boolean;
  /** Compute output-embedding consistency (needs variants, backend.generate and backend.embed). */
  embedConsistency: boolean;
  /** Greedy tokens generated per prompt for embed consistency. */
  generateTokens: number;
  /**
   * Run the prefix the rows of a batch share (the template header) once, when the backend
   * supports it (ScoringBackend.prefixCache). Same scores up to float rounding.
   */
  prefixCache: boolean;
  /**
   * Baseline for benchmarks and tests, how reference scripts (Cherry LLM) score: one sample at a
   * time, every text its own batch-1 forward pass (s(A|Q), s(A), then s(A|Q') and s(A) again for
   * every variant), no prefix cache, no overlap of model and metric work. Same scores.
   */
  naive: boolean;
}

export const DEFAULT_SCORING_OPTIONS: ScoringOptions = {
  maxTokens: 512,
  maxBatch: 16,
  tokenBudget: 8192,
  logitsBudgetBytes: 256 * 1024 * 1024,
  distConsistency: true,
  embedConsistency: false,
  generateTokens: 32,
  prefixCache: true,
  naive: false,
};

export interface ScoreProgress {
  phase: 'tokenize' | 'score' | 'generate' | 'embed';
  done: number;
  total: number;
}

/** Greedy outputs behind embed consistency (AIOEC). */
export interface OutputEmbeddingInfo {
  /** Greedy output under the original prompt Q. */
  output: string;
  /** Greedy outputs under each Q'. */
  variantOutputs: string[];
  /** cos(output under Q, reference response). */
  refCosine: number | null;
  /** cos(output under Q'_k, reference response). */
  variantRefCosines: Array<number | null>;
}

/** The scores of one sample. */
export interface ScoreResult {
  /** Sample.id */
  id: string;
  scores: SampleScores;
  variants: VariantScores[];
  /** Some text of this sample was cut to maxTokens. */
  truncated: boolean;
  /** Token counts as scored (after truncation): s(A|Q) text, s(A) text, response tokens scored in s(A|Q). */
  tokens: { prompted: number; answer: number; response: number };
  /** The scores came with the loaded file (exported by Quarry or scored by the CLI), not from this engine; tokens are then unknown (0). */
  imported?: boolean;
  /** Imported results: the model and template named by the `quarry` object they came with (the export writes them back). */
  origin?: { model: string | null; template: string | null };
  /** Present when embed consistency was computed. */
  outputs?: OutputEmbeddingInfo;
  /** Why this sample has null scores (e.g. an empty response, a chat template failure). */
  error?: string;
}
