// Public types of the attack module.

import type { EditOp } from '../types.ts';
import type { CharOpName } from './transforms/char.ts';
import type { SynonymTable } from './transforms/synonym.ts';

/**
 * Everything the attacks need from a model, behind one interface (the engine-backed
 * implementation lives elsewhere; tests use fakes).
 */
export interface AttackScorer {
  /**
   * s(A|Q') for each candidate instruction: mean response cross-entropy under the scoring model,
   * with the sample's input/context and response held fixed by the implementation. Batched; must
   * return one number per candidate, in order. Higher = the model helps less = stronger attack.
   */
  scoreInstructions(candidates: string[], signal?: AbortSignal): Promise<number[]>;
  /** Sentence embeddings (unit-normalised) for the meaning-preservation constraint. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Optional: paraphrases of `instruction` by the instruct LM (low temperature); absent -> paraphrase attack unavailable. */
  paraphrase?(instruction: string, n: number, seed: number): Promise<string[]>;
}

export type AttackName =
  | 'textbugger'
  | 'deepwordbug'
  | 'homoglyph'
  | 'keyboard-typo'
  | 'synonym'
  | 'checklist'
  | 'stresstest'
  | 'distractor'
  | 'paraphrase';

export type AttackLevel = 'character' | 'word' | 'sentence' | 'semantic';

/** Per-attack parameters; each attack reads only the ones listed in its registry entry. */
export interface AttackParams {
  /** Word-level attacks: candidates generated (and scored, one batch) per attacked word. */
  candidatesPerWord?: number;
  /** Character attacks: which character ops may be drawn. */
  ops?: CharOpName[];
  /** Sentence-level / paraphrase attacks: candidates generated (and scored, one batch) per variant. */
  candidates?: number;
  /** checklist: length of the random token. */
  tokenLength?: number;
  /** stresstest: most repetitions of the tautology. */
  maxRepeats?: number;
}

export interface AttackInfo {
  name: AttackName;
  level: AttackLevel;
  description: string;
  /** Word-level search (greedy, word-importance ranked, edit-budgeted) vs. whole-instruction candidates. */
  search: 'word' | 'sentence';
  /** Scorer capability needed; absent -> always available. */
  requires?: 'paraphrase';
  defaults: Readonly<AttackParams>;
}

export interface AttackBudgets {
  /** Scorer queries (candidate instructions scored) one variant's search may spend. Default 50. */
  queryBudget?: number;
  /** At most this fraction of the instruction's words is edited (at least 1 word). Default 0.25. */
  maxEditFraction?: number;
  /** Absolute cap on edited words (applied on top of maxEditFraction). */
  maxEdits?: number;
  /** Words scored by deletion for the importance ranking (shared by all word-level attacks). Default 40. */
  maxRankedWords?: number;
}

export interface GenerateOptions extends AttackBudgets {
  /** Attacks to use, in the order slots are handed out. */
  attacks: readonly AttackName[];
  /** K: variants wanted for this sample, spread round-robin over `attacks`. */
  variants: number;
  seed: number | string;
  sampleId: string;
  /** Minimum embedding cosine between Q' and Q. Default 0.8. */
  similarityThreshold?: number;
  /** s(A|Q) of the unmodified instruction if already known (saves one query). */
  baseScore?: number;
  /** Per-attack parameter overrides (merged over the registry defaults). */
  params?: Partial<Record<AttackName, AttackParams>>;
  /** Synonym table (default: the committed WordNet table, loaded lazily). */
  synonyms?: SynonymTable;
  /** An attack that fails (no candidate, duplicate) this many times gets no more slots. Default 3. */
  maxFailures?: number;
}

export interface RandomOptions extends GenerateOptions {
  /** Words edited per word-level variant; default: the edit budget (maxEditFraction / maxEdits). */
  editCount?: number;
  /** Random draws per variant until one passes the similarity constraint. Default 5. */
  maxTries?: number;
}

/** One perturbed instruction. */
export interface AttackVariant {
  attack: AttackName;
  level: AttackLevel;
  /** 'search' from generateVariants, 'random' from randomVariants. */
  method: 'search' | 'random';
  /** 0-based index among this attack's variants of the sample. */
  variant: number;
  /** The perturbed instruction Q'. */
  instruction: string;
  /** Edits in ORIGINAL-instruction offsets; applyEdits(original, edits) === instruction. */
  edits: EditOp[];
  /** Distinct words changed (0 for sentence-level attacks and paraphrases). */
  editedWords: number;
  /** Embedding cosine between Q' and Q. */
  similarity: number;
  /** True when similarity >= threshold (word-level variants always pass; sentence-level may not). */
  constraintsPassed: boolean;
  /** Scorer queries spent for this variant, including the shared base score / word ranking it used. */
  queries: number;
  /** s(A|Q'). */
  s_a_given_q: number;
  /** s(A|Q) of the original instruction. */
  baseScore: number;
  /** s(A|Q') > s(A|Q). */
  improved: boolean;
}
