// Shared-prefix key/value cache for scoring (docs/metrics.md, "Performance").
//
// Every text a template renders starts with the same tokens (alpaca: "Below is an instruction
// that describes a task…### Instruction:\n", 100-180 tokens with a byte-level tokenizer). The
// engine runs such a prefix ONCE as a batch-1 pass, keeps its present.* keys/values here, and runs
// each batch's rows on top of them (past_key_values tiled to the batch, attention mask covering
// prefix + row, position ids continuing from the prefix length). A causal model's keys/values of
// the prefix do not depend on what follows it, so the rows' logits are those of the full pass up
// to float rounding.
//
// Pure: no model runtime. Entries hold plain typed arrays (already read back from a GPU).

/** One present.* tensor of a prefix, batch dimension 1. */
export interface KvTensor {
  /** ONNX element type ('float32', 'float16'). */
  type: string;
  data: Float32Array | Uint16Array | { length: number; BYTES_PER_ELEMENT: number };
  dims: number[];
}

export interface PrefixEntry {
  /** The prefix's token ids. */
  ids: number[];
  /** past_key_values.* input name -> its tensor (from the matching present.* output). */
  kv: Map<string, KvTensor>;
  bytes: number;
}

/** Whether `prefix` is a prefix of `ids`. */
export function isPrefixOf(prefix: readonly number[], ids: readonly number[]): boolean {
  if (prefix.length > ids.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== ids[i]) return false;
  return true;
}

/**
 * A small LRU of prefixes. lookup(ids) returns the entry for `ids` itself or, failing that, the
 * longest cached entry that is a prefix of `ids` (the engine then runs only the missing tokens).
 */
export class PrefixKvCache {
  private entries: PrefixEntry[] = []; // least recently used first

  constructor(
    readonly maxEntries = 8,
    readonly maxBytes = 256 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  lookup(ids: readonly number[]): PrefixEntry | null {
    let best = -1;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if ((best < 0 || e.ids.length > this.entries[best]!.ids.length) && isPrefixOf(e.ids, ids)) best = i;
    }
    if (best < 0) return null;
    const [e] = this.entries.splice(best, 1);
    this.entries.push(e!);
    return e!;
  }

  add(entry: PrefixEntry): void {
    this.entries = this.entries.filter((e) => e.ids.length !== entry.ids.length || !isPrefixOf(e.ids, entry.ids));
    this.entries.push(entry);
    let bytes = this.entries.reduce((s, e) => s + e.bytes, 0);
    while (this.entries.length > 1 && (this.entries.length > this.maxEntries || bytes > this.maxBytes)) {
      bytes -= this.entries.shift()!.bytes;
    }
  }

  clear(): void {
    this.entries = [];
  }
}

type Typed = { length: number; BYTES_PER_ELEMENT: number; set(a: ArrayLike<number>, offset?: number): void };

/** B copies of a batch-1 tensor's data along the batch axis (axis 0). */
export function tileBatch<T extends KvTensor['data']>(data: T, B: number): T {
  if (B === 1) return data;
  const src = data as unknown as Typed;
  const Ctor = (data as unknown as { constructor: new (n: number) => Typed }).constructor;
  const out = new Ctor(src.length * B);
  for (let b = 0; b < B; b++) out.set(src as unknown as ArrayLike<number>, b * src.length);
  return out as unknown as T;
}

/** attention_mask [B, P + T] for rows run after a P-token prefix: ones for the prefix, then the rows' own mask. */
export function prefixedAttentionMask(P: number, B: number, T: number, rowMask: BigInt64Array): BigInt64Array {
  const W = P + T;
  const out = new BigInt64Array(B * W);
  for (let b = 0; b < B; b++) {
    out.fill(1n, b * W, b * W + P);
    for (let t = 0; t < T; t++) out[b * W + P + t] = rowMask[b * T + t]!;
  }
  return out;
}
