// Constraints every accepted variant satisfies:
//   - meaning preservation: cosine(embed(Q'), embed(Q)) >= similarityThreshold (default 0.8)
//   - edit budget: at most max(1, floor(maxEditFraction * words)) words edited (default 0.25),
//     optionally capped further by maxEdits
//   - protected spans untouched (see tokenize.ts)

import type { EditOp } from '../types.ts';
import { editsTouchProtected } from './edits.ts';
import type { ProtectedSpan } from './tokenize.ts';

export const DEFAULT_SIMILARITY_THRESHOLD = 0.8;
export const DEFAULT_MAX_EDIT_FRACTION = 0.25;
export const DEFAULT_QUERY_BUDGET = 50;
export const DEFAULT_MAX_RANKED_WORDS = 40;

/** Cosine similarity (robust to non-normalised vectors; 0 when either is all zeros). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`cosine: dimension mismatch ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

export function passesSimilarity(similarity: number, threshold = DEFAULT_SIMILARITY_THRESHOLD): boolean {
  return Number.isFinite(similarity) && similarity >= threshold;
}

/** Words that may be edited: max(1, floor(fraction * wordCount)), capped by maxEdits. */
export function maxEditedWords(wordCount: number, fraction = DEFAULT_MAX_EDIT_FRACTION, maxEdits?: number): number {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`maxEditFraction must be in [0, 1], got ${fraction}`);
  let n = Math.max(1, Math.floor(fraction * wordCount + 1e-9));
  if (maxEdits !== undefined) n = Math.min(n, Math.max(0, Math.floor(maxEdits)));
  return n;
}

/** Distinct words (by index) whose characters an edit set touches; sentence-level inserts count 0. */
export function editedWordCount(edits: readonly EditOp[], words: readonly { start: number; end: number }[]): number {
  const hit = new Set<number>();
  words.forEach((w, i) => {
    for (const e of edits) {
      const touches = e.start === e.end ? e.start > w.start && e.start < w.end : e.start < w.end && e.end > w.start;
      // insertions at a word's edges (dwb-insert at position 0 / end) belong to that word only when
      // the op says it is a word edit
      const edge = e.start === e.end && (e.start === w.start || e.start === w.end) && e.op.startsWith('dwb-insert');
      if (touches || edge) hit.add(i);
    }
  });
  return hit.size;
}

/** All three constraints at once (for tests and for checking variants produced elsewhere). */
export function checkConstraints(
  edits: readonly EditOp[],
  spans: readonly ProtectedSpan[],
  words: readonly { start: number; end: number }[],
  similarity: number,
  opts: { similarityThreshold?: number; maxEditFraction?: number; maxEdits?: number; wordBudgeted: boolean },
): { similarity: boolean; editBudget: boolean; protectedSpans: boolean } {
  return {
    similarity: passesSimilarity(similarity, opts.similarityThreshold),
    editBudget:
      !opts.wordBudgeted || editedWordCount(edits, words) <= maxEditedWords(words.length, opts.maxEditFraction, opts.maxEdits),
    protectedSpans: !editsTouchProtected(edits, spans),
  };
}
