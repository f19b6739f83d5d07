import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from './index.ts';
import { ATTACKS, ATTACK_NAMES, attackAvailable, attackParams, isAttackName } from './registry.ts';
import { generateVariants } from './search.ts';
import { createFakeScorer } from './testing/fakeScorer.ts';
import { CHAR_OPS } from './transforms/char.ts';
import type { AttackName } from './types.ts';

// the AttackName union, spelled out: adding an attack must update the registry and this list
const EXPECTED: Record<AttackName, true> = {
  textbugger: true,
  deepwordbug: true,
  homoglyph: true,
  'keyboard-typo': true,
  synonym: true,
  checklist: true,
  stresstest: true,
  distractor: true,
  paraphrase: true,
};

describe('ATTACKS registry', () => {
  it('has one well-formed entry per attack name', () => {
    expect([...ATTACK_NAMES].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const name of ATTACK_NAMES) {
      const a = ATTACKS[name];
      expect(a.name).toBe(name);
      expect(['character', 'word', 'sentence', 'semantic']).toContain(a.level);
      expect(a.description.length).toBeGreaterThan(20);
      expect(a.search).toBe(a.level === 'character' || a.level === 'word' ? 'word' : 'sentence');
      const p = attackParams(name);
      if (a.search === 'word') expect(a.defaults.candidatesPerWord).toBeGreaterThan(0);
      else expect(a.defaults.candidates).toBeGreaterThan(0);
      if (a.level === 'character') {
        expect(p.ops.length).toBeGreaterThan(0);
        for (const op of p.ops) expect(CHAR_OPS[op]).toBeTypeOf('function');
      }
    }
    expect(isAttackName('synonym')).toBe(true);
    expect(isAttackName('toString')).toBe(false);
    expect(attackParams('checklist', { tokenLength: 4 }).tokenLength).toBe(4);
  });

  it('availability follows the optional scorer capabilities', () => {
    const plain = createFakeScorer({ weights: {} });
    const full = createFakeScorer({ weights: {}, paraphrases: () => [] });
    expect(ATTACK_NAMES.filter((n) => !attackAvailable(n, plain)).sort()).toEqual(['paraphrase']);
    expect(ATTACK_NAMES.every((n) => attackAvailable(n, full))).toBe(true);
  });

  it('every attack produces a variant on its own', async () => {
    const ins = 'Write a short story about a brave knight who finds a large dragon, then explain the moral.';
    const scorer = createFakeScorer({
      weights: { write: 1, story: 1, knight: 1, dragon: 1 },
      paraphrases: (i) => [i.replace('Write', 'Compose')],
    });
    for (const name of ATTACK_NAMES) {
      const vs = await generateVariants(ins, { attacks: [name], variants: 1, seed: 1, sampleId: 'r' }, scorer);
      expect(vs, name).toHaveLength(1);
      expect(vs[0]?.attack).toBe(name);
      expect(vs[0]?.level).toBe(ATTACKS[name].level);
      expect(vs[0]?.instruction).not.toBe(ins);
    }
  });

  it('docs/attacks.md documents every attack', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/attacks.md', import.meta.url)), 'utf8');
    for (const name of ATTACK_NAMES) expect(doc, name).toContain(`### \`${name}\``);
  });

  it('the public API exports what the docs promise', () => {
    for (const fn of ['generateVariants', 'randomVariants', 'tokenize', 'applyEdits', 'loadSynonymTable', 'toVariantScores', 'makeRng']) {
      expect(api[fn as keyof typeof api], fn).toBeTypeOf('function');
    }
    expect(api.ATTACKS).toBe(ATTACKS);
  });

  it('toVariantScores maps a variant onto the core record', async () => {
    const [v] = await generateVariants('Explain photosynthesis simply.', { attacks: ['checklist'], variants: 1, seed: 1, sampleId: 'x' }, createFakeScorer({ weights: {} }));
    if (!v) throw new Error('no variant');
    expect(api.toVariantScores(v)).toEqual({
      attack: 'checklist',
      instruction: v.instruction,
      s_a_given_q: v.s_a_given_q,
      aifd: null,
      dist_consistency: null,
      embed_consistency: null,
      similarity: v.similarity,
      queries: v.queries,
      edits: v.edits,
    });
  });
});
