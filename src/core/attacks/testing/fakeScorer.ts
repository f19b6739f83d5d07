// A deterministic, model-free AttackScorer for tests and examples.
//
// s(A|Q') = base + sum of weights[w] for every weighted word w that is NOT present (as an exact,
// case-insensitive word) in Q' + lengthWeight * |Q'|. So perturbing or deleting an important word
// raises the score by its weight, and nothing else matters (lengthWeight defaults to 0).
// Embeddings: hashed character-trigram counts, unit-normalised (similar strings -> high cosine).

import type { AttackScorer } from '../types.ts';

export interface FakeScorerOptions {
  weights: Record<string, number>;
  base?: number;
  lengthWeight?: number;
  /** Embedding dimension. */
  dim?: number;
  paraphrases?: (instruction: string, n: number, seed: number) => string[];
}

export interface FakeScorer extends AttackScorer {
  /** Every batch passed to scoreInstructions, in order. */
  readonly scored: string[][];
  /** Every batch passed to embed. */
  readonly embedded: string[][];
  /** Every string passed to any method. */
  readonly seen: string[];
  /** Total candidates scored. */
  queries(): number;
}

export function trigramEmbedding(text: string, dim = 256): Float32Array {
  const v = new Float32Array(dim);
  const s = ` ${text.toLowerCase()} `;
  for (let i = 0; i + 3 <= s.length; i++) {
    let h = 2166136261;
    for (let j = 0; j < 3; j++) h = Math.imul(h ^ s.charCodeAt(i + j), 16777619);
    const k = (h >>> 0) % dim;
    v[k] = (v[k] ?? 0) + 1;
  }
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

export function createFakeScorer(opts: FakeScorerOptions): FakeScorer {
  const scored: string[][] = [];
  const embedded: string[][] = [];
  const seen: string[] = [];
  const weights = Object.entries(opts.weights).map(([w, x]) => [w.toLowerCase(), x] as const);
  const scoreOne = (t: string): number => {
    const words = new Set(t.toLowerCase().match(/[\p{L}\p{N}_'’]+/gu) ?? []);
    let s = opts.base ?? 1;
    for (const [w, x] of weights) if (!words.has(w)) s += x;
    return s + (opts.lengthWeight ?? 0) * t.length;
  };
  const scorer: FakeScorer = {
    scored,
    embedded,
    seen,
    queries: () => scored.reduce((n, b) => n + b.length, 0),
    async scoreInstructions(candidates) {
      scored.push(candidates.slice());
      seen.push(...candidates);
      return candidates.map(scoreOne);
    },
    async embed(texts) {
      embedded.push(texts.slice());
      seen.push(...texts);
      return texts.map((t) => trigramEmbedding(t, opts.dim));
    },
  };
  const { paraphrases } = opts;
  if (paraphrases) {
    scorer.paraphrase = async (instruction, n, seed) => {
      seen.push(instruction);
      return paraphrases(instruction, n, seed);
    };
  }
  return scorer;
}
