// A scoring run's settings and status, as stored with the session (persist/db SessionRecord.scoring) so
// a reload resumes the same run, and the defaults the scoring panel and imported files start from.
// Plain data: no DOM, React, stores or model runtime.

/** What a scoring run was asked to do; stored with the session so a reload resumes the same run. */
export interface ScoringConfig {
  /** Where the causal LM comes from. A picked folder cannot be reopened after reload without asking. */
  model: { kind: 'hub'; id: string; remoteHost: string } | { kind: 'local'; id: string } | { kind: 'files'; id: string };
  dtype: 'fp32' | 'fp16' | 'q8' | 'q4' | 'auto';
  device: 'auto' | 'webgpu' | 'wasm';
  template: 'alpaca' | 'plain' | 'chat';
  maxTokens: number;
  batchSize: number;
  /** Adversarial variants per sample (0 until attacks are chosen). */
  variants: number;
  attacks: string[];
  seed: number;
  /** Output-embedding consistency (generation): optional because it costs most. */
  embedConsistency: boolean;
  embedModel: ScoringConfig['model'] | null;
  generateTokens: number;
}

export const DEFAULT_HUB = 'https://huggingface.co/';

export const DEFAULT_SCORING: ScoringConfig = {
  model: { kind: 'hub', id: 'onnx-community/SmolLM2-135M-Instruct', remoteHost: DEFAULT_HUB },
  dtype: 'auto',
  device: 'auto',
  template: 'alpaca',
  maxTokens: 512,
  batchSize: 8,
  variants: 0,
  attacks: [],
  seed: 1,
  embedConsistency: false,
  embedModel: null,
  generateTokens: 32,
};

/** A session's scoring run: its configuration and where it stands. */
export interface ScoringState {
  config: ScoringConfig;
  /** 'running' when the page was closed mid-run: the next load resumes it. */
  status: 'running' | 'paused' | 'done';
  /** Model and template as the engine reported them (stored with the scores). */
  modelName: string | null;
  startedAt: number;
}
