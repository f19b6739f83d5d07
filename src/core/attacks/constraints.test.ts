import { describe, expect, it } from 'vitest';
import { checkConstraints, cosine, editedWordCount, maxEditedWords, passesSimilarity } from './constraints.ts';
import { generateVariants } from './search.ts';
import { createFakeScorer } from './testing/fakeScorer.ts';
import { tokenize } from './tokenize.ts';
import type { AttackScorer } from './types.ts';

describe('similarity constraint', () => {
  it('cosine', () => {
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(1, 0))).toBeCloseTo(1);
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(0, 2))).toBeCloseTo(0);
    expect(cosine(Float32Array.of(3, 4), Float32Array.of(6, 8))).toBeCloseTo(1);
    expect(cosine(Float32Array.of(0, 0), Float32Array.of(1, 0))).toBe(0);
    expect(() => cosine(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(RangeError);
    expect(passesSimilarity(0.8)).toBe(true);
    expect(passesSimilarity(0.79)).toBe(false);
    expect(passesSimilarity(Number.NaN, 0)).toBe(false);
  });

  // embeddings: the original is [1, 0]; every other text is [0.6, 0.8] (cosine 0.6)
  const farScorer = (ins: string): AttackScorer & { scored: number } => {
    const s = {
      scored: 0,
      async scoreInstructions(c: string[]) {
        s.scored += c.length;
        return c.map((t) => (t === ins ? 1 : 2)); // every change raises s(A|Q')
      },
      async embed(ts: string[]) {
        return ts.map((t) => (t === ins ? Float32Array.of(1, 0) : Float32Array.of(0.6, 0.8)));
      },
    };
    return s;
  };

  it('rejects word-level edits below the threshold, accepts them above', async () => {
    const ins = 'Summarize the following article briefly.';
    const opts = { attacks: ['textbugger' as const], variants: 1, seed: 1, sampleId: 's' };
    expect(await generateVariants(ins, opts, farScorer(ins))).toEqual([]);
    const ok = await generateVariants(ins, { ...opts, similarityThreshold: 0.5 }, farScorer(ins));
    expect(ok).toHaveLength(1);
    expect(ok[0]?.similarity).toBeCloseTo(0.6);
    expect(ok[0]?.constraintsPassed).toBe(true);
  });

  it('sentence-level variants below the threshold are reported with their similarity, flagged', async () => {
    const ins = 'Summarize the following article briefly.';
    const [v] = await generateVariants(ins, { attacks: ['checklist'], variants: 1, seed: 1, sampleId: 's' }, farScorer(ins));
    expect(v?.similarity).toBeCloseTo(0.6);
    expect(v?.constraintsPassed).toBe(false);
  });
});

describe('edit budget', () => {
  it('maxEditedWords = max(1, floor(fraction * words)), capped by maxEdits', () => {
    expect(maxEditedWords(7)).toBe(1);
    expect(maxEditedWords(8)).toBe(2);
    expect(maxEditedWords(20, 0.25)).toBe(5);
    expect(maxEditedWords(20, 0.25, 3)).toBe(3);
    expect(maxEditedWords(2, 0.1)).toBe(1);
    expect(() => maxEditedWords(10, 1.5)).toThrow(RangeError);
  });

  it('editedWordCount counts distinct touched words', () => {
    const { words } = tokenize('one two three');
    expect(
      editedWordCount(
        [
          { start: 1, end: 2, before: 'n', after: 'm', op: 'x' },
          { start: 2, end: 2, before: '', after: ' ', op: 'insert-space' },
          { start: 13, end: 13, before: '', after: ' z', op: 'append' },
        ],
        words,
      ),
    ).toBe(1);
    expect(editedWordCount([{ start: 4, end: 4, before: '', after: 'q', op: 'dwb-insert' }], words)).toBe(1);
  });

  it('search never edits more words than the budget', async () => {
    const ins =
      'Carefully summarize every important finding reported within the attached scientific article, highlighting methods, results, limitations and future directions clearly.';
    const words = tokenize(ins).words;
    const weights = Object.fromEntries(words.map((w, i) => [w.text.toLowerCase(), 1 + i / 10]));
    for (const [fraction, maxEdits] of [
      [0.25, undefined],
      [0.1, undefined],
      [0.5, 2],
    ] as const) {
      const vs = await generateVariants(
        ins,
        { attacks: ['textbugger', 'synonym', 'deepwordbug'], variants: 6, seed: 2, sampleId: 'b', maxEditFraction: fraction, maxEdits, queryBudget: 200 },
        createFakeScorer({ weights }),
      );
      expect(vs.length).toBe(6);
      const budget = maxEditedWords(words.length, fraction, maxEdits);
      for (const v of vs) {
        expect(v.editedWords).toBeLessThanOrEqual(budget);
        expect(editedWordCount(v.edits, words)).toBe(v.editedWords);
        const c = checkConstraints(v.edits, tokenize(ins).spans, words, v.similarity, {
          maxEditFraction: fraction,
          ...(maxEdits !== undefined ? { maxEdits } : {}),
          wordBudgeted: true,
        });
        expect(c).toEqual({ similarity: true, editBudget: true, protectedSpans: true });
      }
      // with every word important, the search uses the whole budget
      expect(vs.some((v) => v.editedWords === budget)).toBe(true);
    }
  });
});
