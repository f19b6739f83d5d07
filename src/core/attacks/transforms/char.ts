// Character-level word perturbations.
//
// TextBugger-like (Li et al., 2019), first and last letters kept where the op says so:
//   insert-space   split the word with a space            "summarize" -> "summ arize"
//   delete-char    delete an inner letter                  "summarize" -> "sumarize"
//   swap-inner     swap two adjacent inner letters         "summarize" -> "smumarize"
//   homoglyph      visually similar character              "summarize" -> "summаrize" (Cyrillic а)
//   keyboard-typo  QWERTY neighbour of a letter            "summarize" -> "summarizr"
// DeepWordBug-like (Gao et al., 2018), any position:
//   dwb-swap, dwb-substitute (random letter), dwb-delete, dwb-insert (random letter)
//
// Every op works on one word and returns a WordCandidate whose ops are word-relative; null when
// the word is too short for it. Only letters are touched (apostrophes stay).

import type { Rng } from '../prng.ts';
import type { WordCandidate } from './types.ts';

export type CharOpName =
  | 'insert-space'
  | 'delete-char'
  | 'swap-inner'
  | 'homoglyph'
  | 'keyboard-typo'
  | 'dwb-swap'
  | 'dwb-substitute'
  | 'dwb-delete'
  | 'dwb-insert';

export type CharOp = (word: string, rng: Rng) => WordCandidate | null;

/** Visually similar substitutes: Cyrillic/Greek/Latin-extended look-alikes, plus TextBugger's 1/0. */
export const HOMOGLYPHS: Readonly<Record<string, readonly string[]>> = {
  a: ['\u0430'], // Cyrillic а
  c: ['\u0441'], // с
  d: ['\u0501'], // ԁ
  e: ['\u0435'], // е
  h: ['\u04bb'], // һ
  i: ['\u0456'], // і
  j: ['\u0458'], // ј
  l: ['1', '\u04cf'], // digit one, Cyrillic palochka ӏ
  o: ['\u043e', '0'], // о, digit zero
  p: ['\u0440'], // р
  q: ['\u051b'], // ԛ
  s: ['\u0455'], // ѕ
  x: ['\u0445'], // х
  y: ['\u0443'], // у
  A: ['\u0410'],
  B: ['\u0412'],
  C: ['\u0421'],
  E: ['\u0415'],
  H: ['\u041d'],
  I: ['\u0406'],
  J: ['\u0408'],
  K: ['\u041a'],
  M: ['\u041c'],
  N: ['\u039d'], // Greek Ν
  O: ['\u041e', '0'],
  P: ['\u0420'],
  S: ['\u0405'],
  T: ['\u0422'],
  X: ['\u0425'],
  Y: ['\u04ae'],
  Z: ['\u0396'], // Greek Ζ
};

const QWERTY_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
/** Letters adjacent on a QWERTY keyboard (same row and the rows above/below). */
export const KEYBOARD_NEIGHBOURS: Readonly<Record<string, string>> = (() => {
  const pos = new Map<string, [number, number]>();
  QWERTY_ROWS.forEach((row, r) => [...row].forEach((ch, c) => pos.set(ch, [r, c + r * 0.5])));
  const out: Record<string, string> = {};
  for (const [ch, [r, x]] of pos) {
    let n = '';
    for (const [other, [r2, x2]] of pos) {
      if (other !== ch && Math.abs(r - r2) <= 1 && Math.abs(x - x2) <= 1) n += other;
    }
    out[ch] = n;
  }
  return out;
})();

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const isLetter = (ch: string): boolean => /\p{L}/u.test(ch);
const isUpper = (ch: string): boolean => ch !== ch.toLowerCase();
const sameCase = (ch: string, model: string): string => (isUpper(model) ? ch.toUpperCase() : ch);

/** Indices i in [from, to) where word[i] (and word[i+1] when pair) are letters. */
function letterPositions(word: string, from: number, to: number, pair = false): number[] {
  const out: number[] = [];
  for (let i = Math.max(0, from); i < Math.min(word.length, to); i++) {
    if (!isLetter(word.charAt(i))) continue;
    if (pair && !(i + 1 < word.length && isLetter(word.charAt(i + 1)) && word.charAt(i) !== word.charAt(i + 1))) continue;
    out.push(i);
  }
  return out;
}

const replaceAt = (word: string, i: number, len: number, after: string, op: string): WordCandidate => ({
  text: word.slice(0, i) + after + word.slice(i + len),
  ops: [{ start: i, end: i + len, before: word.slice(i, i + len), after, op }],
});

export const insertSpace: CharOp = (word, rng) => {
  // between two letters, never at the edges
  const ps = letterPositions(word, 1, word.length).filter((i) => isLetter(word.charAt(i - 1)));
  const i = rng.pick(ps);
  return i === undefined ? null : replaceAt(word, i, 0, ' ', 'insert-space');
};

export const deleteChar: CharOp = (word, rng) => {
  if (word.length < 3) return null;
  const i = rng.pick(letterPositions(word, 1, word.length - 1));
  return i === undefined ? null : replaceAt(word, i, 1, '', 'delete-char');
};

