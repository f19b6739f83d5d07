import { describe, expect, it } from 'vitest';
import type { EditOp } from '../types.ts';
import { applyEdits, diffEdits, editsTouchProtected, shiftEdits } from './edits.ts';
import { Rng } from './prng.ts';
import { tokenize } from './tokenize.ts';

const op = (start: number, end: number, before: string, after: string): EditOp => ({ start, end, before, after, op: 't' });

describe('applyEdits', () => {
  it('applies edits in original offsets regardless of order', () => {
    const text = 'write a short poem';
    const edits = [op(14, 18, 'poem', 'verse'), op(0, 5, 'write', 'compose'), op(7, 7, '', ' very')];
    expect(applyEdits(text, edits)).toBe('compose a very short verse');
  });

  it('rejects overlaps and mismatched before text', () => {
    expect(() => applyEdits('abcdef', [op(0, 3, 'abc', 'x'), op(2, 4, 'cd', 'y')])).toThrow(RangeError);
    expect(() => applyEdits('abcdef', [op(0, 3, 'abd', 'x')])).toThrow(/expects/);
  });

  it('shiftEdits moves word-relative ops', () => {
    expect(shiftEdits([op(1, 2, 'b', 'x')], 10)).toEqual([op(11, 12, 'b', 'x')]);
  });

  it('editsTouchProtected', () => {
    const { spans } = tokenize('Print "hello" now');
    expect(editsTouchProtected([op(0, 5, 'Print', 'Show')], spans)).toBe(false);
    expect(editsTouchProtected([op(7, 8, 'h', 'j')], spans)).toBe(true);
    expect(editsTouchProtected([op(13, 13, '', '!')], spans)).toBe(false);
  });
});

describe('diffEdits', () => {
  it('produces word-level ops that reproduce the revision', () => {
    const a = 'Summarize the following article in three sentences.';
    const b = 'Give a summary of the following article in 3 short sentences.';
    const edits = diffEdits(a, b, 'paraphrase');
    expect(applyEdits(a, edits)).toBe(b);
    expect(edits.map((e) => [e.before, e.after])).toEqual([
      ['Summarize', 'Give a summary of'],
      ['three', '3 short'],
    ]);
    expect(edits.every((e) => e.op === 'paraphrase')).toBe(true);
  });

  it('keeps protected spans as atomic tokens', () => {
    const a = 'Please translate "good morning" to French.';
    const b = 'Translate "good morning" into French.';
    const edits = diffEdits(a, b, 'p');
    expect(applyEdits(a, edits)).toBe(b);
    expect(editsTouchProtected(edits, tokenize(a).spans)).toBe(false);
  });

  it('round-trips random strings', () => {
    const rng = new Rng(3);
    const vocab = ['the', 'cat', 'sat', ' ', ' ', ',', '.', '"x"', 'on', 'mat', '\n'];
    const gen = (): string => Array.from({ length: rng.int(15) }, () => rng.pick(vocab) ?? '').join('');
    for (let i = 0; i < 200; i++) {
      const a = gen();
      const b = gen();
      expect(applyEdits(a, diffEdits(a, b, 'd'))).toBe(b);
    }
    expect(diffEdits('same', 'same', 'd')).toEqual([]);
  });
});
