// Response-token spans from a JOINT tokenization (see docs/metrics.md, "Which tokens are the response").
//
// transformers.js tokenizers do not return offsets, so we rebuild them: every token is mapped to
// the bytes it contributes to the text (byte-level BPE: the GPT-2 byte alphabet; SentencePiece:
// "▁" -> " " and <0xNN> byte-fallback pieces), and the pieces are aligned against the UTF-8 bytes
// of the text. The alignment is its own verification: it fails (returns null) unless the pieces
// cover the text exactly, in which case the caller falls back to prefix tokenization.

const encoder = new TextEncoder();

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Byte offset in the UTF-8 encoding of `text` of the character (UTF-16 unit) index `charIndex`. */
export function utf8Offset(text: string, charIndex: number): number {
  let bytes = 0;
  for (let i = 0; i < charIndex && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // A surrogate pair is one 4-byte code point; an index between the two halves rounds up.
        bytes += 4;
        i++;
        continue;
      }
      bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** GPT-2's bytes_to_unicode, inverted: the printable character standing for each byte -> the byte. */
export const BYTE_LEVEL_DECODER: ReadonlyMap<string, number> = (() => {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const m = new Map<string, number>();
  bs.forEach((b, i) => m.set(String.fromCharCode(cs[i]!), b));
  return m;
})();

/** Bytes of a byte-level BPE token string ("Ġthe" -> " the"); null if a character is outside the alphabet. */
export function byteLevelPieceBytes(token: string): Uint8Array | null {
  const out = new Uint8Array(token.length);
  let i = 0;
  for (const ch of token) {
    const b = BYTE_LEVEL_DECODER.get(ch);
    if (b === undefined) return null;
    out[i++] = b;
  }
  return out.subarray(0, i);
}

const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;

/** Bytes of a SentencePiece token ("▁The" -> " The", "<0x0A>" -> "\n"). */
export function sentencePiecePieceBytes(token: string): Uint8Array {
  const m = BYTE_FALLBACK.exec(token);
  if (m) return Uint8Array.of(parseInt(m[1]!, 16));
  return utf8(token.replace(/\u2581/g, ' '));
}

export interface TokenPiece {
  /** The bytes this token contributes to the text; null = unknown (alignment fails unless special). */
  bytes: Uint8Array | null;
  /**
   * Added/special token (BOS, <|im_start|>, ...). It either matches its own bytes in the text (a
   * chat template wrote it) or is zero-width (the tokenizer inserted it).
   */
  special: boolean;
}

/** Byte spans [starts[i], ends[i]) of each token in the UTF-8 text. */
export interface TokenSpans {
  starts: Int32Array;
  ends: Int32Array;
}

function matchAt(text: Uint8Array, at: number, b: Uint8Array, from = 0): boolean {
  if (at + b.length - from > text.length) return false;
  for (let k = from; k < b.length; k++) if (text[at + k - from] !== b[k]) return false;
  return true;
}

/**
 * Aligns token pieces with the UTF-8 bytes of the text. A piece whose bytes start with a space
 * that is not in the text (SentencePiece's prepended "▁", a byte-level `add_prefix_space`) is
 * accepted as a "phantom" space: the token's span starts after it. Returns null unless the pieces
 * cover the text exactly, in order.
 */
export function alignPieces(textBytes: Uint8Array, pieces: readonly TokenPiece[], allowPhantomSpace = true): TokenSpans | null {
  const n = pieces.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  let cursor = 0;
  for (let i = 0; i < n; i++) {
    const { bytes, special } = pieces[i]!;
    starts[i] = cursor;
    if (bytes && bytes.length > 0 && matchAt(textBytes, cursor, bytes)) {
      cursor += bytes.length;
    } else if (!special && allowPhantomSpace && bytes && bytes.length > 0 && bytes[0] === 0x20 && matchAt(textBytes, cursor, bytes, 1)) {
      cursor += bytes.length - 1;
    } else if (!special) {
      return null;
    }
    ends[i] = cursor;
  }
  return cursor === textBytes.length ? { starts, ends } : null;
}

/**
 * Token range [start, end) of the response, whose byte span is [rs, re). The RULE: a token is a
 * response token iff it is non-empty and its byte span intersects [rs, re). A token straddling
 * the boundary (e.g. "▁The" whose "▁" is the prompt's trailing space, or a merge like ":T")
 * therefore counts as a response token: it is the model's prediction of the response's first
 * characters. Zero-width tokens between the first and last response token are included.
 * Returns start === end when no token qualifies.
 */
export function responseTokenRange(spans: TokenSpans, rs: number, re: number): { start: number; end: number } {
  const { starts, ends } = spans;
  let first = -1;
  let last = -1;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const e = ends[i]!;
    if (e > s && e > rs && s < re) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) {
    // Empty response: an empty range placed after the last token that starts before rs.
    let k = 0;
    while (k < starts.length && ends[k]! <= rs) k++;
    return { start: k, end: k };
  }
  return { start: first, end: last + 1 };
}

/** Longest common prefix length of two id sequences. */
export function commonPrefix(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
