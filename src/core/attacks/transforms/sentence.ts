// Sentence-level perturbations: text appended to the instruction, never touching what is there.
//   checklist   CheckList-like: a random alphanumeric token ("... LkF0FZxMZ4")
//   stresstest  StressTest-like: a tautology repeated N times ("... and true is true and true is true")
//   distractor  an irrelevant, neutral sentence ("... The sky was clear over the hills that morning.")
// The addition goes after the last non-space character; when the instruction ends in a code block
// it goes on a new paragraph so it does not become part of the code.

import type { EditOp } from '../../types.ts';
import type { Rng } from '../prng.ts';
import { findProtectedSpans } from '../tokenize.ts';
import type { TextCandidate } from './types.ts';

export const TAUTOLOGIES: readonly string[] = ['and true is true', 'and false is not true'];

export const DISTRACTORS: readonly string[] = [
  'The sky was clear over the hills that morning.',
  'Many people enjoy a cup of tea in the afternoon.',
  'The library closes early on public holidays.',
  'Some birds travel very long distances every year.',
  'The museum has a small garden behind the main hall.',
  'Fresh bread is sold at the corner bakery.',
  'The river runs slowly through the old town.',
  'A gentle breeze moved the leaves of the tall trees.',
  'The train station was quiet late in the evening.',
  'Cats often sleep for a large part of the day.',
  'The painting in the hallway shows a quiet harbour.',
  'Rain is expected later in the week.',
  'The bookshop on the main street sells old maps.',
  'Sunflowers tend to turn toward the light.',
  'The kitchen smelled of fresh coffee.',
  'A small boat drifted along the calm lake.',
];

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random alphanumeric string of `length` characters. */
export function randomToken(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALNUM.charAt(rng.int(ALNUM.length));
  return s;
}

/** Where to append and with what separator. */
export function appendPoint(instruction: string): { at: number; sep: string } {
  const at = instruction.trimEnd().length;
  const endsInCode = findProtectedSpans(instruction).some(
    (s) => (s.kind === 'code-fence' || s.kind === 'code-indented') && s.end >= at && s.start < at,
  );
  if (at === 0) return { at, sep: '' };
  return { at, sep: endsInCode ? '\n\n' : ' ' };
}

/** `instruction` with `addition` appended, and the single insert op that does it. */
export function appendText(instruction: string, addition: string, op: string): TextCandidate {
  const { at, sep } = appendPoint(instruction);
  const after = sep + addition;
  const edit: EditOp = { start: at, end: at, before: '', after, op };
  return { text: instruction.slice(0, at) + after + instruction.slice(at), edits: [edit] };
}

/** `n` CheckList-style candidates: distinct random tokens of `length` characters. */
export function checklistCandidates(instruction: string, rng: Rng, n: number, length = 10): TextCandidate[] {
  const out: TextCandidate[] = [];
  for (let i = 0; i < n; i++) out.push(appendText(instruction, randomToken(rng, length), 'append-token'));
  return out;
}

/**
 * StressTest-style candidates: each tautology repeated 1..maxRepeats times, in a seeded order,
 * at most `n` of them.
 */
export function stresstestCandidates(instruction: string, rng: Rng, n: number, maxRepeats = 5): TextCandidate[] {
  const all: TextCandidate[] = [];
  for (const t of TAUTOLOGIES) {
    for (let r = 1; r <= maxRepeats; r++) {
      all.push(appendText(instruction, Array.from({ length: r }, () => t).join(' '), 'append-tautology'));
    }
  }
  return rng.shuffle(all).slice(0, n);
}

/** `n` distinct distractor sentences from DISTRACTORS (seeded choice). */
export function distractorCandidates(instruction: string, rng: Rng, n: number): TextCandidate[] {
  return rng
    .shuffle(DISTRACTORS)
    .slice(0, n)
    .map((s) => appendText(instruction, s, 'append-distractor'));
}
