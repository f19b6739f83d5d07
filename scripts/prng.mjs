// Deterministic pseudo-random helpers shared by the synthetic-data generators (make-large*.mjs).

/** mulberry32: small, fast, deterministic 32-bit PRNG; returns rand() in [0, 1) and two helpers. */
export function mulberry32(seed) {
  let s = seed | 0
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = (arr) => arr[(rand() * arr.length) | 0]
  const between = (lo, hi) => lo + ((rand() * (hi - lo + 1)) | 0)
  return { rand, pick, between }
}
