// Loose views of the transformers.js objects the engine uses (its typings are wider than what we
// rely on), and small helpers over its tensors.

import { Tensor } from '@huggingface/transformers';
import type { Turn } from '../../core/types';
import type { KvTensor } from '../prefixCache';

export interface TjsTensor {
  dims: number[];
  type: string;
  data: ArrayLike<number | bigint>;
  location?: string;
  dispose?: () => void;
  tolist(): unknown;
}

export interface TjsAddedToken {
  content: string;
  special?: boolean;
}

export interface TjsTokenizer {
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

/** An onnxruntime InferenceSession as transformers.js holds it. */
export interface TjsSession {
  inputNames: string[];
  outputNames: string[];
  inputMetadata?: Array<{ name: string }>;
  outputMetadata?: unknown;
  config?: unknown;
  run(feeds: Record<string, unknown>, ...rest: unknown[]): Promise<Record<string, unknown>>;
  release(): Promise<void>;
}

export interface TjsModel {
  (inputs: Record<string, unknown>): Promise<Record<string, TjsTensor>>;
  sessions?: Record<string, TjsSession | undefined>;
  generate(opts: Record<string, unknown>): Promise<TjsTensor>;
  dispose(): Promise<unknown>;
  config: Record<string, unknown>;
  generation_config?: { eos_token_id?: number | number[] | null } | null;
}

export type TjsExtractor = ((texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<TjsTensor>) & {
  dispose(): Promise<unknown>;
};

/** An int64 transformers.js tensor of `ids` in `shape` (a flat vector by default). */
export function int64Tensor(ids: ArrayLike<number>, shape: number[] = [ids.length]): Tensor {
  return new Tensor('int64', BigInt64Array.from(ids as ArrayLike<number>, (x) => BigInt(x)), shape);
}

/** The onnxruntime tensor under a transformers.js tensor (what a session's run takes). */
export const ortTensor = (t: Tensor): unknown => (t as unknown as { ort_tensor: unknown }).ort_tensor;

/** A tensor's values as float32 (fp16 outputs decoded). */
export function toFloat32(t: TjsTensor): Float32Array {
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

/** Releases the GPU buffers of a run's outputs, except `keep` (read already or still wanted). */
export function disposeOutputs(out: Record<string, TjsTensor>, keep?: TjsTensor): void {
  for (const t of Object.values(out)) if (t !== keep && t.location === 'gpu-buffer') t.dispose?.();
}

/** A tensor's data on the CPU (read back when it lives on the GPU). */
export async function tensorData(t: TjsTensor): Promise<KvTensor['data']> {
  if (t.location === 'gpu-buffer') {
    const ort = (t as unknown as { ort_tensor?: { getData(release?: boolean): Promise<KvTensor['data']> } }).ort_tensor;
    if (!ort) throw new Error('cannot read a GPU tensor back');
    return await ort.getData();
  }
  return t.data as unknown as KvTensor['data'];
}

export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}
