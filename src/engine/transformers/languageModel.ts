// The causal LM: loading (with its load-time probes), forward passes over padded batches (chosen
// rows, log p(target) from the graph, a cached shared prefix), greedy generation, and the move to
// WASM after a WebGPU failure.

import { AutoModelForCausalLM, AutoTokenizer, Tensor } from '@huggingface/transformers';
import { commonPrefix } from '../../core/metrics/spans';
import { tokenNll } from '../../core/metrics/numerics';
import type { PaddedBatch } from '../../core/scoring/types';
import { patchLogitRows, TARGET_LOGPROB_OUTPUT } from '../onnx/logitRows';
import { PrefixKvCache, prefixedAttentionMask, tileBatch, type KvTensor, type PrefixEntry } from '../prefixCache';
import type { DeviceKind, DType, LoadOptions, LoadProgress } from '../types';
import { dtypeCandidates, onnxFile, pickDtype } from './device';
import { loadWithWasmFallback, MovableModel, runWithWasmFallback } from './fallback';
import { probeBatchInvariance, probePrefixCache, probeRowSelection, probeTargets, rowSelectionProbe, type Forward } from './probes';
import { releaseSource, sourceFileBytes, withSource, type SourceSetup } from './modelSource';
import { RowSession, runRows, type RowArgs } from './rowSession';
import { SpanTokenizer } from './spanTokenizer';
import { disposeOutputs, errMessage, int64Tensor, isAbort, tensorData, toFloat32, type TjsModel, type TjsSession, type TjsTensor, type TjsTokenizer } from './tjs';

export interface LanguageModelLoad {
  opts: LoadOptions;
  device: DeviceKind;
  /** The GPU has shader-f16. */
  f16: boolean;
  /** transformers.js' progress callback. */
  progress: (x: unknown) => void;
  onProgress?: (p: LoadProgress) => void;
  /** Notes for LoadInfo.reason, in order. */
  reasons: string[];
  /** A WebGPU failure during a run: the LM has moved to WASM (note: what the move found). */
  onMoved: (lm: LanguageModel, reason: string, note: string | null) => void;
}

/** The past_key_values.* inputs of a decoder graph that have a matching present.* output. */
function kvInputNames(model: TjsModel): string[] {
  const session = model.sessions?.model ?? model.sessions?.decoder_model_merged;
  if (!session?.inputNames || !session.outputNames) return [];
  const past = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
  const ok = past.length > 0 && past.every((n) => session.outputNames.includes(presentName(n)));
  return ok ? past : [];
}

const presentName = (past: string) => past.replace('past_key_values.', 'present.');

async function loadModel(setup: SourceSetup, device: DeviceKind, dtype: DType, progress: (x: unknown) => void): Promise<TjsModel> {
  return (await AutoModelForCausalLM.from_pretrained(setup.id, { ...setup.options, dtype, device, progress_callback: progress })) as unknown as TjsModel;
}

/** One pass on WebGPU right after loading, so that a GPU that cannot run the graph fails at load. */
async function warmUp(model: TjsModel): Promise<void> {
  const out = await model({ input_ids: int64Tensor([1, 2, 3, 4], [1, 4]), attention_mask: int64Tensor([1, 1, 1, 1], [1, 4]) });
  const logits = out.logits!;
  toFloat32(logits);
  disposeOutputs(out, logits);
}

export class LanguageModel extends MovableModel {
  /** The real last dimension of the logits (config.vocab_size may be absent or padded). */
  vocabSize = 0;
  /** The logits of a row do not depend on the other rows of its batch. */
  batchInvariant = false;
  /** The shared-prefix KV cache is used (the graph has a KV cache and the load-time probe agreed). */
  prefixOk = false;
  /** The LM head runs on chosen rows only (PaddedBatch.logitRows). */
  rowsOk = false;
  /** The graph's log-likelihood tail agreed with the logits at load. */
  targetsOk = false;
  readonly spans: SpanTokenizer;
  readonly contextLength: number | null;
  readonly eos: Set<number>;
  /** past_key_values.* input names whose present.* outputs exist (empty: no KV cache in the graph). */
  readonly kvNames: string[];
  /** Keys/values of shared prefixes (template headers); cleared whenever the graph changes. */
  private readonly prefixCache = new PrefixKvCache();