export const swapInner: CharOp = (word, rng) => {
  if (word.length < 4) return null;
  const i = rng.pick(letterPositions(word, 1, word.length - 2, true));
  if (i === undefined) return null;
  return replaceAt(word, i, 2, word.charAt(i + 1) + word.charAt(i), 'swap-inner');
};

export const homoglyph: CharOp = (word, rng) => {
  const ps: number[] = [];
  for (let i = 0; i < word.length; i++) if (HOMOGLYPHS[word.charAt(i)]) ps.push(i);
  const i = rng.pick(ps);
  if (i === undefined) return null;
  const sub = rng.pick(HOMOGLYPHS[word.charAt(i)] ?? []);
  return sub === undefined ? null : replaceAt(word, i, 1, sub, 'homoglyph');
};

export const keyboardTypo: CharOp = (word, rng) => {
  const ps = letterPositions(word, 0, word.length).filter((i) => KEYBOARD_NEIGHBOURS[word.charAt(i).toLowerCase()]);
  const i = rng.pick(ps);
  if (i === undefined) return null;
  const ch = word.charAt(i);
  const n = rng.pick([...(KEYBOARD_NEIGHBOURS[ch.toLowerCase()] ?? '')]);
  return n === undefined ? null : replaceAt(word, i, 1, sameCase(n, ch), 'keyboard-typo');
};

export const dwbSwap: CharOp = (word, rng) => {
  if (word.length < 2) return null;
  const i = rng.pick(letterPositions(word, 0, word.length - 1, true));
  if (i === undefined) return null;
  return replaceAt(word, i, 2, word.charAt(i + 1) + word.charAt(i), 'dwb-swap');
};

export const dwbSubstitute: CharOp = (word, rng) => {
  const i = rng.pick(letterPositions(word, 0, word.length));
  if (i === undefined) return null;
  const ch = word.charAt(i);
  const options = [...ALPHABET].filter((c) => c !== ch.toLowerCase());
  const sub = rng.pick(options);
  return sub === undefined ? null : replaceAt(word, i, 1, sameCase(sub, ch), 'dwb-substitute');
};

export const dwbDelete: CharOp = (word, rng) => {
  if (word.length < 2) return null;
  const i = rng.pick(letterPositions(word, 0, word.length));
  return i === undefined ? null : replaceAt(word, i, 1, '', 'dwb-delete');
};

export const dwbInsert: CharOp = (word, rng) => {
  if (word.length < 1) return null;
  const i = rng.int(word.length + 1);
  const model = word.charAt(Math.min(i, word.length - 1));
  const ch = rng.pick([...ALPHABET]) ?? 'a';
  // keep an all-caps word all caps; otherwise insert lower case
  const up = word.length > 1 && word === word.toUpperCase() && isUpper(model);
  return replaceAt(word, i, 0, up ? ch.toUpperCase() : ch, 'dwb-insert');
};

export const CHAR_OPS: Readonly<Record<CharOpName, CharOp>> = {
  'insert-space': insertSpace,
  'delete-char': deleteChar,
  'swap-inner': swapInner,
  homoglyph,
  'keyboard-typo': keyboardTypo,
  'dwb-swap': dwbSwap,
  'dwb-substitute': dwbSubstitute,
  'dwb-delete': dwbDelete,
  'dwb-insert': dwbInsert,
};

/** Can any of `ops` change this word? (Cheap, deterministic: used to pick words to rank.) */
export function charApplicable(word: string, ops: readonly CharOpName[]): boolean {
  return ops.some((name) => {
    switch (name) {
      case 'insert-space':
        return letterPositions(word, 1, word.length).some((i) => isLetter(word.charAt(i - 1)));
      case 'delete-char':
        return word.length >= 3 && letterPositions(word, 1, word.length - 1).length > 0;
      case 'swap-inner':
        return word.length >= 4 && letterPositions(word, 1, word.length - 2, true).length > 0;
      case 'homoglyph':
        return [...word].some((ch) => HOMOGLYPHS[ch] !== undefined);
      case 'keyboard-typo':
      case 'dwb-substitute':
        return letterPositions(word, 0, word.length).length > 0;
      case 'dwb-swap':
        return letterPositions(word, 0, word.length - 1, true).length > 0;
      case 'dwb-delete':
        return word.length >= 2 && letterPositions(word, 0, word.length).length > 0;
      case 'dwb-insert':
        return word.length >= 1;
    }
  });
}

/**
 * Up to `n` distinct perturbations of `word`, each made by one op drawn uniformly from `ops`.
 * Deterministic for a given rng state.
 */
export function charCandidates(word: string, ops: readonly CharOpName[], rng: Rng, n: number): WordCandidate[] {
  const out: WordCandidate[] = [];
  const seen = new Set<string>([word]);
  const usable = ops.filter((o) => charApplicable(word, [o]));
  if (usable.length === 0 || n <= 0) return out;
  for (let attempt = 0; attempt < n * 8 && out.length < n; attempt++) {
    const name = usable[attempt < usable.length && n >= usable.length ? attempt : rng.int(usable.length)];
    if (!name) continue;
    const c = CHAR_OPS[name](word, rng);
    if (c && !seen.has(c.text)) {
      seen.add(c.text);
      out.push(c);
    }
  }
  return out;
}
