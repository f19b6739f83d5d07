// Engine implementation on @huggingface/transformers 4.3.1. The same file runs in Node
// (onnxruntime-node, via the package's node build) and in a browser Web Worker (onnxruntime-web,
// via its web build). See docs/metrics.md for the metrics and src/engine/types.ts for the API.

import { AutoModelForCausalLM, AutoTokenizer, Tensor, env, pipeline } from '@huggingface/transformers';
import { makeTemplate, type ChatRenderer, type RenderedText } from '../core/templates';
import type { Turn } from '../core/types';
import {
  alignPieces,
  byteLevelPieceBytes,
  commonPrefix,
  responseTokenRange,
  sentencePiecePieceBytes,
  utf8,
  utf8Offset,
  type TokenPiece,
} from '../core/metrics/spans';
import { tokenNll } from '../core/metrics/numerics';
import { scoreItems, abortError } from '../core/scoring/scorer';
import type { PaddedBatch, ScoringBackend, TokenizedText } from '../core/scoring/types';
import { padBatch } from '../core/scoring/planner';
import { PrefixKvCache, prefixedAttentionMask, tileBatch, type KvTensor, type PrefixEntry } from './prefixCache';
import { LOGIT_ROWS_INPUT, LOGIT_TARGETS_INPUT, TARGET_LOGPROB_OUTPUT, patchLogitRows } from './logitRows';
import type {
  DType,
  DeviceKind,
  Engine,
  GenerateRequest,
  LoadInfo,
  LoadOptions,
  LoadProgress,
  ModelSource,
  ScoreProgress,
  ScoreRequest,
  ScoreResult,
} from './types';

// ---------------------------------------------------------------------------------------------
// Runtime detection and ONNX Runtime Web settings

type ProcessLike = { release?: { name?: string } };
const IS_NODE = (globalThis as { process?: ProcessLike }).process?.release?.name === 'node';

/** Where onnxruntime-web's files are served from: the app's own origin, never a CDN. */
export const ORT_WASM_PATHS = {
  mjs: '/ort/ort-wasm-simd-threaded.asyncify.mjs',
  wasm: '/ort/ort-wasm-simd-threaded.asyncify.wasm',
};

interface OnnxWasmEnv {
  wasmPaths?: unknown;
  numThreads?: number;
  proxy?: boolean;
}

let webConfigured: number | null = null;

/** Browser only: ORT wasm files from our origin; threads = hardwareConcurrency when cross-origin isolated. */
function configureWeb(): number {
  if (webConfigured !== null) return webConfigured;
  const wasm = (env.backends.onnx as { wasm?: OnnxWasmEnv }).wasm;
  let threads = 1;
  if (wasm) {
    wasm.wasmPaths = { ...ORT_WASM_PATHS };
    const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
    threads = g.crossOriginIsolated ? Math.max(1, g.navigator?.hardwareConcurrency ?? 1) : 1;
    wasm.numThreads = threads;
    wasm.proxy = false;
  }
  webConfigured = threads;
  return threads;
}

// ---------------------------------------------------------------------------------------------
// Model sources. transformers.js reads its global `env` while loading, so loads are serialized
// and each one sets the env for its source.

const PICKED_PREFIX = '/__quarry_picked__/';
const picked = new Map<string, Map<string, Blob>>();
let pickedCounter = 0;

