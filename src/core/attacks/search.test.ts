import { describe, expect, it } from 'vitest';
import type { Sample } from '../types.ts';
import { applyEdits, editsTouchProtected } from './edits.ts';
import { ATTACK_NAMES } from './registry.ts';
import { AttackSession, deleteWord, generateVariants, randomVariants } from './search.ts';
import { EXAMPLE_INSTRUCTION, exampleScorer } from './testing/examples.ts';
import { createFakeScorer } from './testing/fakeScorer.ts';
import { tokenize } from './tokenize.ts';
import type { AttackName, GenerateOptions } from './types.ts';

const INS = 'Summarize the following article in three sentences.';
const WEIGHTS = { summarize: 2, article: 1 };
const base = (over: Partial<GenerateOptions> = {}): GenerateOptions => ({
  attacks: ['textbugger'],
  variants: 1,
  seed: 7,
  sampleId: 'sample-1',
  ...over,
});

describe('word importance ranking', () => {
  it('scores all deletions in one batch and ranks the important words first', async () => {
    const scorer = createFakeScorer({ weights: WEIGHTS });
    const s = new AttackSession(INS, base(), scorer);
    const ranked = await s.rankWords();
    expect(ranked.slice(0, 2).map((r) => [r.word.text, r.importance])).toEqual([
      ['Summarize', 2],
      ['article', 1],
    ]);
    expect(ranked.slice(2).every((r) => r.importance === 0)).toBe(true);
    // one batch for the base score, one batch for all deletions
    expect(scorer.scored.map((b) => b.length)).toEqual([1, ranked.length]);
    expect(scorer.scored[1]).toContain('the following article in three sentences.');
    expect(s.rankQueries).toBe(ranked.length);
  });

  it('uses baseScore when given (no query for the original)', async () => {
    const scorer = createFakeScorer({ weights: WEIGHTS });
    const s = new AttackSession(INS, base({ baseScore: 1 }), scorer);
    await s.rankWords();
    expect(scorer.scored).toHaveLength(1);
    expect(s.baseQueries).toBe(0);
  });

  it('caps ranked words at maxRankedWords, content words first', async () => {
    const scorer = createFakeScorer({ weights: WEIGHTS });
    const s = new AttackSession(INS, base({ maxRankedWords: 2 }), scorer);
    const ranked = await s.rankWords();
    expect(scorer.scored[1]).toHaveLength(2);
    expect(ranked.filter((r) => r.importance > -Infinity).map((r) => r.word.text).sort()).toEqual(['Summarize', 'following']);
    expect(ranked).toHaveLength(7);
  });

  it('deleteWord removes a word and one run of spaces', () => {
    expect(deleteWord('a bc d', { start: 2, end: 4 })).toBe('a d');
    expect(deleteWord('a bc', { start: 2, end: 4 })).toBe('a');
  });
});

