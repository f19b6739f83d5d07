import type { EditOp } from '../../types.ts';

/** A replacement for one word, with the character-level ops that produce it (word-relative offsets). */
export interface WordCandidate {
  text: string;
  ops: EditOp[];
}

/** A whole-instruction candidate (sentence-level / paraphrase), ops in instruction offsets. */
export interface TextCandidate {
  text: string;
  edits: EditOp[];
}
