// Tokenization with response spans: which tokens of a rendered text are the response (see
// core/metrics/spans.ts and docs/metrics.md, "Response tokens").

import type { RenderedText } from '../../core/templates';
import {
  alignPieces,
  byteLevelPieceBytes,
  commonPrefix,
  responseTokenRange,
  sentencePiecePieceBytes,
  utf8,
  utf8Offset,
  type TokenPiece,
} from '../../core/metrics/spans';
import type { TokenizedText } from '../../core/scoring/types';
import type { TjsTokenizer } from './tjs';

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