  private constructor(
    private readonly spec: LanguageModelLoad,
    setup: SourceSetup,
    readonly tokenizer: TjsTokenizer,
    private model: TjsModel,
    device: DeviceKind,
    dtype: DType,
  ) {
    super(setup, device, dtype);
    this.spans = new SpanTokenizer(tokenizer);
    const cfg = model.config;
    const ctx = Number(cfg.max_position_embeddings ?? cfg.n_positions ?? cfg.n_ctx ?? tokenizer.model_max_length);
    this.contextLength = Number.isFinite(ctx) && ctx > 0 && ctx < 1e7 ? ctx : null;
    const eosRaw = model.generation_config?.eos_token_id ?? cfg.eos_token_id ?? tokenizer.eos_token_id;
    this.eos = new Set<number>((Array.isArray(eosRaw) ? eosRaw : eosRaw == null ? [] : [eosRaw]).map(Number));
    this.kvNames = kvInputNames(model);
    this.vocabSize = Number(cfg.vocab_size);
  }

  get padId(): number {
    return Number(this.tokenizer.pad_token_id ?? this.tokenizer.eos_token_id ?? 0);
  }

  /** Loads tokenizer and graph (WebGPU falling back to WASM), then runs the load-time probes. */
  static async load(spec: LanguageModelLoad): Promise<LanguageModel> {
    const { opts, reasons } = spec;
    const lm = await withSource(opts.model, async (setup) => {
      spec.onProgress?.({ phase: 'status', message: `loading tokenizer of ${setup.display}` });
      const tokenizer = (await AutoTokenizer.from_pretrained(setup.id, { ...setup.options, progress_callback: spec.progress })) as unknown as TjsTokenizer;
      let note = '';
      const loadOn = async (device: DeviceKind) => {
        // fp16 was asked for the GPU: on WASM the usual order applies
        const requested = device === spec.device ? opts.dtype : opts.dtype === 'fp16' ? undefined : opts.dtype;
        const picked = await pickDtype(setup, 'model', dtypeCandidates(requested, device, device === 'webgpu' && spec.f16), opts.dtype);
        note = picked.note;
        spec.onProgress?.({ phase: 'status', message: `loading ${setup.display} (${picked.dtype}, ${device})` });
        let model: TjsModel | null = null;
        try {
          model = await loadModel(setup, device, picked.dtype, spec.progress);
          if (device === 'webgpu') await warmUp(model);
          return { model, device, dtype: picked.dtype };
        } catch (e) {
          await model?.dispose().catch(() => undefined);
          throw e;
        }
      };
      const loaded = await loadWithWasmFallback(spec.device, loadOn, (message) => reasons.push(`webgpu failed (${message}) -> wasm`));
      reasons.push(note);
      return new LanguageModel(spec, setup, tokenizer, loaded.model, loaded.device, loaded.dtype);
    });
    await lm.probe();
    return lm;
  }

  private async probe(): Promise<void> {
    const { reasons } = this.spec;
    const plain: Forward = (b) => this.forward(b);
    const { vocab, batchInvariant, noise } = await probeBatchInvariance(plain);
    this.vocabSize = vocab;
    this.batchInvariant = batchInvariant;
    if (!batchInvariant) reasons.push('logits depend on batch composition (dynamic quantization?): use batch size 1 for exact results');
    const prefixNote = await this.probePrefix(plain, noise);
    if (prefixNote) reasons.push(prefixNote);
    const rowsNote = await this.installLogitRows();
    if (rowsNote) reasons.push(rowsNote);
  }

  private async probePrefix(forward: Forward, noise: number): Promise<string | null> {
    this.prefixOk = false;
    if (this.kvNames.length === 0) return 'no KV cache inputs: no shared-prefix cache';
    try {
      const { ok, maxDiff } = await probePrefixCache(forward, this.vocabSize, noise);
      this.prefixOk = ok;
      return ok ? null : `shared-prefix cache disagrees with full passes (${maxDiff.toExponential(1)}): not used`;
    } catch (e) {
      if (isAbort(e)) throw e;
      return `shared-prefix cache failed (${errMessage(e)}): not used`;
    } finally {
      this.prefixCache.clear();
    }
  }

