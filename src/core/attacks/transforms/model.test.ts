import { describe, expect, it } from 'vitest';
import { applyEdits } from '../edits.ts';
import { createFakeScorer } from '../testing/fakeScorer.ts';
import { paraphraseCandidates } from './model.ts';

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
