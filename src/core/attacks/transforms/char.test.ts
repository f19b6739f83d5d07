import { describe, expect, it } from 'vitest';
import { applyEdits } from '../edits.ts';
import { Rng } from '../prng.ts';
import {
  CHAR_OPS,
  HOMOGLYPHS,
  KEYBOARD_NEIGHBOURS,
  charApplicable,
  charCandidates,
  deleteChar,
  dwbDelete,
  dwbInsert,
  dwbSubstitute,
  dwbSwap,
  homoglyph,
  insertSpace,
  keyboardTypo,
  swapInner,
  type CharOpName,
} from './char.ts';

const WORDS = ['summarize', 'Article', 'explain', 'THE', 'poem', 'list', "don't"];
const ALL = Object.keys(CHAR_OPS) as CharOpName[];

function many(op: (w: string, r: Rng) => ReturnType<typeof insertSpace>, word: string, n = 60) {
  const r = new Rng(11);
  return Array.from({ length: n }, () => op(word, r)).filter((c) => c !== null);
}

describe('character ops', () => {
  it('every op: output differs, ops reproduce it, deterministic per seed', () => {
    for (const name of ALL) {
      for (const w of WORDS) {
        const a = CHAR_OPS[name](w, new Rng(5));
        const b = CHAR_OPS[name](w, new Rng(5));
        expect(a).toEqual(b);
        if (!a) continue;
        expect(a.text).not.toBe(w);
        expect(applyEdits(w, a.ops)).toBe(a.text);
        expect(a.ops.every((o) => o.op === name)).toBe(true);
      }
    }
  });

  it('insert-space splits the word strictly inside', () => {
    for (const c of many(insertSpace, 'summarize')) {
      expect(c.text.replace(' ', '')).toBe('summarize');
      expect(c.text.startsWith(' ') || c.text.endsWith(' ')).toBe(false);
    }
    expect(insertSpace('a', new Rng(1))).toBeNull();
  });

  it('delete-char removes one inner letter (first and last kept)', () => {
    for (const c of many(deleteChar, 'summarize')) {
      expect(c.text).toHaveLength(8);
      expect(c.text[0]).toBe('s');
      expect(c.text.at(-1)).toBe('e');
    }
    expect(deleteChar('at', new Rng(1))).toBeNull();
  });

  it('swap-inner swaps two different inner neighbours', () => {
    for (const c of many(swapInner, 'explain')) {
      expect(c.text).not.toBe('explain');
      expect([...c.text].sort().join('')).toBe([...'explain'].sort().join(''));
      expect(c.text[0]).toBe('e');
      expect(c.text.at(-1)).toBe('n');
    }
    expect(swapInner('abc', new Rng(1))).toBeNull();
    expect(swapInner('aaaa', new Rng(1))).toBeNull();
  });

  it('homoglyph substitutes a look-alike (Cyrillic а/о/е, l -> 1, ...)', () => {
    const seen = new Set<string>();
    for (const c of many(homoglyph, 'hello', 200)) {
      const o = c.ops[0];
      expect(o).toBeDefined();
      if (!o) continue;
      expect(HOMOGLYPHS[o.before]).toContain(o.after);
      seen.add(`${o.before}>${o.after}`);
    }
    expect(seen.has('e>\u0435')).toBe(true);
    expect(seen.has('l>1')).toBe(true);
    expect(seen.has('o>\u043e')).toBe(true);
    expect(HOMOGLYPHS.a).toContain('\u0430');
    expect(homoglyph('zzz', new Rng(1))).toBeNull();
  });

  it('keyboard-typo uses a QWERTY neighbour and keeps case', () => {
    expect(KEYBOARD_NEIGHBOURS.a).toContain('s');
    expect(KEYBOARD_NEIGHBOURS.a).toContain('q');
    expect(KEYBOARD_NEIGHBOURS.a).not.toContain('p');
    expect(KEYBOARD_NEIGHBOURS.g).toContain('h');
    for (const c of many(keyboardTypo, 'THE')) {
      const o = c.ops[0];
      if (!o) throw new Error('no op');
      expect(KEYBOARD_NEIGHBOURS[o.before.toLowerCase()]).toContain(o.after.toLowerCase());
      expect(o.after).toBe(o.after.toUpperCase());
    }
  });

  it('DeepWordBug ops: swap / substitute / delete / insert anywhere', () => {
    for (const c of many(dwbSwap, 'poem')) expect([...c.text].sort().join('')).toBe('emop');
    for (const c of many(dwbSubstitute, 'poem')) {
      expect(c.text).toHaveLength(4);
      expect([...c.text].filter((ch, i) => ch !== 'poem'[i])).toHaveLength(1);
    }
    for (const c of many(dwbDelete, 'poem')) expect(c.text).toHaveLength(3);
    const inserts = many(dwbInsert, 'poem', 200);
    for (const c of inserts) expect(c.text).toHaveLength(5);
    // any position, including the edges
    expect(inserts.some((c) => c.ops[0]?.start === 0)).toBe(true);
    expect(inserts.some((c) => c.ops[0]?.start === 4)).toBe(true);
  });

  it('apostrophes are never touched', () => {
    for (const name of ALL) {
      for (const c of many(CHAR_OPS[name], "don't", 40)) {
        for (const o of c.ops) expect(o.before.includes("'") && !o.after.includes("'")).toBe(false);
      }
    }
  });

  it('charCandidates: distinct, all ops represented, deterministic', () => {
    const ops: CharOpName[] = ['insert-space', 'delete-char', 'swap-inner', 'homoglyph', 'keyboard-typo'];
    const a = charCandidates('summarize', ops, new Rng(9), 5);
    expect(a).toHaveLength(5);
    expect(new Set(a.map((c) => c.text)).size).toBe(5);
    expect(new Set(a.map((c) => c.ops[0]?.op))).toEqual(new Set(ops));
    expect(charCandidates('summarize', ops, new Rng(9), 5)).toEqual(a);
    expect(charCandidates('summarize', ops, new Rng(10), 5)).not.toEqual(a);
    expect(charCandidates('x', ['swap-inner'], new Rng(1), 3)).toEqual([]);
    expect(charApplicable('x', ['swap-inner', 'delete-char'])).toBe(false);
    expect(charApplicable('x', ['dwb-insert'])).toBe(true);
  });
});