describe('greedy search', () => {
  it('perturbs the most important word first and keeps a change only when it raises s(A|Q)', async () => {
    const scorer = createFakeScorer({ weights: WEIGHTS });
    const [v] = await generateVariants(INS, base({ maxEditFraction: 0.5 }), scorer);
    if (!v) throw new Error('no variant');
    // budget 3 words; only the two weighted words raise the score, so exactly they are kept
    expect(v.editedWords).toBe(2);
    const touched = tokenize(INS).words.filter((w) => v.edits.some((e) => e.start < w.end && e.end > w.start || (e.start === e.end && e.start > w.start && e.start < w.end)));
    expect(touched.map((w) => w.text)).toEqual(['Summarize', 'article']);
    expect(v.s_a_given_q).toBe(4);
    expect(v.baseScore).toBe(1);
    expect(v.improved).toBe(true);
    // the first search batch perturbs "Summarize", the second "article" (on top of the kept edit)
    const searchBatches = scorer.scored.slice(2);
    expect(searchBatches[0]?.every((t) => !/\bSummarize\b/.test(t) && /\barticle\b/.test(t))).toBe(true);
    expect(searchBatches[1]?.every((t) => !/\bSummarize\b/.test(t) && !/\barticle\b/.test(t))).toBe(true);
    // later batches were scored but nothing else was kept
    expect(searchBatches.length).toBeGreaterThan(2);
    expect(applyEdits(INS, v.edits)).toBe(v.instruction);
    expect(v.queries).toBe(scorer.queries());
  });

  it('without any improving edit it falls back to one meaning-preserving edit (improved = false)', async () => {
    const scorer = createFakeScorer({ weights: {} });
    const [v] = await generateVariants(INS, base({ maxEditFraction: 0.5 }), scorer);
    expect(v?.improved).toBe(false);
    expect(v?.editedWords).toBe(1);
    expect(v?.s_a_given_q).toBe(1);
    expect(v?.constraintsPassed).toBe(true);
  });

  it('respects the query budget', async () => {
    const scorer = createFakeScorer({ weights: { following: 1, three: 1, sentences: 1 } });
    const [v] = await generateVariants(INS, base({ queryBudget: 4, maxEditFraction: 1, baseScore: 1 }), scorer);
    if (!v) throw new Error('no variant');
    const rank = scorer.scored[0]?.length ?? 0;
    const search = scorer.queries() - rank;
    expect(search).toBeLessThanOrEqual(4);
    expect(v.queries).toBe(rank + search);
  });

  it('synonym search substitutes the important word with an inflected synonym', async () => {
    const ins = 'Write two short stories about the sea.';
    const scorer = createFakeScorer({ weights: { stories: 3 } });
    const [v] = await generateVariants(ins, base({ attacks: ['synonym'] }), scorer);
    expect(v?.instruction).toMatch(/^Write two short (tales|narratives) about the sea\.$/);
    expect(v?.edits).toHaveLength(1);
    expect(v?.edits[0]).toMatchObject({ start: 16, end: 23, before: 'stories', op: 'synonym' });
  });
});

