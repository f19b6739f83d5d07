// Model-backed transformations (through AttackScorer only):
//   paraphrase  whole-instruction paraphrases by the instruct LM

import { diffEdits, editsTouchProtected } from '../edits.ts';
import { tokenize } from '../tokenize.ts';
import type { AttackScorer } from '../types.ts';
import type { TextCandidate } from './types.ts';

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