/** Strips a common leading folder ('mymodel/config.json' -> 'config.json') and backslashes. */
export function normalizePickedFiles(files: Map<string, Blob>): Map<string, Blob> {
  const norm = new Map<string, Blob>();
  for (const [k, v] of files) norm.set(k.replace(/\\/g, '/').replace(/^\.?\//, ''), v);
  if (norm.has('config.json')) return norm;
  const firsts = new Set([...norm.keys()].map((k) => k.split('/')[0]));
  if (firsts.size === 1) {
    const [root] = firsts;
    const out = new Map<string, Blob>();
    for (const [k, v] of norm) out.set(k.slice(root!.length + 1), v);
    if (out.has('config.json')) return out;
  }
  return norm;
}

const PICKED_KEY = /(quarry-picked-\d+)\/(?:resolve\/[^/]+\/)?(.+)$/;

/**
 * Serves picked-folder files to transformers.js as cache hits. transformers.js looks a file up
 * under its local path ('/__quarry_picked__/quarry-picked-1/config.json') and, in Node with
 * return_path, again under the remote-style key ('<remoteHost>quarry-picked-1/resolve/main/...').
 * Nothing is ever stored (put is a no-op), so a picked model is not copied into any cache.
 */
const pickedCache = {
  async match(key: string): Promise<Response | undefined> {
    const m = PICKED_KEY.exec(key);
    const blob = m ? picked.get(m[1]!)?.get(decodeURIComponent(m[2]!)) : undefined;
    if (!blob) return undefined;
    return new Response(blob, { status: 200, headers: { 'content-length': String(blob.size) } });
  },
  async put(): Promise<void> {},
};

let fetchWrapped = false;
/** Missing picked files must read as 404, never reach a server (whose SPA fallback could answer 200). */
function wrapFetch(): void {
  if (fetchWrapped) return;
  const inner = env.fetch;
  env.fetch = (input: string | URL, init?: unknown) => {
    const url = String(input);
    if (url.includes(PICKED_PREFIX)) return Promise.resolve(new Response(null, { status: 404 }));
    return inner(input, init);
  };
  fetchWrapped = true;
}

interface SourceSetup {
  /** The id passed to from_pretrained. */
  id: string;
  display: string;
  options: { revision?: string; local_files_only?: boolean };
  /** Does `file` (e.g. 'onnx/model_quantized.onnx') exist? null = could not tell. */
  exists(file: string): Promise<boolean | null>;
}

const DEFAULT_REMOTE_HOST = 'https://huggingface.co/';
const savedEnv = {
  allowLocalModels: env.allowLocalModels,
  allowRemoteModels: env.allowRemoteModels,
  localModelPath: env.localModelPath,
  remoteHost: env.remoteHost,
  useCustomCache: env.useCustomCache,
  customCache: env.customCache,
};

function withSlash(s: string): string {
  return s.endsWith('/') ? s : `${s}/`;
}

/**
 * Node only. (transformers.js' own metadata check would open a read stream on the file and
 * buffer all of it.) The specifier is not a literal so that bundlers leave it alone.
 */
async function nodeFileExists(file: string): Promise<boolean | null> {
  try {
    const spec = 'node:fs';
    const fs = (await import(/* @vite-ignore */ spec)) as { existsSync(p: string): boolean };
    return fs.existsSync(file);
  } catch {
    return null;
  }
}

async function headExists(url: string): Promise<boolean | null> {
  try {
    const r = await env.fetch(url, { method: 'HEAD' });
    if (r.ok) return true;
    if (r.status === 404 || r.status === 401 || r.status === 403) return false;
    return null;
  } catch {
    return null;
  }
}

/** Sets transformers.js' env for `src`. Must run under `envLock`. */
function applySource(src: ModelSource): SourceSetup {
  wrapFetch();
  env.useCustomCache = savedEnv.useCustomCache;
  env.customCache = savedEnv.customCache;
  switch (src.kind) {
    case 'hub': {
      env.allowLocalModels = false;
      env.allowRemoteModels = true;
      env.remoteHost = withSlash(src.remoteHost ?? DEFAULT_REMOTE_HOST);
      const rev = src.revision ?? 'main';
      const base = `${env.remoteHost}${src.id}/resolve/${encodeURIComponent(rev)}/`;
      return { id: src.id, display: src.id, options: { revision: rev }, exists: (f) => headExists(base + f) };
    }
    case 'local': {
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
      env.localModelPath = withSlash(src.root);
      const id = src.id.replace(/^\/+|\/+$/g, '');
      const base = `${env.localModelPath}${id}/`;
      return {
        id,
        display: id,
        options: { local_files_only: true },
        exists: IS_NODE ? (f) => nodeFileExists(base + f) : (f) => headExists(base + f),
      };
    }
    case 'files': {
      const files = normalizePickedFiles(src.files);
      const token = `quarry-picked-${++pickedCounter}`;
      picked.set(token, files);
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
      env.localModelPath = PICKED_PREFIX;
      env.useCustomCache = true;
      env.customCache = pickedCache;
      return { id: token, display: src.id, options: { local_files_only: true }, exists: async (f) => files.has(f) };
    }
  }
}

function restoreEnv(): void {
  env.useCustomCache = savedEnv.useCustomCache;
  env.customCache = savedEnv.customCache;
}

let envLock: Promise<unknown> = Promise.resolve();
function withEnv<T>(fn: () => Promise<T>): Promise<T> {
  const run = envLock.then(fn, fn);
  envLock = run.catch(() => undefined);
  return run;
}

// ---------------------------------------------------------------------------------------------
// Dtype / device choice

export const DTYPE_SUFFIX: Record<DType, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };

function dtypeCandidates(requested: DType | undefined, device: DeviceKind, f16: boolean): DType[] {
  const pref: DType[] =
    device === 'webgpu' ? (f16 ? ['fp16', 'fp32', 'q4', 'q8'] : ['fp32', 'q4', 'q8']) : device === 'cpu' ? ['fp32', 'q8', 'q4', 'fp16'] : ['q8', 'q4', 'fp32', 'fp16'];
  return requested ? [requested, ...pref.filter((d) => d !== requested)] : pref;
}

/** First candidate whose onnx file exists (checked in order); the requested dtype wins when existence is unknown. */
async function pickDtype(setup: SourceSetup, base: string, candidates: DType[], requested: DType | undefined): Promise<{ dtype: DType; note: string }> {
  let allUnknown = true;
  for (let i = 0; i < candidates.length; i++) {
    const d = candidates[i]!;
    const ok = await setup.exists(`onnx/${base}${DTYPE_SUFFIX[d]}.onnx`);
    if (ok !== null) allUnknown = false;
    if (ok === true || (ok === null && i === 0)) {
      const note = requested && d !== requested ? `${requested} requested but onnx/${base}${DTYPE_SUFFIX[requested]}.onnx is absent -> ${d}` : `dtype ${d}`;
      return { dtype: d, note };
    }
  }
  if (allUnknown) return { dtype: candidates[0]!, note: `dtype ${candidates[0]} (file list unknown)` };
  throw new Error(`no ONNX file found for ${setup.display} (looked for onnx/${base}{${candidates.map((d) => DTYPE_SUFFIX[d] || "''").join(',')}}.onnx)`);
}

interface GpuAdapterLike {
  features: { has(f: string): boolean };
}

async function webgpuAdapter(): Promise<GpuAdapterLike | null> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } } }).navigator?.gpu;
  if (!gpu) return null;
  try {
    return await gpu.requestAdapter();
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Loose views of the transformers.js objects we use

interface TjsTensor {
  dims: number[];
  type: string;
  data: ArrayLike<number | bigint>;
  location?: string;
  dispose?: () => void;
  tolist(): unknown;
}
interface TjsAddedToken {
  content: string;
  special?: boolean;
}
interface TjsTokenizer {
  encode(text: string, opts?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[] | bigint[], opts?: { skip_special_tokens?: boolean }): string;
  apply_chat_template(messages: Turn[], opts: { tokenize: false; add_generation_prompt: boolean }): string;
  chat_template?: unknown;
  pad_token_id?: number | null;
  eos_token_id?: number | null;
  model_max_length?: number;
  _tokenizerJSON?: { decoder?: unknown; pre_tokenizer?: unknown; added_tokens?: Array<{ id: number; content: string; special?: boolean }> };
  _tokenizer?: { id_to_token(id: number): string | undefined; get_added_tokens_decoder?: () => Map<number, TjsAddedToken> };
}
interface TjsSession {
  inputNames: string[];
  outputNames: string[];
  inputMetadata?: Array<{ name: string }>;
  outputMetadata?: unknown;
  config?: unknown;
  run(feeds: Record<string, unknown>, ...rest: unknown[]): Promise<Record<string, unknown>>;
  release(): Promise<void>;
}

/**
 * The LM session after patchLogitRows, as transformers.js sees it: the original input names, and
 * every run gets quarry_logit_rows = `pending` (set by forward() right before a scoring pass) or
 * an empty tensor (all rows, e.g. during generation), and quarry_logit_targets = `targets` or
 * empty. `fetches`, when set, limits the outputs the runtime copies back (a scoring pass needs the
 * logits or log p(target) only, not the present.* keys/values).
 */
interface RowSession extends TjsSession {
  pending: unknown;
  targets: unknown;
  fetches: string[] | null;
}

const ortInt64 = (xs: Int32Array) => (new Tensor('int64', BigInt64Array.from(xs, (x) => BigInt(x)), [xs.length]) as unknown as { ort_tensor: unknown }).ort_tensor;

function rowSession(inner: TjsSession, config: unknown): RowSession {
  const ours = (n: string) => n === LOGIT_ROWS_INPUT || n === LOGIT_TARGETS_INPUT;
  const empty = ortInt64(new Int32Array(0));
  const s: RowSession = {
    pending: null,
    targets: null,
    fetches: null,
    inputNames: inner.inputNames.filter((n) => !ours(n)),
    outputNames: inner.outputNames,
    inputMetadata: inner.inputMetadata?.filter((m) => !ours(m.name)),
    outputMetadata: inner.outputMetadata,
    config,
    run(feeds, ...rest) {
      const rows = s.pending ?? empty;
      const targets = s.targets ?? empty;
      const fetches = s.fetches;
      s.pending = null;
      s.targets = null;
      s.fetches = null;
      const all = { ...feeds, [LOGIT_ROWS_INPUT]: rows, [LOGIT_TARGETS_INPUT]: targets };
      return fetches && rest.length === 0 ? inner.run(all, fetches) : inner.run(all, ...rest);
    },
    release: () => inner.release(),
  };
  return s;
}
interface TjsModel {
  (inputs: Record<string, unknown>): Promise<Record<string, TjsTensor>>;
  sessions?: Record<string, TjsSession | undefined>;
  generate(opts: Record<string, unknown>): Promise<TjsTensor>;
  dispose(): Promise<unknown>;
  config: Record<string, unknown>;
  generation_config?: { eos_token_id?: number | number[] | null } | null;
}
type TjsExtractor = ((texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<TjsTensor>) & {
  dispose(): Promise<unknown>;
};

function toFloat32(t: TjsTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.type === 'float16') {
    const src = t.data as ArrayLike<number>;
    // Float16Array (when the runtime has it) converts on read; raw Uint16Array needs decoding.
    if (!(src instanceof Uint16Array)) return Float32Array.from(src);
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]!);
    return out;
  }
  return Float32Array.from(t.data as ArrayLike<number>);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function disposeOutputs(out: Record<string, TjsTensor>, keep: TjsTensor): void {
  for (const t of Object.values(out)) if (t !== keep && t.location === 'gpu-buffer') t.dispose?.();
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

// ---------------------------------------------------------------------------------------------
// Tokenization with response spans

type Family = 'byte-level' | 'sentencepiece' | 'unknown';

function scanTypes(node: unknown, out: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) scanTypes(n, out);
    return;
  }
  const o = node as Record<string, unknown>;
  if (typeof o.type === 'string') {
    out.add(o.type);
    if (o.type === 'Replace' && JSON.stringify(o.pattern ?? '').includes('\u2581')) out.add('Replace\u2581');
  }
  for (const v of Object.values(o)) if (v && typeof v === 'object') scanTypes(v, out);
}