describe('generateVariants', () => {
  const FULL = createFakeScorer({
    weights: WEIGHTS,
    paraphrases: (i, n) => [`Please ${i.charAt(0).toLowerCase()}${i.slice(1)}`, `Kindly ${i}`, i.replace('Summarize', 'Sum up')].slice(0, n),
  });

  it('spreads K variants round-robin over the attacks (first K mod m get one more)', async () => {
    const ins = 'Write two short stories about a large ship and explain the important ideas quickly.';
    const vs = await generateVariants(ins, base({ attacks: ['textbugger', 'synonym', 'checklist'], variants: 7 }), FULL);
    expect(vs.map((v) => v.attack)).toEqual(['textbugger', 'synonym', 'checklist', 'textbugger', 'synonym', 'checklist', 'textbugger']);
    expect(vs.map((v) => v.variant)).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(new Set(vs.map((v) => v.instruction)).size).toBe(7);
    expect(vs.every((v) => v.instruction !== ins)).toBe(true);
  });

  it('skips attacks the scorer cannot run and gives their slots to the others', async () => {
    const plain = createFakeScorer({ weights: WEIGHTS });
    const vs = await generateVariants(INS, base({ attacks: ['paraphrase', 'checklist'], variants: 3 }), plain);
    expect(vs.map((v) => v.attack)).toEqual(['checklist', 'checklist', 'checklist']);
  });

  it('an attack that runs dry gives its slots to the others', async () => {
    // only "following" has WordNet synonyms here (-> "next"): one synonym variant, then it fails
    const vs = await generateVariants(INS, base({ attacks: ['synonym', 'checklist'], variants: 4 }), FULL);
    expect(vs.map((v) => v.attack)).toEqual(['synonym', 'checklist', 'checklist', 'checklist']);
    expect(vs[0]?.instruction).toBe('Summarize the next article in three sentences.');
  });

  it('fewer than K only when every attack runs dry', async () => {
    // the paraphraser knows only three paraphrases
    const vs = await generateVariants(INS, base({ attacks: ['paraphrase'], variants: 5 }), FULL);
    expect(vs).toHaveLength(3);
    expect(new Set(vs.map((v) => v.instruction)).size).toBe(3);
  });

  it('is deterministic: same seed, same variants; another seed, other variants', async () => {
    const opts = base({ attacks: [...ATTACK_NAMES], variants: 12 });
    const a = await generateVariants(INS, opts, FULL);
    const b = await generateVariants(INS, opts, FULL);
    expect(b).toEqual(a);
    expect(a).toHaveLength(12);
    const c = await generateVariants(INS, { ...opts, seed: 8 }, FULL);
    expect(c.map((v) => v.instruction)).not.toEqual(a.map((v) => v.instruction));
    const d = await generateVariants(INS, { ...opts, sampleId: 'sample-2' }, FULL);
    expect(d.map((v) => v.instruction)).not.toEqual(a.map((v) => v.instruction));
  });

  it('golden outputs (the docs/attacks.md examples): same seed, same variants on every machine', async () => {
    const opts = { variants: 1, seed: 42, sampleId: 'doc-example' };
    const [tb] = await generateVariants(EXAMPLE_INSTRUCTION, { ...opts, attacks: ['textbugger'] }, exampleScorer());
    expect(tb?.instruction).toBe(
      'S ummarize the following art icle in three senten ces, kee ping the "key terms" intact and citing https://example.org.',
    );
    const [cl] = await generateVariants(EXAMPLE_INSTRUCTION, { ...opts, attacks: ['checklist'] }, exampleScorer());
    expect(cl?.edits).toEqual([{ start: 114, end: 114, before: '', after: ' 7Ialekn8F7', op: 'append-token' }]);
    const [syn] = await generateVariants(EXAMPLE_INSTRUCTION, { ...opts, attacks: ['synonym'] }, exampleScorer());
    expect(syn?.edits.map((e) => `${e.before}>${e.after}`)).toEqual(['keeping>holding', 'intact>entire']);
  });

  it('records edits, similarity, queries and s(A|Q) for every variant', async () => {
    const vs = await generateVariants(INS, base({ attacks: [...ATTACK_NAMES], variants: 10 }), FULL);
    expect(new Set(vs.map((v) => v.attack))).toEqual(new Set(ATTACK_NAMES));
    for (const v of vs) {
      expect(applyEdits(INS, v.edits)).toBe(v.instruction);
      expect(v.edits.length).toBeGreaterThan(0);
      expect(v.similarity).toBeGreaterThan(0);
      expect(v.similarity).toBeLessThanOrEqual(1 + 1e-6);
      expect(v.queries).toBeGreaterThan(0);
      expect(Number.isFinite(v.s_a_given_q)).toBe(true);
      expect(v.method).toBe('search');
    }
  });

  it('honours an AbortSignal', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('stop'));
    await expect(generateVariants(INS, base(), FULL, ctl.signal)).rejects.toThrow('stop');
  });

  it('validates options', async () => {
    await expect(generateVariants(INS, base({ attacks: ['nope' as AttackName] }), FULL)).rejects.toThrow(/unknown attack/);
    await expect(generateVariants(INS, base({ variants: -1 }), FULL)).rejects.toThrow(RangeError);
    expect(await generateVariants(INS, base({ variants: 0 }), FULL)).toEqual([]);
  });
});