  /**
   * Replaces the LM's session by one whose LM head runs on chosen rows only (onnx/logitRows.ts),
   * created with the same execution provider (through the same InferenceSession.create, so the
   * model worker's WebGPU trig patch applies too) and checked against the original on a probe
   * batch; on any failure the original is reloaded. Returns a note for LoadInfo.reason, or null
   * when it was installed.
   */
  private async installLogitRows(): Promise<string | null> {
    this.rowsOk = false;
    this.targetsOk = false;
    const sessions = this.model.sessions;
    const original = sessions?.model;
    if (!sessions || !original || sessions.decoder_model_merged) return 'logits of all positions (no single decoder session)';
    const cfg = this.model.config['transformers.js_config'] as { use_external_data_format?: unknown } | undefined;
    if (cfg?.use_external_data_format) return 'logits of all positions (external-data model)';
    const bytes = await sourceFileBytes(this.spec.opts.model, this.setup, onnxFile('model', this.dt)).catch(() => null);
    const patched = bytes ? patchLogitRows(bytes) : null;
    if (!patched) return 'logits of all positions (graph not patched)';
    const reference = await this.forward(rowSelectionProbe().batch);
    const Ctor = Object.getPrototypeOf(original).constructor as { create(bytes: Uint8Array, opts: object): Promise<TjsSession> };
    // Release first: in a browser the WASM heap would otherwise hold two copies of the model.
    await original.release();
    try {
      const options =
        this.dev === 'webgpu'
          ? {
              executionProviders: ['webgpu'],
              logSeverityLevel: 3,
              // as transformers.js does: the KV cache outputs stay on the GPU
              preferredOutputLocation: Object.fromEntries(original.outputNames.filter((n) => n.startsWith('present')).map((n) => [n, 'gpu-buffer'])),
            }
          : { executionProviders: [this.dev === 'cpu' ? 'cpu' : 'wasm'], logSeverityLevel: 3 };
      sessions.model = new RowSession(await Ctor.create(patched, options), original.config);
      // the new session is in place but not trusted yet: the probes ask for rows explicitly
      const rows = await probeRowSelection(reference, (b) => this.forward(b, true), this.vocabSize);
      if (!rows.ok) return `logits of all positions (row selection disagrees: ${rows.maxDiff.toExponential(1)})`;
      this.rowsOk = true;
      return await this.probeTargets(rows.selected);
    } catch (e) {
      if (isAbort(e)) throw e;
      await this.reload(this.dev, this.dt);
      return `logits of all positions (${errMessage(e)})`;
    }
  }

  /** Turns the log-likelihood tail on when it agrees with the chosen rows' logits; else a note. */
  private async probeTargets(selected: Float32Array): Promise<string | null> {
    try {
      const { ok, maxDiff } = await probeTargets((b, t) => this.forwardTargets(b, t, true), selected, this.vocabSize);
      this.targetsOk = ok;
      return ok ? null : `log-likelihoods in JS (the graph's tail disagrees: ${maxDiff.toExponential(1)})`;
    } catch (e) {
      if (isAbort(e)) throw e;
      return `log-likelihoods in JS (${errMessage(e)})`;
    }
  }

  /** Loads the graph again from its source, on `device` (after a failed session swap, or a WebGPU failure). */
  private async reload(device: DeviceKind, dtype: DType | 'pick'): Promise<void> {
    await this.model.dispose().catch(() => undefined);
    this.rowsOk = false;
    this.targetsOk = false;
    this.prefixCache.clear();
    const old = this.setup;
    this.model = await withSource(this.spec.opts.model, async (setup) => {
      const dt = dtype === 'pick' ? (await pickDtype(setup, 'model', dtypeCandidates(this.dt === 'fp16' ? undefined : this.dt, device, false), this.dt)).dtype : dtype;
      if (old.id !== setup.id) releaseSource(old);
      this.setup = setup;
      this.dt = dt;
      return await loadModel(setup, device, dt, () => undefined);
    });
    this.dev = device;
  }

