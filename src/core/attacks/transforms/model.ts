// Model-backed transformations (through AttackScorer only):
//   masked-lm   BERT-Attack-like: fill a [MASK] put in place of the word with the masked LM's top-k
//   paraphrase  whole-instruction paraphrases by the instruct LM

import { diffEdits, editsTouchProtected } from '../edits.ts';
import { matchCase } from '../inflect.ts';
import { isStopword } from '../stopwords.ts';
import { tokenize } from '../tokenize.ts';
import type { AttackScorer } from '../types.ts';
import type { TextCandidate, WordCandidate } from './types.ts';

/** Single-word fills for `word` (masked in `textWithMask`), case-matched, distinct, not stopwords. */
export async function maskedLmCandidates(
  scorer: AttackScorer,
  textWithMask: string,
  word: string,
  k: number,
): Promise<WordCandidate[]> {
  if (!scorer.maskedFill || k <= 0) return [];
  const fills = await scorer.maskedFill(textWithMask, k);
  const out: WordCandidate[] = [];
  const seen = new Set<string>([word.toLowerCase()]);
  for (const raw of fills) {
    const f = raw.trim().replace(/^##/, '');
    if (!/^\p{L}+(?:['’-]\p{L}+)*$/u.test(f) || isStopword(f)) continue;
    const text = matchCase(f.toLowerCase(), word);
    if (seen.has(text.toLowerCase())) continue;
    seen.add(text.toLowerCase());
    out.push({ text, ops: [{ start: 0, end: word.length, before: word, after: text, op: 'masked-lm' }] });
    if (out.length >= k) break;
  }
  return out;
}

/**
 * Paraphrases of `instruction` as candidates with word-level diff edits. A paraphrase is dropped
 * when it is empty, equals the instruction, or changes / drops / reorders a protected span.
 */
export async function paraphraseCandidates(
  scorer: AttackScorer,
  instruction: string,
  n: number,
  seed: number,
): Promise<TextCandidate[]> {
  if (!scorer.paraphrase || n <= 0) return [];
  const { spans } = tokenize(instruction);
  const raw = await scorer.paraphrase(instruction, n, seed);
  const out: TextCandidate[] = [];
  const seen = new Set<string>([instruction]);
  for (const p of raw) {
    const text = p.trim();
    if (text.length === 0 || seen.has(text)) continue;
    const edits = diffEdits(instruction, text, 'paraphrase');
    if (editsTouchProtected(edits, spans)) continue;
    seen.add(text);
    out.push({ text, edits });
  }
  return out;
}
