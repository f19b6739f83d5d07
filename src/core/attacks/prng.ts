// Deterministic, platform-independent randomness for attacks. No Math.random anywhere in
// src/core/attacks: every random choice comes from an Rng seeded from (seed, sample id, attack, ...).
// Only 32-bit integer arithmetic (Math.imul, >>>) is used, so the streams are bit-identical on every
// JS engine and machine.

/** FNV-1a 32-bit hash of a string (UTF-16 code units), finalised with a murmur3 avalanche. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: a tiny 32-bit PRNG; returns a generator of uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export class Rng {
  private readonly nextU32: () => number;

  constructor(seed: number) {
    this.nextU32 = mulberry32(seed);
  }

  /** Uniform uint32. */
  u32(): number {
    return this.nextU32();
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). n must be >= 1. */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`Rng.int: n must be >= 1, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** A uniformly chosen element; undefined for an empty array. */
  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.int(items.length)];
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }

  /** A derived, independent stream (e.g. one per word). */
  fork(label: string | number): Rng {
    return new Rng(hashString(`${this.nextU32()}\u0000${label}`));
  }
}

/**
 * The Rng for one (seed, sample, attack, ...) combination. Parts are joined with NUL so that
 * ("ab","c") and ("a","bc") differ.
 */
export function makeRng(...parts: (string | number)[]): Rng {
  return new Rng(hashString(parts.map(String).join('\u0000')));
}