  /** After a WebGPU failure mid-run: the graph on WASM (rows-only head installed again when it checks out). */
  async moveToWasm(reason: string): Promise<void> {
    await this.reload('wasm', 'pick');
    const note = await this.installLogitRows().catch((e: unknown) => `logits of all positions (${errMessage(e)})`);
    this.spec.onMoved(this, reason, note);
  }

  /**
   * Logits [B, T, V] of a right-padded batch; [N, V] for batch.logitRows. `unverified`: the row
   * session is installed but still being probed (use it anyway).
   */
  forward(batch: PaddedBatch, unverified = false): Promise<Float32Array> {
    return runWithWasmFallback(this, async () => {
      // Chosen rows without a row session (a mid-run fallback could not install one): compute
      // all positions and keep the chosen rows, so the scorer's backend contract still holds.
      const rowsOn = this.rowsOk || unverified;
      const gather = batch.logitRows && !rowsOn ? batch.logitRows : null;
      const out = await this.run(gather ? { ...batch, logitRows: undefined } : batch, rowsOn, null, ['logits']);
      const logits = out.logits;
      if (!logits) throw new Error('the model returned no logits');
      const data = toFloat32(logits);
      disposeOutputs(out, logits);
      if (!gather) return data;
      const V = this.vocabSize;
      const picked = new Float32Array(gather.length * V);
      gather.forEach((r, k) => picked.set(data.subarray(r * V, (r + 1) * V), k * V));
      return picked;
    });
  }

  /**
   * log p(targets[i]) for each of batch.logitRows, from the graph's tail; without it (it failed
   * its check, or a mid-run fallback lost it), from the rows' logits here.
   */
  forwardTargets(batch: PaddedBatch & { logitRows: Int32Array }, targets: Int32Array, unverified = false): Promise<Float32Array> {
    return runWithWasmFallback(this, async () => {
      if (!this.targetsOk && !unverified) {
        const V = this.vocabSize;
        const logits = await this.forward(batch);
        return Float32Array.from(targets, (t, k) => -tokenNll(logits, k * V, V, t));
      }
      const out = await this.run(batch, true, targets, [TARGET_LOGPROB_OUTPUT]);
      const lp = out[TARGET_LOGPROB_OUTPUT];
      if (!lp) throw new Error('the model returned no log-likelihoods');
      const data = toFloat32(lp);
      disposeOutputs(out, lp);
      return data;
    });
  }

  /** One scoring pass of a padded batch (shared prefix, chosen rows and their targets), returning `fetches`. */
  private async run(batch: PaddedBatch, rowsOn: boolean, targets: Int32Array | null, fetches: string[]): Promise<Record<string, TjsTensor>> {
    if (batch.logitRows && !rowsOn) throw new Error('this model cannot compute chosen logit rows');
    const shape = [batch.B, batch.T];
    const inputs: Record<string, unknown> & { input_ids: Tensor } = {
      input_ids: new Tensor('int64', batch.inputIds, shape),
      attention_mask: new Tensor('int64', batch.attentionMask, shape),
      position_ids: new Tensor('int64', batch.positionIds, shape),
    };
    const P = batch.prefix?.length ?? 0;
    if (P > 0) {
      // Rows after a shared prefix: its cached keys/values tiled to the batch, the mask covering prefix + row.
      if (this.kvNames.length === 0) throw new Error('this model has no KV cache inputs: cannot run a prefixed batch');
      const entry = await this.prefixKv(batch.prefix!);
      const past: Record<string, unknown> = {};
      for (const [name, t] of entry.kv) past[name] = new Tensor(t.type as 'float32', tileBatch(t.data, batch.B) as Float32Array, [t.dims[0]! * batch.B, ...t.dims.slice(1)]);
      inputs.attention_mask = new Tensor('int64', prefixedAttentionMask(P, batch.B, batch.T, batch.attentionMask), [batch.B, P + batch.T]);
      inputs.past_key_values = past;
    }
    // only what scoring reads is copied back (not the present.* keys/values)
    const args: RowArgs = rowsOn ? { fetches, ...(batch.logitRows ? { rows: batch.logitRows } : {}), ...(batch.logitRows && targets ? { targets } : {}) } : {};
    return await runRows(this.model, inputs, args);
  }

