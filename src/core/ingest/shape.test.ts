import { describe, expect, it } from 'vitest';
import { hashString } from './hash';
import { columnsOf, detectShape, normaliseRole, toSample } from './shape';

describe('detectShape', () => {
  it('recognises alpaca (instruction/input/output)', () => {
    expect(detectShape([{ instruction: 'a', input: '', output: 'b' }])).toEqual({
      shape: 'alpaca',
      mapping: { instruction: 'instruction', input: 'input', response: 'output' },
    });
  });

  it('recognises alpaca with `response` and without an input field', () => {
    expect(detectShape([{ instruction: 'a', response: 'b' }])).toEqual({
      shape: 'alpaca',
      mapping: { instruction: 'instruction', input: 'input', response: 'response' },
    });
  });

  it('uses a Dolly-style `context` field as the alpaca input', () => {
    expect(detectShape([{ instruction: 'a', context: 'c', response: 'b', category: 'x' }])).toEqual({
      shape: 'alpaca',
      mapping: { instruction: 'instruction', input: 'context', response: 'response' },
    });
  });

  it('matches field names case-insensitively and keeps the actual key names', () => {
    expect(detectShape([{ Instruction: 'a', Output: 'b' }])?.mapping).toEqual({
      instruction: 'Instruction',
      input: 'input',
      response: 'Output',
    });
  });

  it('recognises sharegpt and messages', () => {
    expect(detectShape([{ conversations: [{ from: 'human', value: 'x' }] }])).toEqual({ shape: 'sharegpt', mapping: null });
    expect(detectShape([{ messages: [{ role: 'user', content: 'x' }] }])).toEqual({ shape: 'messages', mapping: null });
  });

  it.each([
    ['prompt', 'response'],
    ['prompt', 'completion'],
    ['question', 'answer'],
    ['query', 'response'],
  ])('recognises prompt-response pair %s/%s', (a, b) => {
    expect(detectShape([{ id: 1, [a]: 'x', [b]: 'y' }])).toEqual({
      shape: 'prompt-response',
      mapping: { instruction: a, input: null, response: b },
    });
  });

  it('returns null for unrecognised records, empty input, and when no shape covers half the records', () => {
    expect(detectShape([{ text: 'hello' }])).toBeNull();
    expect(detectShape([])).toBeNull();
    const mixed = [{ text: 'a' }, { text: 'b' }, { text: 'c' }, { instruction: 'i', output: 'o' }];
    expect(detectShape(mixed)).toBeNull();
  });

  it('picks the majority shape and only looks at the first 50 records', () => {
    const recs = [
      ...Array.from({ length: 30 }, () => ({ prompt: 'p', completion: 'c' })),
      ...Array.from({ length: 20 }, () => ({ text: 't' })),
      ...Array.from({ length: 100 }, () => ({ instruction: 'i', output: 'o' })),
    ];
    expect(detectShape(recs)?.shape).toBe('prompt-response');
  });
});

describe('columnsOf', () => {
  it('returns the union of keys in first-seen order', () => {
    expect(columnsOf([{ b: 1, a: 2 }, { c: 3, a: 4 }, { d: 5 }])).toEqual(['b', 'a', 'c', 'd']);
  });
});

describe('normaliseRole', () => {
  it('maps ShareGPT and chat role names', () => {
    for (const r of ['human', 'user', 'USER']) expect(normaliseRole(r)).toBe('user');
    for (const r of ['gpt', 'assistant', 'chatgpt', 'bard', 'model']) expect(normaliseRole(r)).toBe('assistant');
    expect(normaliseRole('system')).toBe('system');
    expect(normaliseRole('tool')).toBeNull();
  });
});

