// Test helper: a character-level tokenizer for fake scoring backends (no model).
import type { RenderedText } from '../../templates';
import type { TokenizedText } from '../types';

/**
 * One token per character: id 1 + (code mod (vocabSize - 1)), with BOS = 0 when `addSpecial`; the
 * response's tokens are exactly its characters (each token's span is one character of it).
 */
export function charTokenize(r: RenderedText, addSpecial: boolean, vocabSize: number): TokenizedText {
  const ids = [...(addSpecial ? [0] : []), ...Array.from(r.text, (c) => 1 + (c.charCodeAt(0) % (vocabSize - 1)))];
  const lead = addSpecial ? 1 : 0;
  const respStart = lead + r.responseStart;
  const respEnd = lead + r.responseEnd;
  const respSpans = new Int32Array(2 * (respEnd - respStart));
  for (let k = 0; k < respEnd - respStart; k++) (respSpans[2 * k] = k), (respSpans[2 * k + 1] = k + 1);
  return { ids, respStart, respEnd, lead, respSpans, method: 'offsets' };
}