export function tokenizerFamily(tok: TjsTokenizer): Family {
  const types = new Set<string>();
  scanTypes(tok._tokenizerJSON?.decoder, types);
  if (types.has('ByteLevel')) return 'byte-level';
  if (types.has('Metaspace') || types.has('Replace\u2581') || types.has('ByteFallback')) return 'sentencepiece';
  return 'unknown';
}

/** Tokenizer wrapper that finds the response tokens of a rendered text (see metrics/spans.ts). */
export class SpanTokenizer {
  readonly family: Family;
  private readonly pieceCache = new Map<number, Uint8Array | null>();
  private readonly added = new Map<number, string>();
  /** Ids the tokenizer inserts around any text (encode('') with special tokens), e.g. [BOS]. */
  readonly inserted: number[];

  constructor(readonly tok: TjsTokenizer) {
    this.family = tokenizerFamily(tok);
    const dec = tok._tokenizer?.get_added_tokens_decoder?.();
    if (dec) for (const [id, t] of dec) this.added.set(id, t.content);
    else for (const t of tok._tokenizerJSON?.added_tokens ?? []) this.added.set(t.id, t.content);
    this.inserted = tok.encode('', { add_special_tokens: true });
  }

  private piece(id: number): Uint8Array | null {
    let b = this.pieceCache.get(id);
    if (b !== undefined) return b;
    const added = this.added.get(id);
    const s = added ?? this.tok._tokenizer?.id_to_token(id);
    if (s === undefined) b = null;
    else if (added !== undefined) b = utf8(added);
    else if (this.family === 'byte-level') b = byteLevelPieceBytes(s);
    else if (this.family === 'sentencepiece') b = sentencePiecePieceBytes(s);
    else b = null;
    this.pieceCache.set(id, b);
    return b;
  }

  private lead(ids: number[], addSpecialTokens: boolean): number {
    if (!addSpecialTokens) return 0;
    const n = this.inserted.length;
    // tokens the tokenizer inserts at the start (e.g. BOS): encode('') = [BOS] (+ maybe EOS at the end)
    let k = 0;
    while (k < n && ids[k] === this.inserted[k]) k++;
    return k;
  }

  tokenize(r: RenderedText, addSpecialTokens: boolean): TokenizedText {
    const ids = this.tok.encode(r.text, { add_special_tokens: addSpecialTokens });
    const lead = this.lead(ids, addSpecialTokens);
    if (this.family !== 'unknown') {
      const textBytes = utf8(r.text);
      const pieces: TokenPiece[] = ids.map((id) => ({ bytes: this.piece(id), special: this.added.has(id) }));
      const spans = alignPieces(textBytes, pieces);
      if (spans) {
        const rs = utf8Offset(r.text, r.responseStart);
        const re = utf8Offset(r.text, r.responseEnd);
        const { start, end } = responseTokenRange(spans, rs, re);
        const respSpans = new Int32Array(2 * (end - start));
        for (let k = start; k < end; k++) {
          respSpans[2 * (k - start)] = spans.starts[k]! - rs;
          respSpans[2 * (k - start) + 1] = spans.ends[k]! - rs;
        }
        return { ids, respStart: Math.max(start, lead), respEnd: end, lead, respSpans, method: 'offsets' };
      }
    }
    return this.tokenizeByPrefix(r, ids, addSpecialTokens, lead);
  }

  /**
   * Fallback (Cherry LLM's method, made boundary-safe): tokenize the text up to the response
   * start alone; the response starts at the first token where the joint tokenization departs
   * from it (a straddling token counts as response). Same for the response end.
   */
  private tokenizeByPrefix(r: RenderedText, ids: number[], addSpecialTokens: boolean, lead: number): TokenizedText {
    const strip = (a: number[]) => {
      // the prefix encoding may end with inserted specials (EOS) that the joint one has later
      const tail = this.inserted.slice(this.lead(this.inserted, true));
      return tail.length > 0 && a.length >= tail.length && tail.every((t, i) => a[a.length - tail.length + i] === t) ? a.slice(0, a.length - tail.length) : a;
    };
    const pre = strip(this.tok.encode(r.text.slice(0, r.responseStart), { add_special_tokens: addSpecialTokens }));
    const start = Math.min(commonPrefix(ids, pre), pre.length);
    let end = ids.length;
    if (r.responseEnd < r.text.length) {
      const upto = strip(this.tok.encode(r.text.slice(0, r.responseEnd), { add_special_tokens: addSpecialTokens }));
      const cp = commonPrefix(ids, upto);
      end = cp === upto.length ? cp : cp + 1;
    } else {
      end = strip(ids).length;
    }
    return { ids, respStart: Math.max(start, lead), respEnd: Math.max(end, start), lead, respSpans: null, method: 'prefix' };
  }
}

