import { describe, expect, it } from 'vitest';
import { applyEdits } from '../edits.ts';
import { Rng } from '../prng.ts';
import {
  DISTRACTORS,
  TAUTOLOGIES,
  appendText,
  checklistCandidates,
  distractorCandidates,
  randomToken,
  stresstestCandidates,
} from './sentence.ts';

const INS = 'Write a haiku about autumn.';

describe('sentence-level transforms', () => {
  it('checklist appends a random alphanumeric token of the given length', () => {
    const cs = checklistCandidates(INS, new Rng(1), 4);
    expect(cs).toHaveLength(4);
    for (const c of cs) {
      expect(c.text).toMatch(/^Write a haiku about autumn\. [A-Za-z0-9]{10}$/);
      expect(applyEdits(INS, c.edits)).toBe(c.text);
      expect(c.edits).toEqual([{ start: INS.length, end: INS.length, before: '', after: c.text.slice(INS.length), op: 'append-token' }]);
    }
    expect(new Set(cs.map((c) => c.text)).size).toBe(4);
    expect(randomToken(new Rng(2), 7)).toMatch(/^[A-Za-z0-9]{7}$/);
    expect(checklistCandidates(INS, new Rng(1), 4)).toEqual(cs);
  });

  it('stresstest appends a tautology repeated 1..maxRepeats times', () => {
    const cs = stresstestCandidates(INS, new Rng(3), 100, 3);
    expect(cs).toHaveLength(TAUTOLOGIES.length * 3);
    for (const c of cs) {
      expect(c.text.startsWith(INS + ' ')).toBe(true);
      const tail = c.text.slice(INS.length + 1);
      const t = TAUTOLOGIES.find((x) => tail.startsWith(x));
      expect(t).toBeDefined();
      const reps = tail.split(t ?? '').length - 1;
      expect(reps).toBeGreaterThanOrEqual(1);
      expect(reps).toBeLessThanOrEqual(3);
      expect(tail).toBe(Array.from({ length: reps }, () => t).join(' '));
    }
    expect(stresstestCandidates(INS, new Rng(3), 2, 3)).toHaveLength(2);
  });

  it('distractor appends distinct neutral sentences', () => {
    const cs = distractorCandidates(INS, new Rng(4), 5);
    expect(new Set(cs.map((c) => c.text)).size).toBe(5);
    for (const c of cs) expect(DISTRACTORS).toContain(c.text.slice(INS.length + 1));
  });

  it('appends after the last non-space character and keeps trailing whitespace', () => {
    const c = appendText('Do it.\n\n', 'X', 'a');
    expect(c.text).toBe('Do it. X\n\n');
  });

  it('after a trailing code block it starts a new paragraph', () => {
    const ins = 'Explain this:\n```\nx = 1\n```';
    expect(appendText(ins, 'and true is true', 'a').text).toBe(ins + '\n\nand true is true');
    const ind = 'Explain:\n\n    x = 1';
    expect(appendText(ind, 'Z', 'a').text).toBe(ind + '\n\nZ');
  });
});