  /**
   * The keys/values of a prefix (batch 1), from the cache, or computed: when a shorter cached
   * prefix matches, only the missing tokens are run on top of it.
   */
  private async prefixKv(ids: number[]): Promise<PrefixEntry> {
    const hit = this.prefixCache.lookup(ids);
    if (hit && hit.ids.length === ids.length) return hit;
    const from = hit ? hit.ids.length : 0;
    const L = ids.length - from;
    const inputs: Record<string, unknown> & { input_ids: Tensor } = {
      input_ids: int64Tensor(ids.slice(from), [1, L]),
      attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      position_ids: int64Tensor(Array.from({ length: L }, (_, i) => from + i), [1, L]),
    };
    if (hit) {
      const past: Record<string, unknown> = {};
      for (const [name, t] of hit.kv) past[name] = new Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
      inputs.past_key_values = past;
    }
    // only the keys/values are wanted: with the rows-only LM head, compute the logits of one row
    const out = await runRows(this.model, inputs, this.rowsOk ? { rows: Int32Array.of(L - 1), fetches: this.kvNames.map(presentName) } : {});
    const kv = new Map<string, KvTensor>();
    let bytes = 0;
    try {
      for (const name of this.kvNames) {
        const present = out[presentName(name)];
        if (!present) throw new Error(`the model returned no ${presentName(name)}`);
        const data = await tensorData(present);
        kv.set(name, { type: present.type, data, dims: [...present.dims] });
        bytes += data.length * data.BYTES_PER_ELEMENT;
      }
    } finally {
      disposeOutputs(out);
    }
    const entry: PrefixEntry = { ids: [...ids], kv, bytes };
    this.prefixCache.add(entry);
    return entry;
  }

  /** Greedy continuations of `prompts` (new text only, up to an end-of-sequence token). */
  async generate(prompts: string[], maxNewTokens: number, addSpecialTokens: boolean): Promise<string[]> {
    if (prompts.length === 0) return [];
    const tok = this.tokenizer;
    const limit = Math.max(1, (this.contextLength ?? 2048) - maxNewTokens);
    const padId = BigInt(this.padId);
    const rows = prompts.map((p) => {
      const ids = tok.encode(p, { add_special_tokens: addSpecialTokens });
      if (ids.length <= limit) return ids;
      // too long: keep the inserted specials (BOS) and the prompt's end
      const lead = addSpecialTokens ? commonPrefix(ids, this.spans.inserted) : 0;
      return [...ids.slice(0, lead), ...ids.slice(ids.length - (limit - lead))];
    });
    const T = Math.max(...rows.map((r) => r.length));
    const B = rows.length;
    const inputIds = new BigInt64Array(B * T);
    const mask = new BigInt64Array(B * T);
    rows.forEach((r, b) => {
      const off = T - r.length; // left padding for generation
      for (let t = 0; t < T; t++) {
        inputIds[b * T + t] = t < off ? padId : BigInt(r[t - off]!);
        mask[b * T + t] = t < off ? 0n : 1n;
      }
    });
    const out = await runWithWasmFallback(this, () =>
      this.model.generate({
        input_ids: new Tensor('int64', inputIds, [B, T]),
        attention_mask: new Tensor('int64', mask, [B, T]),
        max_new_tokens: maxNewTokens,
        do_sample: false,
      }),
    );
    return (out.tolist() as bigint[][]).map((row) => {
      const gen: number[] = [];
      for (const x of row.slice(T)) {
        const id = Number(x);
        if (this.eos.has(id)) break;
        gen.push(id);
      }
      return tok.decode(gen, { skip_special_tokens: true });
    });
  }

  async dispose(): Promise<void> {
    this.prefixCache.clear();
    await this.model.dispose().catch(() => undefined);
    releaseSource(this.setup);
  }
}