// ---------------------------------------------------------------------------------------------
// The engine

interface Loaded {
  setup: SourceSetup;
  opts: LoadOptions;
  tokenizer: TjsTokenizer;
  spans: SpanTokenizer;
  model: TjsModel;
  device: DeviceKind;
  dtype: DType;
  vocabSize: number;
  contextLength: number | null;
  eos: Set<number>;
  /** past_key_values.* input names whose present.* outputs exist (empty: no KV cache in the graph). */
  kvNames: string[];
  /** Shared-prefix KV cache usable (the graph has a KV cache and the load-time probe agreed). */
  prefixOk: boolean;
  /** The LM head runs on chosen rows only (PaddedBatch.logitRows); null: the original graph. */
  rows: RowSession | null;
  /** The patched graph's log-likelihood tail (log p(target) per row) agreed with the logits at load. */
  targetsOk: boolean;
}

/** The past_key_values.* inputs of a decoder graph that have a matching present.* output. */
function kvInputNames(model: TjsModel): string[] {
  const session = model.sessions?.model ?? model.sessions?.decoder_model_merged;
  if (!session?.inputNames || !session.outputNames) return [];
  const past = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
  const ok = past.length > 0 && past.every((n) => session.outputNames.includes(n.replace('past_key_values.', 'present.')));
  return ok ? past : [];
}

/** A tensor's data on the CPU (read back when it lives on the GPU). */
async function tensorData(t: TjsTensor): Promise<KvTensor['data']> {
  if (t.location === 'gpu-buffer') {
    const ort = (t as unknown as { ort_tensor?: { getData(release?: boolean): Promise<KvTensor['data']> } }).ort_tensor;
    if (!ort) throw new Error('cannot read a GPU tensor back');
    return await ort.getData();
  }
  return t.data as unknown as KvTensor['data'];
}

interface LoadedEmbed {
  id: string;
  display: string;
  extractor: TjsExtractor;
  device: DeviceKind;
  dtype: DType;
  /** Where it came from and the dtype asked for (to load it again on WASM after a WebGPU failure). */
  source: ModelSource;
  requestedDtype: DType | undefined;
}

export class TransformersEngine implements Engine {
  private lm: Loaded | null = null;
  private emb: LoadedEmbed | null = null;
  private info: LoadInfo | null = null;
  /** Keys/values of shared prefixes (template headers) of the loaded LM; cleared with it. */
  private readonly prefixCache = new PrefixKvCache();
  private readonly infoListeners = new Set<(info: LoadInfo) => void>();

  onInfoChange(listener: (info: LoadInfo) => void): () => void {
    this.infoListeners.add(listener);
    return () => this.infoListeners.delete(listener);
  }

  private notifyInfo(info: LoadInfo): void {
    this.info = info;
    for (const listener of this.infoListeners) listener(info);
  }

  get loadInfo(): LoadInfo | null {
    return this.info;
  }

  async load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadInfo> {
    await this.dispose();
    const numThreads = IS_NODE ? null : configureWeb();
    const progress = (x: unknown) => {
      const p = x as { status?: string; file?: string; loaded?: number; total?: number };
      if (p.status === 'progress' && p.file) onProgress?.({ phase: 'download', file: p.file, loaded: p.loaded ?? 0, total: p.total ?? 0 });
    };

    // Device
    let device: DeviceKind;
    const reasons: string[] = [];
    let f16 = false;
    const pref = opts.device ?? 'auto';
    if (IS_NODE) {
      device = pref === 'webgpu' ? 'webgpu' : 'cpu';
      reasons.push(pref === 'auto' || pref === 'cpu' ? 'node: onnxruntime-node cpu' : pref === 'wasm' ? 'node: wasm not available, onnxruntime-node cpu' : 'node: webgpu requested');
    } else if (pref === 'wasm' || pref === 'cpu') {
      device = 'wasm';
      reasons.push(`wasm requested`);
    } else {
      const adapter = await webgpuAdapter();
      f16 = adapter?.features.has('shader-f16') ?? false;
      if (!adapter) {
        device = 'wasm';
        reasons.push('no WebGPU adapter -> wasm');
      } else if (opts.dtype === 'fp16' && !f16) {
        device = 'wasm';
        reasons.push('WebGPU adapter lacks shader-f16 for fp16 -> wasm');
      } else {
        device = 'webgpu';
        reasons.push(pref === 'webgpu' ? 'webgpu requested' : `WebGPU adapter found${f16 ? ' (shader-f16)' : ''}`);
      }
    }

    const lm = await withEnv(async () => {
      const setup = applySource(opts.model);
      try {
        onProgress?.({ phase: 'status', message: `loading tokenizer of ${setup.display}` });
        const tokenizer = (await AutoTokenizer.from_pretrained(setup.id, { ...setup.options, progress_callback: progress })) as unknown as TjsTokenizer;
        let { dtype, note } = await pickDtype(setup, 'model', dtypeCandidates(opts.dtype, device, f16), opts.dtype);
        onProgress?.({ phase: 'status', message: `loading ${setup.display} (${dtype}, ${device})` });
        let model: TjsModel | null = null;
        try {
          model = await this.loadModel(setup, device, dtype, progress);
          if (device === 'webgpu') await this.warmup(model);
        } catch (e) {
          if (device !== 'webgpu') throw e;
          await model?.dispose().catch(() => undefined);
          reasons.push(`webgpu failed (${errMessage(e)}) -> wasm`);
          device = 'wasm';
          ({ dtype, note } = await pickDtype(setup, 'model', dtypeCandidates(opts.dtype === 'fp16' ? undefined : opts.dtype, device, false), opts.dtype));
          model = await this.loadModel(setup, device, dtype, progress);
        }
        reasons.push(note);
        const cfg = model.config;
        const vocabSize = Number(cfg.vocab_size);
        const ctx = Number(cfg.max_position_embeddings ?? cfg.n_positions ?? cfg.n_ctx ?? tokenizer.model_max_length);
        const eosRaw = model.generation_config?.eos_token_id ?? cfg.eos_token_id ?? tokenizer.eos_token_id;
        const eos = new Set<number>((Array.isArray(eosRaw) ? eosRaw : eosRaw == null ? [] : [eosRaw]).map(Number));
        const loaded: Loaded = {
          setup,
          opts,
          tokenizer,
          spans: new SpanTokenizer(tokenizer),
          model,
          device,
          dtype,
          vocabSize,
          contextLength: Number.isFinite(ctx) && ctx > 0 && ctx < 1e7 ? ctx : null,
          eos,
          kvNames: kvInputNames(model),
          prefixOk: false,
          rows: null,
          targetsOk: false,
        };
        return loaded;
      } finally {
        restoreEnv();
      }
    });
    this.lm = lm;
    const { vocab, batchInvariant, noise } = await this.probe();
    lm.vocabSize = vocab; // the logits' real last dimension (config.vocab_size may be absent or padded)
    if (!batchInvariant) reasons.push('logits depend on batch composition (dynamic quantization?): use batch size 1 for exact results');
    const prefix = await this.probePrefix(noise);
    lm.prefixOk = prefix.ok;
    if (prefix.note) reasons.push(prefix.note);
    const rowsNote = await this.installLogitRows();
    if (rowsNote) reasons.push(rowsNote);

    if (opts.embedModel) {
      const first: DeviceKind = IS_NODE ? 'cpu' : lm.device;
      try {
        this.emb = await this.loadEmbedder(opts.embedModel, first, opts.embedDtype, f16, progress, onProgress);
      } catch (e) {
        if (first !== 'webgpu') throw e;
        reasons.push(`embedder on webgpu failed (${errMessage(e)}) -> wasm`);
        this.emb = await this.loadEmbedder(opts.embedModel, 'wasm', opts.embedDtype, false, progress, onProgress);
      }
    }

    this.info = {
      model: lm.setup.display,
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
      batchInvariant,
      prefixCache: lm.prefixOk,
    };
    return this.info;
  }

