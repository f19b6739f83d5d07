import { describe, expect, it } from 'vitest';
import { applyEdits } from '../edits.ts';
import { createFakeScorer } from '../testing/fakeScorer.ts';
import { maskedLmCandidates, paraphraseCandidates } from './model.ts';

describe('masked-LM candidates', () => {
  it('keeps distinct single words that are not the original nor stopwords, case-matched', async () => {
    const scorer = createFakeScorer({
      weights: {},
      fills: () => ['Describe', 'summarize', 'the', 'two words', '##ize', 'outline', 'outline', '42'],
    });
    const cs = await maskedLmCandidates(scorer, '[MASK] the text.', 'Summarize', 8);
    expect(cs.map((c) => c.text)).toEqual(['Describe', 'Ize', 'Outline']);
    for (const c of cs) expect(applyEdits('Summarize', c.ops)).toBe(c.text);
  });

  it('returns nothing without maskedFill', async () => {
    expect(await maskedLmCandidates(createFakeScorer({ weights: {} }), 'x [MASK]', 'y', 5)).toEqual([]);
  });
});

describe('paraphrase candidates', () => {
  it('drops paraphrases that change protected spans and diffs the rest', async () => {
    const ins = 'Translate "good morning" into French for {name}.';
    const scorer = createFakeScorer({
      weights: {},
      paraphrases: () => [
        'Translate "good morning" to French for {name}.',
        'Translate "hello" into French for {name}.', // changes the quote
        'Translate "good morning" into French.', // drops the placeholder
        ins, // unchanged
        '  ',
      ],
    });
    const cs = await paraphraseCandidates(scorer, ins, 5, 1);
    expect(cs.map((c) => c.text)).toEqual(['Translate "good morning" to French for {name}.']);
    expect(cs[0]?.edits).toEqual([{ start: 25, end: 29, before: 'into', after: 'to', op: 'paraphrase' }]);
    expect(applyEdits(ins, cs[0]?.edits ?? [])).toBe(cs[0]?.text);
  });
});