describe('toSample', () => {
  const alpaca = { instruction: 'I', input: 'ctx', output: 'O' };
  const am = { instruction: 'instruction', input: 'input', response: 'output' };

  it('builds an alpaca sample with a content-hash id', () => {
    const r = toSample(alpaca, 'alpaca', am, 3, 4);
    expect(r).toEqual({
      ok: true,
      sample: { id: hashString(JSON.stringify(alpaca)), index: 3, line: 4, instruction: 'I', input: 'ctx', response: 'O', history: [] },
    });
  });

  it('uses conventional alpaca fields when the mapping is null, and an explicit id when given', () => {
    const r = toSample({ instruction: 'I', response: 'R' }, 'alpaca', null, 0, 1, { id: 'fixed' });
    expect(r.ok && r.sample).toMatchObject({ id: 'fixed', instruction: 'I', input: '', response: 'R' });
  });

  it('treats a missing or null input as empty, and rejects a non-string input', () => {
    expect(toSample({ instruction: 'I', output: 'O' }, 'alpaca', am, 0, 1)).toMatchObject({ ok: true, sample: { input: '' } });
    expect(toSample({ instruction: 'I', input: null, output: 'O' }, 'alpaca', am, 0, 1)).toMatchObject({
      ok: true,
      sample: { input: '' },
    });
    expect(toSample({ instruction: 'I', input: 5, output: 'O' }, 'alpaca', am, 0, 1, { file: 'f.jsonl' })).toEqual({
      ok: false,
      issue: { file: 'f.jsonl', line: 1, kind: 'not-a-string', field: 'input', message: 'line 1: field "input" is not a string (number)' },
    });
  });

  it('reports a missing field with the spec message', () => {
    expect(toSample({ instruction: 'I' }, 'alpaca', am, 6, 7, { file: 'd.jsonl' })).toEqual({
      ok: false,
      issue: { file: 'd.jsonl', line: 7, kind: 'missing-field', field: 'output', message: 'line 7: field "output" is missing' },
    });
  });

  it('does not coerce numbers for instruction/response', () => {
    const r = toSample({ instruction: 'I', output: 42 }, 'alpaca', am, 0, 2);
    expect(r).toMatchObject({ ok: false, issue: { kind: 'not-a-string', field: 'output' } });
    const r2 = toSample({ instruction: ['x'], output: 'O' }, 'alpaca', am, 0, 2);
    expect(r2).toMatchObject({ ok: false, issue: { kind: 'not-a-string', field: 'instruction', message: 'line 2: field "instruction" is not a string (array)' } });
  });

  it('reports empty / whitespace-only instruction and empty response', () => {
    expect(toSample({ instruction: '  \n', output: 'O' }, 'alpaca', am, 0, 1)).toMatchObject({
      ok: false,
      issue: { kind: 'empty-instruction', field: 'instruction' },
    });
    expect(toSample({ instruction: 'I', output: '' }, 'alpaca', am, 0, 1)).toMatchObject({
      ok: false,
      issue: { kind: 'empty-response', field: 'output' },
    });
  });

  it('uses the position label in messages', () => {
    const r = toSample({ instruction: 'I' }, 'alpaca', am, 0, 9, { label: 'record' });
    expect(!r.ok && r.issue.message).toBe('record 9: field "output" is missing');
  });

  it('handles the mapped shape and throws without a mapping', () => {
    const raw = { q: 'Q', ctx: 'C', a: 'A' };
    const r = toSample(raw, 'mapped', { instruction: 'q', input: 'ctx', response: 'a' }, 0, 1);
    expect(r).toMatchObject({ ok: true, sample: { instruction: 'Q', input: 'C', response: 'A' } });
    expect(() => toSample(raw, 'mapped', null, 0, 1)).toThrow(/mapping/);
  });

  it('prompt-response without a mapping finds the pair in the record', () => {
    expect(toSample({ question: 'Q', answer: 'A' }, 'prompt-response', null, 0, 1)).toMatchObject({
      ok: true,
      sample: { instruction: 'Q', input: '', response: 'A' },
    });
  });

  describe('multi-turn', () => {
    const conv = {
      conversations: [
        { from: 'system', value: 'Be nice.' },
        { from: 'human', value: 'Hi' },
        { from: 'gpt', value: 'Hello!' },
        { from: 'human', value: 'What is 2+2?' },
        { from: 'gpt', value: '4' },
        { from: 'human', value: 'thanks (trailing, ignored)' },
      ],
    };

    it('sharegpt: last assistant turn is the response, the user turn before it the instruction, the rest history', () => {
      const r = toSample(conv, 'sharegpt', null, 0, 1);
      expect(r).toMatchObject({
        ok: true,
        sample: {
          instruction: 'What is 2+2?',
          input: '',
          response: '4',
          history: [
            { role: 'system', content: 'Be nice.' },
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Hello!' },
          ],
        },
      });
    });

    it('messages: same rules with role/content', () => {
      const raw = {
        messages: [
          { role: 'system', content: 'S' },
          { role: 'user', content: 'U1' },
          { role: 'assistant', content: 'A1' },
        ],
      };
      expect(toSample(raw, 'messages', null, 0, 1)).toMatchObject({
        ok: true,
        sample: { instruction: 'U1', response: 'A1', history: [{ role: 'system', content: 'S' }] },
      });
    });

    it('a missing last assistant turn is a missing-field issue', () => {
      const r = toSample({ messages: [{ role: 'user', content: 'U' }] }, 'messages', null, 0, 3);
      expect(r).toMatchObject({ ok: false, issue: { kind: 'missing-field', field: 'messages', line: 3 } });
      const r2 = toSample({ conversations: [] }, 'sharegpt', null, 0, 3);
      expect(r2).toMatchObject({ ok: false, issue: { kind: 'missing-field', field: 'conversations' } });
      const r3 = toSample({ other: 1 }, 'sharegpt', null, 0, 3);
      expect(r3).toMatchObject({ ok: false, issue: { kind: 'missing-field', field: 'conversations' } });
    });

    it('requires a user turn right before the last assistant turn', () => {
      const r = toSample(
        { messages: [{ role: 'system', content: 'S' }, { role: 'assistant', content: 'A' }] },
        'messages',
        null,
        0,
        1,
      );
      expect(r).toMatchObject({ ok: false, issue: { kind: 'missing-field', field: 'messages' } });
    });

    it('rejects non-string content and unknown roles', () => {
      const r = toSample({ messages: [{ role: 'user', content: [{ type: 'text' }] }, { role: 'assistant', content: 'A' }] }, 'messages', null, 0, 1);
      expect(r).toMatchObject({ ok: false, issue: { kind: 'not-a-string', field: 'messages' } });
      const r2 = toSample({ messages: [{ role: 'tool', content: 'x' }, { role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] }, 'messages', null, 0, 1);
      expect(r2).toMatchObject({ ok: false, issue: { kind: 'malformed', field: 'messages' } });
      expect(!r2.ok && r2.issue.message).toContain('unknown role "tool"');
      const r3 = toSample({ messages: 'nope' }, 'messages', null, 0, 1);
      expect(r3).toMatchObject({ ok: false, issue: { kind: 'malformed', field: 'messages' } });
    });

    it('reports empty instruction / response turns', () => {
      const e1 = toSample({ messages: [{ role: 'user', content: ' ' }, { role: 'assistant', content: 'A' }] }, 'messages', null, 0, 1);
      expect(e1).toMatchObject({ ok: false, issue: { kind: 'empty-instruction' } });
      const e2 = toSample({ messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: '' }] }, 'messages', null, 0, 1);
      expect(e2).toMatchObject({ ok: false, issue: { kind: 'empty-response' } });
    });
  });
});