  private async loadEmbedder(
    source: ModelSource,
    dev: DeviceKind,
    requestedDtype: DType | undefined,
    f16: boolean,
    progress: (x: unknown) => void,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<LoadedEmbed> {
    return withEnv(async () => {
      const setup = applySource(source);
      try {
        const { dtype } = await pickDtype(setup, 'model', dtypeCandidates(requestedDtype, dev, f16 && dev === 'webgpu'), requestedDtype);
        onProgress?.({ phase: 'status', message: `loading embedder ${setup.display} (${dtype}, ${dev})` });
        const extractor = (await pipeline('feature-extraction', setup.id, {
          ...setup.options,
          dtype,
          device: dev,
          progress_callback: progress,
        })) as unknown as TjsExtractor;
        if (dev === 'webgpu') await extractor(['warm up'], { pooling: 'mean', normalize: true });
        return { id: setup.id, display: setup.display, extractor, device: dev, dtype, source, requestedDtype };
      } finally {
        restoreEnv();
      }
    });
  }

  /**
   * Runs a short sequence alone (gives the logits' vocabulary dimension) and next to a longer one
   * in a right-padded batch: are its logits the same (1e-4)?
   */
  private async probe(): Promise<{ vocab: number; batchInvariant: boolean; noise: number }> {
    const a = Array.from({ length: 6 }, (_, i) => 3 + ((7 + 13 * i) % 50));
    const b = Array.from({ length: 24 }, (_, i) => 3 + ((3 + 29 * i) % 50));
    const alone = await this.forward(padBatch([a], 0));
    const V = alone.length / a.length;
    if (!Number.isInteger(V) || V < 2) throw new Error(`unexpected logits size ${alone.length} for ${a.length} tokens`);
    const mixed = await this.forward(padBatch([b, a], 0));
    const T = b.length;
    let maxDiff = 0;
    for (let t = 0; t < a.length; t++) {
      for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(alone[t * V + v]! - mixed[(T + t) * V + v]!));
    }
    return { vocab: V, batchInvariant: maxDiff <= 1e-4, noise: maxDiff };
  }