describe('protected spans and scope', () => {
  const INSTRUCTIONS = [
    'Rewrite the function `parse_args(argv)` so that it handles 3.5% of errors gracefully, see https://docs.python.org/3/ for details.',
    'Translate "The quick brown fox" into German and explain the grammar used for {input}.',
    'Fix this code:\n```python\ndef add(a, b):\n    return a - b\n```\nand explain what was wrong with it.',
    "Reply to the customer's email at help@example.com politely, mentioning order 1,234 and the 'express' option.",
    'Summarize the report below.\n\n    Revenue grew strongly in every region\n\nKeep it under 50 words and mention {{company}}.',
  ];

  it('no attack ever changes a protected span', async () => {
    const scorer = createFakeScorer({
      weights: { function: 1, translate: 1, explain: 1, code: 1, reply: 1, customer: 1, summarize: 1, words: 1, grammar: 1 },
      paraphrases: (i) => [i.replace(/^(\w+)/, 'Please $1'), i.replace(/"[^"]*"/, '"x"'), i + ' Thanks.'],
    });
    for (const ins of INSTRUCTIONS) {
      const { spans } = tokenize(ins);
      for (const method of [generateVariants, randomVariants]) {
        const vs = await method(ins, { attacks: [...ATTACK_NAMES], variants: 20, seed: 3, sampleId: ins.slice(0, 8), maxEditFraction: 0.5 }, scorer);
        expect(vs.length).toBeGreaterThan(10);
        for (const v of vs) {
          expect(editsTouchProtected(v.edits, spans), `${v.attack}: ${v.instruction}`).toBe(false);
          expect(applyEdits(ins, v.edits)).toBe(v.instruction);
          for (const s of spans) expect(v.instruction).toContain(ins.slice(s.start, s.end));
        }
      }
    }
  });

  it('attacks receive only the instruction: input and response never reach the scorer', async () => {
    const sample: Sample = {
      id: 'abc',
      index: 0,
      line: 1,
      instruction: 'Summarize the following article in three sentences.',
      input: 'INPUT-MARKER: the article text about whales',
      response: 'RESPONSE-MARKER: Whales are large.',
      history: [],
    };
    const frozen = JSON.stringify(sample);
    const scorer = createFakeScorer({ weights: WEIGHTS, paraphrases: (i) => [`Please ${i}`] });
    const vs = await generateVariants(sample.instruction, base({ attacks: [...ATTACK_NAMES], variants: 10, sampleId: sample.id }), scorer);
    await randomVariants(sample.instruction, base({ attacks: [...ATTACK_NAMES], variants: 10, sampleId: sample.id }), scorer);
    expect(vs.length).toBeGreaterThan(0);
    expect(scorer.seen.length).toBeGreaterThan(0);
    for (const t of scorer.seen) {
      expect(t).not.toContain('INPUT-MARKER');
      expect(t).not.toContain('RESPONSE-MARKER');
    }
    expect(JSON.stringify(sample)).toBe(frozen);
    // the API takes a string, so a whole sample cannot be passed in
    // @ts-expect-error -- instruction must be a string, not a Sample
    await expect(generateVariants(sample, base(), scorer)).rejects.toThrow();
  });
});

describe('randomVariants (baseline)', () => {
  it('same attacks and allocation, random positions, the same edit budget, 1 query each', async () => {
    const scorer = createFakeScorer({ weights: WEIGHTS });
    const ins = 'Please summarize the following long article in exactly three short sentences for me.';
    const opts = base({ attacks: ['textbugger', 'synonym', 'stresstest'], variants: 6, baseScore: 1 });
    const vs = await randomVariants(ins, { ...opts, editCount: 2 }, scorer);
    expect(vs.map((v) => v.attack)).toEqual(['textbugger', 'synonym', 'stresstest', 'textbugger', 'synonym', 'stresstest']);
    for (const v of vs) {
      expect(v.method).toBe('random');
      expect(v.queries).toBe(1);
      expect(v.editedWords).toBe(v.level === 'sentence' ? 0 : 2);
      expect(applyEdits(ins, v.edits)).toBe(v.instruction);
    }
    expect(scorer.queries()).toBe(6);
    expect(await randomVariants(ins, { ...opts, editCount: 2 }, createFakeScorer({ weights: WEIGHTS }))).toEqual(vs);
    // default edit count: the edit budget (13 words * 0.25 -> 3)
    const def = await randomVariants(ins, { ...opts, attacks: ['deepwordbug'], variants: 2 }, scorer);
    expect(def.map((v) => v.editedWords)).toEqual([3, 3]);
  });

  it('search beats random on the fake scorer', async () => {
    const ins = 'Please summarize the following long article in exactly three short sentences for me.';
    const opts = base({ attacks: ['textbugger', 'deepwordbug', 'homoglyph', 'keyboard-typo'], variants: 8 });
    const searched = await generateVariants(ins, opts, createFakeScorer({ weights: WEIGHTS }));
    const random = await randomVariants(ins, opts, createFakeScorer({ weights: WEIGHTS }));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(searched.map((v) => v.s_a_given_q))).toBeGreaterThan(mean(random.map((v) => v.s_a_given_q)));
    expect(searched.every((v) => v.s_a_given_q === 4)).toBe(true);
  });
});
