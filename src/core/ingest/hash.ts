// Stable content hash used for Sample ids (and reusable elsewhere).
//
// FNV-1a 64-bit over the UTF-8 bytes of the string, computed with four 16-bit limbs so it
// needs neither BigInt nor Math.imul tricks, and is identical in every JS engine. The UTF-8
// encoding is done inline (lone surrogates are encoded as U+FFFD, exactly as TextEncoder does),
// so no intermediate byte buffer is allocated.

const HEX = '0123456789abcdef';

function hex16(v: number): string {
  return HEX[(v >>> 12) & 15]! + HEX[(v >>> 8) & 15]! + HEX[(v >>> 4) & 15]! + HEX[v & 15]!;
}

/** Full FNV-1a 64-bit digest of the UTF-8 encoding of `s`, as 16 lowercase hex chars. */
export function fnv1a64(s: string): string {
  // offset basis 0xcbf29ce484222325, as 16-bit limbs (h0 = least significant)
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;

  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    // Encode code point `c` (from UTF-16) as 1..4 UTF-8 bytes, feeding each into the hash.
    let bytes: number; // packed up to 4 bytes, first byte in the lowest 8 bits
    let count: number;
    if (c < 0x80) {
      bytes = c;
      count = 1;
    } else if (c < 0x800) {
      bytes = (0xc0 | (c >> 6)) | ((0x80 | (c & 0x3f)) << 8);
      count = 2;
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          c = 0xfffd; // lone surrogate
        }
      }
      if (c < 0x10000) {
        bytes = (0xe0 | (c >> 12)) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
        count = 3;
      } else {
        bytes =
          (0xf0 | (c >> 18)) |
          ((0x80 | ((c >> 12) & 0x3f)) << 8) |
          ((0x80 | ((c >> 6) & 0x3f)) << 16) |
          ((0x80 | (c & 0x3f)) << 24);
        count = 4;
      }
    }
    for (let k = 0; k < count; k++) {
      h0 ^= (bytes >>> (8 * k)) & 0xff;
      // multiply by the FNV prime 0x100000001b3 = 2^40 + 0x1b3 (mod 2^64)
      let t0 = h0 * 0x1b3;
      let t1 = h1 * 0x1b3;
      let t2 = h2 * 0x1b3;
      let t3 = h3 * 0x1b3;
      t2 += h0 << 8; // h0 * 2^40 lands in limb 2, shifted by 8
      t3 += h1 << 8; // h1 * 2^40 lands in limb 3, shifted by 8
      t1 += t0 >>> 16;
      h0 = t0 & 0xffff;
      t2 += t1 >>> 16;
      h1 = t1 & 0xffff;
      t3 += t2 >>> 16;
      h2 = t2 & 0xffff;
      h3 = t3 & 0xffff;
    }
  }
  return hex16(h3) + hex16(h2) + hex16(h1) + hex16(h0);
}

/**
 * Stable 12-hex-char content hash of a string (the top 48 bits of FNV-1a 64 over its UTF-8
 * bytes). Deterministic across runs, engines and platforms.
 */
export function hashString(s: string): string {
  return fnv1a64(s).slice(0, 12);
}

/** UTF-8 byte length of a string without allocating (lone surrogates count as 3, like TextEncoder). */
export function utf8Length(s: string): number {
  const n = s.length;
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      len += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        len += 2; // 4 bytes for 2 code units
        i++;
      } else {
        len += 2;
      }
    } else {
      len += 2;
    }
  }
  return len;
}

/** True if the UTF-8 encoding of `s` is longer than `max` bytes (cheap for the common cases). */
export function utf8LongerThan(s: string, max: number): boolean {
  if (s.length > max) return true; // every code unit is at least one byte
  if (s.length * 3 <= max) return false; // every code unit is at most three bytes
  return utf8Length(s) > max;
}