  /**
   * Can rows run on top of a cached prefix (PaddedBatch.prefix)? Two right-padded rows sharing a
   * 10-token prefix, run whole and run after the prefix: their logits must agree within the
   * model's own batch noise (1e-4, or 10x what probe() measured for dynamically quantized
   * graphs). Graphs whose attention assumes left-aligned rows when a past is given (e.g. some
   * fused GroupQueryAttention exports) fail this and score without the prefix cache.
   */
  private async probePrefix(noise: number): Promise<{ ok: boolean; note?: string }> {
    const lm = this.requireLm();
    if (lm.kvNames.length === 0) return { ok: false, note: 'no KV cache inputs: no shared-prefix cache' };
    const pre = Array.from({ length: 10 }, (_, i) => 3 + ((5 + 11 * i) % 50));
    const r1 = [...pre, ...Array.from({ length: 4 }, (_, i) => 3 + ((2 + 7 * i) % 50))];
    const r2 = [...pre, ...Array.from({ length: 12 }, (_, i) => 3 + ((9 + 17 * i) % 50))];
    const P = pre.length;
    let maxDiff = Infinity;
    try {
      const full = await this.forward(padBatch([r2, r1], 0));
      const part = await this.forward(padBatch([r2.slice(P), r1.slice(P)], 0, pre));
      const V = lm.vocabSize;
      const Tf = r2.length;
      const Tp = r2.length - P;
      maxDiff = 0;
      [r2, r1].forEach((r, b) => {
        for (let t = P; t < r.length; t++) {
          for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(full[(b * Tf + t) * V + v]! - part[(b * Tp + t - P) * V + v]!));
        }
      });
    } catch (e) {
      if (isAbort(e)) throw e;
      return { ok: false, note: `shared-prefix cache failed (${errMessage(e)}): not used` };
    } finally {
      this.prefixCache.clear();
    }
    const tol = Math.max(1e-4, 10 * noise);
    if (maxDiff <= tol) return { ok: true };
    return { ok: false, note: `shared-prefix cache disagrees with full passes (${maxDiff.toExponential(1)}): not used` };
  }

  private async loadModel(setup: SourceSetup, device: DeviceKind, dtype: DType, progress: (x: unknown) => void): Promise<TjsModel> {
    return (await AutoModelForCausalLM.from_pretrained(setup.id, {
      ...setup.options,
      dtype,
      device,
      progress_callback: progress,
    })) as unknown as TjsModel;
  }

  private async warmup(model: TjsModel): Promise<void> {
    const ids = new BigInt64Array([1n, 2n, 3n, 4n]);
    const out = await model({
      input_ids: new Tensor('int64', ids, [1, 4]),
      attention_mask: new Tensor('int64', new BigInt64Array([1n, 1n, 1n, 1n]), [1, 4]),
    });
    const logits = out.logits!;
    toFloat32(logits);
    disposeOutputs(out, logits);
  }

  /** Reloads the LM on WASM after a WebGPU failure at run time. */
  /** The bytes of the loaded LM's ONNX file (null when they cannot be had cheaply). */
  private async modelBytes(lm: Loaded): Promise<Uint8Array | null> {
    const file = `onnx/model${DTYPE_SUFFIX[lm.dtype]}.onnx`;
    const src = lm.opts.model;
    if (src.kind === 'files') {
      const blob = picked.get(lm.setup.id)?.get(file);
      return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
    }
    if (src.kind === 'local') {
      const id = src.id.replace(/^\/+|\/+$/g, '');
      if (IS_NODE) {
        const spec = 'node:fs/promises';
        const fs = (await import(/* @vite-ignore */ spec)) as { readFile(p: string): Promise<Uint8Array> };
        return new Uint8Array(await fs.readFile(`${withSlash(src.root)}${id}/${file}`));
      }
      const r = await env.fetch(`${withSlash(src.root)}${id}/${file}`);
      return r.ok ? new Uint8Array(await r.arrayBuffer()) : null;
    }
    // hub: only from transformers.js' browser cache (never downloaded twice)
    const g = globalThis as { caches?: { open(n: string): Promise<{ match(k: string): Promise<Response | undefined> }> } };
    if (IS_NODE || !g.caches) return null;
    const url = `${withSlash(src.remoteHost ?? DEFAULT_REMOTE_HOST)}${src.id}/resolve/${encodeURIComponent(src.revision ?? 'main')}/${file}`;
    const hit = await (await g.caches.open('transformers-cache')).match(url);
    return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
  }

  /**
   * Replaces the LM's session by one whose LM head runs on chosen rows only (logitRows.ts),
   * created with the same execution provider (through the same InferenceSession.create, so the
   * model worker's WebGPU trig patch applies too) and checked against the original on a probe
   * batch; on any failure the original is reloaded. Returns a note for LoadInfo.reason, or null
   * when it was installed.
   */
  private async installLogitRows(): Promise<string | null> {
    const lm = this.requireLm();
    const sessions = lm.model.sessions;
    const original = sessions?.model;
    if (!sessions || !original || sessions.decoder_model_merged) return 'logits of all positions (no single decoder session)';
    const cfg = lm.model.config['transformers.js_config'] as { use_external_data_format?: unknown } | undefined;
    if (cfg?.use_external_data_format) return 'logits of all positions (external-data model)';
    const bytes = await this.modelBytes(lm).catch(() => null);
    const patched = bytes ? patchLogitRows(bytes) : null;
    if (!patched) return 'logits of all positions (graph not patched)';
    const a = Array.from({ length: 7 }, (_, i) => 3 + ((4 + 13 * i) % 50));
    const b = Array.from({ length: 11 }, (_, i) => 3 + ((6 + 23 * i) % 50));
    const probe = () => padBatch([b, a], 0);
    const reference = await this.forward(probe());
    const Ctor = Object.getPrototypeOf(original).constructor as { create(bytes: Uint8Array, opts: object): Promise<TjsSession> };
    // Release first: in a browser the WASM heap would otherwise hold two copies of the model.
    await original.release();
    let note: string | null = null;
    try {
      const options =
        lm.device === 'webgpu'
          ? {
              executionProviders: ['webgpu'],
              logSeverityLevel: 3,
              // as transformers.js does: the KV cache outputs stay on the GPU
              preferredOutputLocation: Object.fromEntries(original.outputNames.filter((n) => n.startsWith('present')).map((n) => [n, 'gpu-buffer'])),
            }
          : { executionProviders: [lm.device === 'cpu' ? 'cpu' : 'wasm'], logSeverityLevel: 3 };
      const inner = await Ctor.create(patched, options);
      const rows = rowSession(inner, original.config);
      sessions.model = rows;
      const all = await this.forward(probe());
      const V = lm.vocabSize;
      const T = b.length;
      const want = [...Array.from({ length: 10 }, (_, t) => t + 1), T + 2, T + 6];
      const sel = await this.forward({ ...probe(), logitRows: Int32Array.from(want) }, rows);
      let dAll = 0;
      for (let i = 0; i < reference.length; i++) dAll = Math.max(dAll, Math.abs(reference[i]! - all[i]!));
      let dSel = 0;
      want.forEach((r, k) => {
        for (let v = 0; v < V; v++) dSel = Math.max(dSel, Math.abs(all[r * V + v]! - sel[k * V + v]!));
      });
      if (dAll > 1e-4 || !(sel.length === want.length * V)) throw new Error(`patched graph disagrees (${dAll.toExponential(1)})`);
      if (dSel <= 1e-4) {
        lm.rows = rows;
        note = await this.checkTargets(probe(), want, sel, rows);
      } else note = `logits of all positions (row selection disagrees: ${dSel.toExponential(1)})`;
    } catch (e) {
      if (isAbort(e)) throw e;
      note = `logits of all positions (${errMessage(e)})`;
      await this.reloadModel(lm, lm.device);
    }
    return note;
  }

  /**
   * Turns the log-likelihood tail on when it agrees with the chosen rows' logits on the probe
   * batch: log p(target) within 1e-4 of a float64 log-softmax here. Returns a note for
   * LoadInfo.reason when it stays off (the scorer then reads logits for every row).
   */
  private async checkTargets(batch: PaddedBatch, want: number[], logits: Float32Array, rows: RowSession): Promise<string | null> {
    const lm = this.requireLm();
    lm.targetsOk = false;
    const V = lm.vocabSize;
    const targets = Int32Array.from(want, (_, k) => (7 + 31 * k) % V);
    try {
      const lp = await this.forwardTargets({ ...batch, logitRows: Int32Array.from(want) }, targets, rows);
      let d = lp.length === want.length ? 0 : Infinity;
      want.forEach((_, k) => (d = Math.max(d, Math.abs(lp[k]! + tokenNll(logits, k * V, V, targets[k]!)))));
      if (!(d <= 1e-4)) return `log-likelihoods in JS (the graph's tail disagrees: ${d.toExponential(1)})`;
      lm.targetsOk = true;
      return null;
    } catch (e) {
      if (isAbort(e)) throw e;
      return `log-likelihoods in JS (${errMessage(e)})`;
    }
  }

  /** Loads the LM again from its source (after a failed session swap). */
  private async reloadModel(lm: Loaded, device: DeviceKind): Promise<void> {
    await lm.model.dispose().catch(() => undefined);
    lm.rows = null;
    lm.targetsOk = false;
    lm.model = await withEnv(async () => {
      const setup = applySource(lm.opts.model);
      try {
        if (lm.setup.id !== setup.id) picked.delete(lm.setup.id);
        lm.setup = setup;
        return await this.loadModel(setup, device, lm.dtype, () => undefined);
      } finally {
        restoreEnv();
      }
    });
  }

  private async fallbackToWasm(reason: string): Promise<void> {
    const lm = this.lm!;
    await lm.model.dispose().catch(() => undefined);
    lm.rows = null;
    lm.targetsOk = false;
    const model = await withEnv(async () => {
      const setup = applySource(lm.opts.model);
      try {
        const { dtype } = await pickDtype(setup, 'model', dtypeCandidates(lm.dtype === 'fp16' ? undefined : lm.dtype, 'wasm', false), lm.dtype);
        lm.dtype = dtype;
        if (lm.setup.id !== setup.id) picked.delete(lm.setup.id);
        lm.setup = setup;
        return await this.loadModel(setup, 'wasm', dtype, () => undefined);
      } finally {
        restoreEnv();
      }
    });
    this.prefixCache.clear();
    lm.model = model;
    lm.device = 'wasm';
    const rowsNote = await this.installLogitRows().catch((e: unknown) => `logits of all positions (${errMessage(e)})`);
    if (this.info) {
      this.info = {
        ...this.info,
        device: 'wasm',
        dtype: lm.dtype,
        reason: `${this.info.reason}; webgpu run failed (${reason}) -> wasm${rowsNote ? `; ${rowsNote}` : ''}`,
      };
      this.notifyInfo(this.info);
    }
  }

  private async withFallback<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (this.lm?.device !== 'webgpu' || isAbort(e)) throw e;
      await this.fallbackToWasm(errMessage(e));
      return await fn();
    }
  }

  private requireLm(): Loaded {
    if (!this.lm) throw new Error('no model loaded');
    return this.lm;
  }

  /**
   * Logits [B, T, V] of a right-padded batch; [N, V] for batch.logitRows when the LM head can run
   * on chosen rows (`rows`: the patched session, default the installed one).
   */
  async forward(batch: PaddedBatch, rows?: RowSession): Promise<Float32Array> {
    return this.withFallback(async () => {
      const lm = this.requireLm();
      // Chosen rows without a row session (a mid-run fallback could not install one): compute
      // all positions and keep the chosen rows, so the scorer's backend contract still holds.
      const gather = batch.logitRows && !(rows ?? lm.rows) ? batch.logitRows : null;
      const run = gather ? { ...batch, logitRows: undefined } : batch;
      const out = await this.runBatch(run, rows ?? null, null, ['logits']);
      const logits = out.logits;
      if (!logits) throw new Error('the model returned no logits');
      const data = toFloat32(logits);
      disposeOutputs(out, logits);
      if (!gather) return data;
      const V = lm.vocabSize;
      const picked = new Float32Array(gather.length * V);
      gather.forEach((r, k) => picked.set(data.subarray(r * V, (r + 1) * V), k * V));
      return picked;
    });
  }

  /**
   * log p(targets[i]) for each of batch.logitRows, from the graph's tail (logitRows.ts); without it
   * (a mid-run fallback lost it), from the rows' logits here.
   */
  async forwardTargets(batch: PaddedBatch & { logitRows: Int32Array }, targets: Int32Array, rows?: RowSession): Promise<Float32Array> {
    return this.withFallback(async () => {
      const lm = this.requireLm();
      if (!lm.targetsOk && !rows) {
        const V = lm.vocabSize;
        const logits = await this.forward(batch);
        return Float32Array.from(targets, (t, k) => -tokenNll(logits, k * V, V, t));
      }
      const out = await this.runBatch(batch, rows ?? null, targets, [TARGET_LOGPROB_OUTPUT]);
      const lp = out[TARGET_LOGPROB_OUTPUT];
      if (!lp) throw new Error('the model returned no log-likelihoods');
      const data = toFloat32(lp);
      disposeOutputs(out, lp);
      return data;
    });
  }

  /** One scoring pass of a padded batch (shared prefix, chosen rows, their targets), returning `fetches`. */
  private async runBatch(batch: PaddedBatch, rows: RowSession | null, targets: Int32Array | null, fetches: string[]): Promise<Record<string, TjsTensor>> {
    const lm = this.requireLm();
    const rowSess = batch.logitRows ? (rows ?? lm.rows) : null;
    if (batch.logitRows && !rowSess) throw new Error('this model cannot compute chosen logit rows');
    const shape = [batch.B, batch.T];
    const inputs: Record<string, unknown> = {
      input_ids: new Tensor('int64', batch.inputIds, shape),
      attention_mask: new Tensor('int64', batch.attentionMask, shape),
      position_ids: new Tensor('int64', batch.positionIds, shape),
    };
    const P = batch.prefix?.length ?? 0;
    if (P > 0) {
      // Rows after a shared prefix: its cached keys/values tiled to the batch, the mask covering prefix + row.
      if (lm.kvNames.length === 0) throw new Error('this model has no KV cache inputs: cannot run a prefixed batch');
      const entry = await this.prefixKv(batch.prefix!);
      const past: Record<string, unknown> = {};
      for (const [name, t] of entry.kv) past[name] = new Tensor(t.type as 'float32', tileBatch(t.data, batch.B) as Float32Array, [t.dims[0]! * batch.B, ...t.dims.slice(1)]);
      inputs.attention_mask = new Tensor('int64', prefixedAttentionMask(P, batch.B, batch.T, batch.attentionMask), [batch.B, P + batch.T]);
      inputs.past_key_values = past;
    }
    if (rowSess && batch.logitRows) {
      rowSess.pending = ortInt64(batch.logitRows);
      if (targets) rowSess.targets = ortInt64(targets);
    }
    // only what scoring reads is copied back (not the present.* keys/values)
    const session = rows ?? lm.rows;
    if (session) session.fetches = fetches;
    try {
      return await lm.model(inputs);
    } finally {
      if (rowSess) {
        rowSess.pending = null;
        rowSess.targets = null;
      }
      if (session) session.fetches = null;
    }
  }

  /**
   * The keys/values of a prefix (batch 1), from the cache, or computed: when a shorter cached
   * prefix matches, only the missing tokens are run on top of it.
   */
  private async prefixKv(ids: number[]): Promise<PrefixEntry> {
    const lm = this.requireLm();
    const hit = this.prefixCache.lookup(ids);
    if (hit && hit.ids.length === ids.length) return hit;
    const from = hit ? hit.ids.length : 0;
    const L = ids.length - from;
    const inputs: Record<string, unknown> = {
      input_ids: new Tensor('int64', BigInt64Array.from(ids.slice(from), (x) => BigInt(x)), [1, L]),
      attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      position_ids: new Tensor('int64', BigInt64Array.from({ length: L }, (_, i) => BigInt(from + i)), [1, L]),
    };
    if (hit) {
      const past: Record<string, unknown> = {};
      for (const [name, t] of hit.kv) past[name] = new Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
      inputs.past_key_values = past;
    }
    // only the keys/values are wanted: with the patched LM head, compute the logits of one row
    if (lm.rows) {
      lm.rows.pending = (new Tensor('int64', new BigInt64Array([BigInt(L - 1)]), [1]) as unknown as { ort_tensor: unknown }).ort_tensor;
      lm.rows.fetches = lm.kvNames.map((n) => n.replace('past_key_values.', 'present.'));
    }
    let out: Record<string, TjsTensor>;
    try {
      out = await lm.model(inputs);
    } finally {
      if (lm.rows) {
        lm.rows.pending = null;
        lm.rows.fetches = null;
      }
    }
    const kv = new Map<string, KvTensor>();
    let bytes = 0;
    try {
      for (const name of lm.kvNames) {
        const present = out[name.replace('past_key_values.', 'present.')];
        if (!present) throw new Error(`the model returned no ${name.replace('past_key_values.', 'present.')}`);
        const data = await tensorData(present);
        kv.set(name, { type: present.type, data, dims: [...present.dims] });
        bytes += data.length * data.BYTES_PER_ELEMENT;
      }
    } finally {
      for (const t of Object.values(out)) if (t.location === 'gpu-buffer') t.dispose?.();
    }
    const entry: PrefixEntry = { ids: [...ids], kv, bytes };
    this.prefixCache.add(entry);
    return entry;
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
    const padId = lm.tokenizer.pad_token_id ?? lm.tokenizer.eos_token_id ?? 0;
    return {
      vocabSize: lm.vocabSize,
      padId: Number(padId),
      prefixCache: lm.prefixOk,
      overlap: lm.device === 'webgpu',
      logitRows: lm.rows !== null,
      tokenize: (r, add) => lm.spans.tokenize(r, add),
      forward: (b) => this.forward(b),
      ...(lm.rows && lm.targetsOk ? { forwardTargets: (b: PaddedBatch & { logitRows: Int32Array }, t: Int32Array) => this.forwardTargets(b, t) } : {}),
      generate: (prompts, n, add, signal) => this.generate({ prompts, maxNewTokens: n, addSpecialTokens: add }, signal),
      embed: this.emb ? (texts, signal) => this.embed(texts, signal) : undefined,
    };
  }

  async score(req: ScoreRequest, onProgress?: (p: ScoreProgress) => void, signal?: AbortSignal): Promise<ScoreResult[]> {
    const lm = this.requireLm();
    const template = makeTemplate(req.template, req.template === 'chat' ? this.chatRenderer() : undefined);
    const maxTokens = Math.max(8, Math.min(req.maxTokens ?? 512, lm.contextLength ?? Infinity));
    const embedConsistency = (req.embedConsistency ?? false) && this.emb !== null;
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
        embedConsistency,
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
    const lm = this.requireLm();
    const maxNew = Math.max(1, req.maxNewTokens ?? 32);
    const add = req.addSpecialTokens ?? true;
    if (req.prompts.length === 0) return [];
    const limit = Math.max(1, (lm.contextLength ?? 2048) - maxNew);
    const padId = BigInt(lm.tokenizer.pad_token_id ?? lm.tokenizer.eos_token_id ?? 0);
    const rows = req.prompts.map((p) => {
      const ids = lm.tokenizer.encode(p, { add_special_tokens: add });
      if (ids.length <= limit) return ids;
      const lead = add ? commonPrefix(ids, lm.spans.inserted) : 0;
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
    const out = await this.withFallback(() =>
      lm.model.generate({
        input_ids: new Tensor('int64', inputIds, [B, T]),
        attention_mask: new Tensor('int64', mask, [B, T]),
        max_new_tokens: maxNew,
        do_sample: false,
      }),
    );
    const all = out.tolist() as bigint[][];
    return all.map((row) => {
      const gen: number[] = [];
      for (const x of row.slice(T)) {
        const id = Number(x);
        if (lm.eos.has(id)) break;
        gen.push(id);
      }
      return lm.tokenizer.decode(gen, { skip_special_tokens: true });
    });
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (signal?.aborted) throw abortError();
    if (!this.emb) throw new Error('no embedding model loaded');
    if (texts.length === 0) return [];
    let out: TjsTensor;
    try {
      out = await this.emb.extractor(texts, { pooling: 'mean', normalize: true });
    } catch (e) {
      // as for the LM (withFallback): a WebGPU failure mid-run continues on WASM, visibly
      if (this.emb.device !== 'webgpu' || isAbort(e)) throw e;
      const failed = this.emb;
      await failed.extractor.dispose().catch(() => undefined);
      this.emb = await this.loadEmbedder(failed.source, 'wasm', failed.requestedDtype, false, () => undefined);
      if (this.info) this.notifyInfo({ ...this.info, embedDevice: 'wasm', embedDtype: this.emb.dtype, reason: `${this.info.reason}; embedder webgpu run failed (${errMessage(e)}) -> wasm` });
      out = await this.emb.extractor(texts, { pooling: 'mean', normalize: true });
    }
    const [n, d] = out.dims as [number, number];
    const data = toFloat32(out);
    const res: Float32Array[] = [];
    for (let i = 0; i < n; i++) res.push(data.slice(i * d, (i + 1) * d));
    return res;
  }

  async dispose(): Promise<void> {
    const lm = this.lm;
    const emb = this.emb;
    this.lm = null;
    this.emb = null;
    this.info = null;
    this.prefixCache.clear();
    if (lm) {
      await lm.model.dispose().catch(() => undefined);
      if (lm.setup.id.startsWith('quarry-picked-')) picked.delete(lm.setup.id);
    }
    if (emb) {
      await emb.extractor.dispose().catch(() => undefined);
      picked.delete(emb.id);
    }
  }
}
