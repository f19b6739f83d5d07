import { describe, expect, it } from 'vitest';
import { codePointLabel, describeChar, diffInstruction, type DiffSpan } from './variantDiff';

const text = (spans: DiffSpan[]) => spans.map((s) => s.text).join('');
const of = (spans: DiffSpan[], kind: DiffSpan['kind']) => spans.filter((s) => s.kind === kind).map((s) => s.text);

describe('diffInstruction', () => {
  it('reproduces both texts and marks nothing when they are equal', () => {
    const d = diffInstruction('Summarize the story.', 'Summarize the story.');
    expect(text(d.original)).toBe('Summarize the story.');
    expect(text(d.variant)).toBe('Summarize the story.');
    expect(d.removed + d.inserted).toBe(0);
    expect(d.original.every((s) => s.kind === 'same')).toBe(true);
  });

  it('shows a homoglyph swap as one changed character with its code point', () => {
    const d = diffInstruction('Please summarize the story.', 'Please summ\u0430rize the story.');
    expect(text(d.original)).toBe('Please summarize the story.');
    expect(text(d.variant)).toBe('Please summ\u0430rize the story.');
    expect(of(d.original, 'del')).toEqual(['a']);
    expect(of(d.variant, 'ins')).toEqual(['\u0430']);
    const glyph = d.variant.find((s) => s.kind === 'ins')!;
    expect(glyph.special).toBe(true);
    expect(glyph.title).toContain('U+0430');
    expect(glyph.title).toContain('Cyrillic');
    // The rest of the changed word is context, not a change.
    expect(of(d.variant, 'ctx').join('')).toBe('summrize');
    expect(d.removed).toBe(1);
    expect(d.inserted).toBe(1);
  });

  it('refines typos, inserted spaces and digit swaps to characters', () => {
    const d = diffInstruction('Write a short poem', 'Wr1te a sh ort poem');
    expect(of(d.original, 'del')).toEqual(['i']);
    expect(of(d.variant, 'ins')).toEqual(['1', ' ']);
    expect(d.variant.find((s) => s.text === '1')!.title).toBe('inserted: "1" U+0031');
  });

  it('keeps dissimilar word replacements at word level', () => {
    const d = diffInstruction('Write a poem about cats', 'Compose a poem about cats');
    expect(of(d.original, 'del')).toEqual(['Write']);
    expect(of(d.variant, 'ins')).toEqual(['Compose']);
    expect(of(d.variant, 'ctx')).toEqual([]);
  });

  it('shows appended text and deletions', () => {
    const d = diffInstruction('Name three colors.', 'Name three colors. and true is true');
    expect(text(d.variant)).toBe('Name three colors. and true is true');
    expect(of(d.variant, 'ins').join('')).toBe(' and true is true');
    const del = diffInstruction('Name three bright colors.', 'Name three colors.');
    expect(of(del.original, 'del').join('').trim()).toBe('bright');
    expect(of(del.variant, 'ins')).toEqual([]);
  });

  it('makes invisible characters visible', () => {
    const d = diffInstruction('summarize', 'sum\u200bmarize');
    const zw = d.variant.find((s) => s.kind === 'ins')!;
    expect(zw.text).toBe('·');
    expect(zw.special).toBe(true);
    expect(zw.title).toContain('U+200B zero width space');
  });

  it('labels code points', () => {
    expect(codePointLabel('a')).toBe('U+0061');
    expect(codePointLabel('\u{1D41A}')).toBe('U+1D41A');
    expect(describeChar('\u0435')).toBe('"\u0435" U+0435 Cyrillic');
    expect(describeChar(' ')).toBe('U+0020 space');
    expect(describeChar('\u00a0')).toBe('U+00A0 no-break space');
  });
});
