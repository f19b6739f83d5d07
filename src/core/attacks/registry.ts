// The ATTACKS registry: every attack with its level, description and default parameters.

import type { AttackInfo, AttackName, AttackParams, AttackScorer } from './types.ts';

export const ATTACKS: Readonly<Record<AttackName, AttackInfo>> = {
  textbugger: {
    name: 'textbugger',
    level: 'character',
    search: 'word',
    description:
      'TextBugger-like character bugs on the most important words: insert a space inside the word, delete an inner letter, swap two inner neighbours, homoglyph substitution, QWERTY-neighbour typo.',
    defaults: { candidatesPerWord: 5, ops: ['insert-space', 'delete-char', 'swap-inner', 'homoglyph', 'keyboard-typo'] },
  },
  deepwordbug: {
    name: 'deepwordbug',
    level: 'character',
    search: 'word',
    description:
      'DeepWordBug-like edits on the most important words: swap two adjacent letters, substitute a random letter, delete a letter, insert a random letter (any position).',
    defaults: { candidatesPerWord: 4, ops: ['dwb-swap', 'dwb-substitute', 'dwb-delete', 'dwb-insert'] },
  },
  homoglyph: {
    name: 'homoglyph',
    level: 'character',
    search: 'word',
    description: 'Replace one letter of the most important words with a visually similar character (Latin a -> Cyrillic а, o -> о, l -> 1, ...).',
    defaults: { candidatesPerWord: 3, ops: ['homoglyph'] },
  },
  'keyboard-typo': {
    name: 'keyboard-typo',
    level: 'character',
    search: 'word',
    description: 'Replace one letter of the most important words with a neighbouring key on a QWERTY keyboard.',
    defaults: { candidatesPerWord: 3, ops: ['keyboard-typo'] },
  },
  synonym: {
    name: 'synonym',
    level: 'word',
    search: 'word',
    description:
      'Replace the most important words with WordNet synonyms (compiled table), keeping part of speech, inflection (-s, -ed, -ing, -er, -est) and capitalisation.',
    defaults: { candidatesPerWord: 8 },
  },
  checklist: {
    name: 'checklist',
    level: 'sentence',
    search: 'sentence',
    description: 'CheckList-like: append a random alphanumeric token (e.g. "LkF0FZxMZ4").',
    defaults: { candidates: 5, tokenLength: 10 },
  },
  stresstest: {
    name: 'stresstest',
    level: 'sentence',
    search: 'sentence',
    description: 'StressTest-like: append a tautology ("and true is true", "and false is not true") repeated 1..maxRepeats times.',
    defaults: { candidates: 6, maxRepeats: 5 },
  },
  distractor: {
    name: 'distractor',
    level: 'sentence',
    search: 'sentence',
    description: 'Append an irrelevant, neutral sentence from a small built-in list.',
    defaults: { candidates: 5 },
  },
  paraphrase: {
    name: 'paraphrase',
    level: 'semantic',
    search: 'sentence',
    requires: 'paraphrase',
    description: 'Paraphrase the whole instruction with the instruct LM (scorer.paraphrase); paraphrases that alter protected spans are dropped.',
    defaults: { candidates: 4 },
  },
};

export const ATTACK_NAMES: readonly AttackName[] = Object.keys(ATTACKS) as AttackName[];

export function isAttackName(name: string): name is AttackName {
  return Object.prototype.hasOwnProperty.call(ATTACKS, name);
}

/** Whether `scorer` offers what the attack needs (paraphrase). */
export function attackAvailable(name: AttackName, scorer: AttackScorer): boolean {
  const req = ATTACKS[name].requires;
  if (req === 'paraphrase') return typeof scorer.paraphrase === 'function';
  return true;
}

/** Registry defaults merged with overrides. */
export function attackParams(name: AttackName, overrides?: AttackParams): Required<AttackParams> {
  const d = ATTACKS[name].defaults;
  const merged: AttackParams = { ...d, ...overrides };
  return {
    candidatesPerWord: merged.candidatesPerWord ?? 5,
    ops: merged.ops ?? [],
    candidates: merged.candidates ?? 5,
    tokenLength: merged.tokenLength ?? 10,
    maxRepeats: merged.maxRepeats ?? 5,
  };
}
