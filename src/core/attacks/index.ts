// Adversarial instruction perturbations (prompt attacks). Pure TypeScript: model access only through
// AttackScorer. See docs/attacks.md.

import type { VariantScores } from '../types.ts';
import type { AttackVariant } from './types.ts';

export type {
  AttackBudgets,
  AttackInfo,
  AttackLevel,
  AttackName,
  AttackParams,
  AttackScorer,
  AttackVariant,
  GenerateOptions,
  RandomOptions,
} from './types.ts';
export { ATTACKS, ATTACK_NAMES, attackAvailable, attackParams, isAttackName } from './registry.ts';
export { AttackSession, deleteWord, generateVariants, randomVariants, type RankedWord } from './search.ts';
export {
  DEFAULT_MAX_EDIT_FRACTION,
  DEFAULT_MAX_RANKED_WORDS,
  DEFAULT_QUERY_BUDGET,
  DEFAULT_SIMILARITY_THRESHOLD,
  checkConstraints,
  cosine,
  editedWordCount,
  maxEditedWords,
  passesSimilarity,
} from './constraints.ts';
export { applyEdits, diffEdits, editsTouchProtected, shiftEdits, sortEdits } from './edits.ts';
export { findProtectedSpans, isProtectedRange, tokenize, type ProtectedKind, type ProtectedSpan, type TokenizedInstruction, type WordToken } from './tokenize.ts';
export { Rng, hashString, makeRng, mulberry32 } from './prng.ts';
export { STOPWORDS, isStopword } from './stopwords.ts';
export { analyze, inflect, matchCase, type Analysis, type Pos, type WordForm } from './inflect.ts';
export {
  CHAR_OPS,
  HOMOGLYPHS,
  KEYBOARD_NEIGHBOURS,
  charApplicable,
  charCandidates,
  type CharOp,
  type CharOpName,
} from './transforms/char.ts';
export {
  loadSynonymTable,
  parseSynonymTable,
  readWord,
  synonymCandidates,
  type SynonymContext,
  type SynonymEntry,
  type SynonymTable,
  type SynonymTableJson,
} from './transforms/synonym.ts';
export {
  DISTRACTORS,
  TAUTOLOGIES,
  appendText,
  checklistCandidates,
  distractorCandidates,
  randomToken,
  stresstestCandidates,
} from './transforms/sentence.ts';
export { paraphraseCandidates } from './transforms/model.ts';
export type { TextCandidate, WordCandidate } from './transforms/types.ts';

/** The core VariantScores record for a variant; model-derived fields (aifd, ...) are left null for the scoring run. */
export function toVariantScores(v: AttackVariant): VariantScores {
  return {
    attack: v.attack,
    instruction: v.instruction,
    s_a_given_q: Number.isFinite(v.s_a_given_q) ? v.s_a_given_q : null,
    aifd: null,
    dist_consistency: null,
    embed_consistency: null,
    similarity: v.similarity,
    queries: v.queries,
    edits: v.edits,
  };
}
