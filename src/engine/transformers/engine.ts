// The Engine on transformers.js: composes the language model, the embedder and the scoring
// pipeline, and keeps what load() reported (LoadInfo) up to date when a run moves to WASM.
// The same class runs in the CLI and tests (Node) and in the model worker (browser).

import { makeTemplate, type ChatRenderer } from '../../core/templates';
import { abortError, scoreItems } from '../../core/scoring/scorer';
import type { PaddedBatch, ScoringBackend } from '../../core/scoring/types';
import type { Engine, GenerateRequest, LoadInfo, LoadOptions, LoadProgress, ScoreProgress, ScoreRequest, ScoreResult } from '../types';
import { chooseDevice } from './device';
import { Embedder } from './embedder';
import { LanguageModel } from './languageModel';
import { configureWebRuntime, IS_NODE } from './runtime';

export class TransformersEngine implements Engine {
  private lm: LanguageModel | null = null;
  private emb: Embedder | null = null;
  private info: LoadInfo | null = null;
  private readonly infoListeners = new Set<(info: LoadInfo) => void>();

  onInfoChange(listener: (info: LoadInfo) => void): () => void {
    this.infoListeners.add(listener);
    return () => this.infoListeners.delete(listener);
  }

  /** A change after load (a move to WASM mid-run): stored and told to the listeners. */
  private changeInfo(change: (info: LoadInfo) => LoadInfo): void {
    if (!this.info) return; // still loading: load() reports the final state
    this.info = change(this.info);
    for (const listener of this.infoListeners) listener(this.info);
  }

  get loadInfo(): LoadInfo | null {
    return this.info;
  }

  async load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadInfo> {
    await this.dispose();
    const numThreads = IS_NODE ? null : configureWebRuntime();
    const progress = (x: unknown) => {
      const p = x as { status?: string; file?: string; loaded?: number; total?: number };
      if (p.status === 'progress' && p.file) onProgress?.({ phase: 'download', file: p.file, loaded: p.loaded ?? 0, total: p.total ?? 0 });
    };
    const { device, f16, reason } = await chooseDevice(opts.device ?? 'auto', opts.dtype);
    const reasons = [reason];
    const lm = await LanguageModel.load({
      opts,
      device,
      f16,
      progress,
      onProgress,
      reasons,
      onMoved: (moved, why, note) =>
        this.changeInfo((info) => ({
          ...info,
          device: moved.device,
          dtype: moved.dtype,
          reason: `${info.reason}; webgpu run failed (${why}) -> wasm${note ? `; ${note}` : ''}`,
        })),
    });
    this.lm = lm;
    if (opts.embedModel) {
      this.emb = await Embedder.load({
        source: opts.embedModel,
        device: IS_NODE ? 'cpu' : lm.device,
        dtype: opts.embedDtype,
        f16,
        progress,
        onProgress,
        onFallback: (message) => reasons.push(`embedder on webgpu failed (${message}) -> wasm`),
        onMoved: (moved, why) =>
          this.changeInfo((info) => ({ ...info, embedDevice: moved.device, embedDtype: moved.dtype, reason: `${info.reason}; embedder webgpu run failed (${why}) -> wasm` })),
      });
    }
    this.info = {
      model: lm.display,
      device: lm.device,
      dtype: lm.dtype,
      reason: reasons.join('; '),
      vocabSize: lm.vocabSize,
      hasChatTemplate: !!lm.tokenizer.chat_template,
      contextLength: lm.contextLength,
      embedModel: this.emb?.display ?? null,
      embedDevice: this.emb?.device ?? null,
      embedDtype: this.emb?.dtype ?? null,
      numThreads,
      batchInvariant: lm.batchInvariant,
      prefixCache: lm.prefixOk,
    };
    return this.info;
  }

  private requireLm(): LanguageModel {
    if (!this.lm) throw new Error('no model loaded');
    return this.lm;
  }

  /** Logits [B, T, V] of a right-padded batch; [N, V] for batch.logitRows. */
  forward(batch: PaddedBatch): Promise<Float32Array> {
    return this.requireLm().forward(batch);
  }

  /** The chat renderer of the loaded tokenizer (undefined when it has no chat template). */
  chatRenderer(): ChatRenderer | undefined {
    const tok = this.requireLm().tokenizer;
    if (!tok.chat_template) return undefined;
    return (messages, { addGenerationPrompt }) =>
      tok.apply_chat_template(
        messages.map((m) => ({ role: m.role, content: m.content })),
        { tokenize: false, add_generation_prompt: addGenerationPrompt },
      );
  }

  /** The ScoringBackend view of this engine (used by score() and by tests). */
  backend(): ScoringBackend {
    const lm = this.requireLm();
    return {
      vocabSize: lm.vocabSize,
      padId: lm.padId,
      prefixCache: lm.prefixOk,
      overlap: lm.device === 'webgpu',
      logitRows: lm.rowsOk,
      tokenize: (r, add) => lm.spans.tokenize(r, add),
      forward: (b) => lm.forward(b),
      ...(lm.rowsOk && lm.targetsOk ? { forwardTargets: (b: PaddedBatch & { logitRows: Int32Array }, t: Int32Array) => lm.forwardTargets(b, t) } : {}),
      generate: (prompts, n, add, signal) => this.generate({ prompts, maxNewTokens: n, addSpecialTokens: add }, signal),
      embed: this.emb ? (texts, signal) => this.embed(texts, signal) : undefined,
    };
  }

  async score(req: ScoreRequest, onProgress?: (p: ScoreProgress) => void, signal?: AbortSignal): Promise<ScoreResult[]> {
    const lm = this.requireLm();
    const template = makeTemplate(req.template, req.template === 'chat' ? this.chatRenderer() : undefined);
    const maxTokens = Math.max(8, Math.min(req.maxTokens ?? 512, lm.contextLength ?? Infinity));
    return scoreItems(
      req.items,
      template,
      this.backend(),
      {
        maxTokens,
        ...(req.batchSize !== undefined ? { maxBatch: req.batchSize } : {}),
        ...(req.tokenBudget !== undefined ? { tokenBudget: req.tokenBudget } : {}),
        ...(req.logitsBudgetBytes !== undefined ? { logitsBudgetBytes: req.logitsBudgetBytes } : {}),
        distConsistency: req.distConsistency ?? true,
        embedConsistency: (req.embedConsistency ?? false) && this.emb !== null,
        generateTokens: req.generateTokens ?? 32,
        // batch size 1 on a batch-dependent (dynamically quantized) graph asks for exact
        // per-text passes: no shared prefix then either
        prefixCache: (req.prefixCache ?? true) && (this.info?.batchInvariant === true || (req.batchSize ?? 16) > 1),
        naive: req.naive ?? false,
      },
      onProgress,
      signal,
    );
  }

  async generate(req: GenerateRequest, signal?: AbortSignal): Promise<string[]> {
    if (signal?.aborted) throw abortError();
    return this.requireLm().generate(req.prompts, Math.max(1, req.maxNewTokens ?? 32), req.addSpecialTokens ?? true);
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (signal?.aborted) throw abortError();
    if (!this.emb) throw new Error('no embedding model loaded');
    return this.emb.embed(texts);
  }

  async dispose(): Promise<void> {
    const { lm, emb } = this;
    this.lm = null;
    this.emb = null;
    this.info = null;
    await lm?.dispose();
    await emb?.dispose();
  }
}
