import { describe, expect, it } from 'vitest';
import { IngestFatalError } from '../types';
import { hashString } from './hash';
import { blobSource, bytesSource, ingest, textSource } from './index';
import type { ByteSource, IngestEvent } from './index';
import { collect, collectBytes, collectText, jsonl, rejection } from './test-helpers';

const enc = (s: string) => new TextEncoder().encode(s);

const ALPACA = [
  { instruction: 'Say hi', input: '', output: 'Hi!' },
  { instruction: 'Add', input: '2 and 3', output: '5' },
  { instruction: 'Translate to French', input: 'cat', output: 'chat' },
];

async function fatalOf(p: Promise<unknown>): Promise<IngestFatalError> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(IngestFatalError);
  return e as IngestFatalError;
}

describe('ingest: JSONL', () => {
  it('streams alpaca records with the expected events, ids, lines and raw records', async () => {
    const c = await collectText('train.jsonl', jsonl(ALPACA));
    expect(c.types[0]).toBe('format');
    expect(c.events[0]).toEqual({ type: 'format', format: 'jsonl' });
    expect(c.events[1]).toEqual({
      type: 'shape',
      shape: 'alpaca',
      mapping: { instruction: 'instruction', input: 'input', response: 'output' },
    });
    expect(c.types).toContain('batch');
    expect(c.types.at(-1)).toBe('done');
    expect(c.done).toEqual({
      type: 'done',
      samples: 3,
      issues: 0,
      format: 'jsonl',
      shape: 'alpaca',
      mapping: { instruction: 'instruction', input: 'input', response: 'output' },
    });
    expect(c.samples.map((s) => [s.index, s.line, s.instruction, s.input, s.response])).toEqual([
      [0, 1, 'Say hi', '', 'Hi!'],
      [1, 2, 'Add', '2 and 3', '5'],
      [2, 3, 'Translate to French', 'cat', 'chat'],
    ]);
    expect(c.rows.map((r) => r.raw)).toEqual(ALPACA);
    expect(c.samples[0]!.id).toBe(hashString(JSON.stringify(ALPACA[0])));
    // and the literal value: a sample's id is part of every export and must never drift
    expect(c.samples[0]!.id).toBe('4ad997d09e72');
    const progress = c.events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ bytesRead: c.done && enc(jsonl(ALPACA)).length, records: 3 });
  });

  it('skips blank lines silently and keeps physical line numbers; handles CRLF and a missing final newline', async () => {
    const text = '\r\n' + JSON.stringify(ALPACA[0]) + '\r\n   \r\n\r\n' + JSON.stringify(ALPACA[1]);
    const c = await collectText('t.jsonl', text);
    expect(c.issues).toEqual([]);
    expect(c.samples.map((s) => s.line)).toEqual([2, 5]);
    expect(c.samples[1]!.response).toBe('5');
  });

  it('reports malformed lines and non-object values with their line numbers and keeps going', async () => {
    const text = [
      JSON.stringify(ALPACA[0]),
      '{"instruction": "broken", ',
      '[1, 2]',
      '"just a string"',
      'null',
      JSON.stringify(ALPACA[1]),
    ].join('\n');
    const c = await collectText('bad.jsonl', text);
    expect(c.samples.map((s) => s.line)).toEqual([1, 6]);
    expect(c.issues.map((i) => [i.line, i.kind])).toEqual([
      [2, 'malformed'],
      [3, 'not-an-object'],
      [4, 'not-an-object'],
      [5, 'not-an-object'],
    ]);
    expect(c.issues[0]).toMatchObject({ file: 'bad.jsonl' });
    expect(c.issues[0]!.message).toMatch(/^line 2: not valid JSON/);
    expect(c.issues[1]!.message).toBe('line 3: expected a JSON object, found array');
    expect(c.done).toMatchObject({ samples: 2, issues: 4 });
    // samples keep 0-based record positions (skipped rows count)
    expect(c.samples.map((s) => s.index)).toEqual([0, 5]);
  });

  it('reports per-row field issues: missing, not-a-string, empty instruction, empty response', async () => {
    const recs = [
      ...ALPACA,
      { instruction: 'no output' },
      { instruction: 'numeric', output: 42 },
      { instruction: '   ', output: 'x' },
      { instruction: 'empty out', output: '' },
      { instruction: 'bad input', input: { a: 1 }, output: 'x' },
    ];
    const c = await collectText('rows.jsonl', jsonl(recs));
    expect(c.samples).toHaveLength(3);
    expect(c.issues).toEqual([
      { file: 'rows.jsonl', line: 4, kind: 'missing-field', field: 'output', message: 'line 4: field "output" is missing' },
      { file: 'rows.jsonl', line: 5, kind: 'not-a-string', field: 'output', message: 'line 5: field "output" is not a string (number)' },
      expect.objectContaining({ line: 6, kind: 'empty-instruction', field: 'instruction' }),
      expect.objectContaining({ line: 7, kind: 'empty-response', field: 'output' }),
      expect.objectContaining({ line: 8, kind: 'not-a-string', field: 'input' }),
    ]);
  });

  it('reports records over maxRecordBytes as too-large (by UTF-8 size)', async () => {
    const big = { instruction: 'é'.repeat(300), output: 'x' }; // ~600+ bytes, ~330 chars
    const c = await collectText('big.jsonl', jsonl([ALPACA[0], big, ALPACA[1]]), { maxRecordBytes: 500 });
    expect(c.samples.map((s) => s.line)).toEqual([1, 3]);
    expect(c.issues).toEqual([expect.objectContaining({ line: 2, kind: 'too-large', file: 'big.jsonl' })]);
    expect(c.issues[0]!.message).toMatch(/^line 2: /);
  });

  it('drops an over-long line while streaming (tiny chunks) and resumes at the next line', async () => {
    const huge = JSON.stringify({ instruction: 'x'.repeat(5000), output: 'y' });
    const text = [JSON.stringify(ALPACA[0]), huge, JSON.stringify(ALPACA[1]), huge].join('\n');
    const c = await collectText('huge.jsonl', text, { maxRecordBytes: 1000 }, 64);
    expect(c.samples.map((s) => s.line)).toEqual([1, 3]);
    expect(c.issues.map((i) => [i.line, i.kind])).toEqual([
      [2, 'too-large'],
      [4, 'too-large'],
    ]);
  });

  it('handles chunk boundaries splitting lines and multi-byte UTF-8 characters', async () => {
    const recs = [
      { instruction: 'Привет, мир 🌍 — ça va?', output: '你好世界 😀😀' },
      { instruction: 'naïve café', input: 'ß', output: 'Ünïcödé ✓' },
      { instruction: 'emoji only 🚀', output: '🎉' },
    ];
    const bytes = enc(jsonl(recs));
    const expected = await collectBytes('u.jsonl', bytes);
    for (const chunk of [1, 2, 3, 5, 7]) {
      const c = await collectBytes('u.jsonl', bytes, undefined, chunk);
      expect(c.issues).toEqual([]);
      expect(c.rows.map((r) => r.raw)).toEqual(recs);
      expect(c.samples).toEqual(expected.samples);
    }
  });

  it('strips a UTF-8 BOM', async () => {
    const c = await collectText('bom.jsonl', '\ufeff' + jsonl(ALPACA));
    expect(c.issues).toEqual([]);
    expect(c.samples).toHaveLength(3);
    expect(Object.keys(c.rows[0]!.raw)).toEqual(['instruction', 'input', 'output']);
  });

  it('gives exact duplicates -2, -3 suffixes in order and keeps ids stable across runs and chunkings', async () => {
    const dup = ALPACA[0];
    const recs = [dup, ALPACA[1], dup, dup, ALPACA[2]];
    const a = await collectText('d.jsonl', jsonl(recs));
    const h = hashString(JSON.stringify(dup));
    expect(a.samples.map((s) => s.id)).toEqual([
      h,
      hashString(JSON.stringify(ALPACA[1])),
      `${h}-2`,
      `${h}-3`,
      hashString(JSON.stringify(ALPACA[2])),
    ]);
    const b = await collectText('d.jsonl', jsonl(recs), undefined, 3);
    expect(b.samples.map((s) => s.id)).toEqual(a.samples.map((s) => s.id));
    // whitespace in the source does not change the id (canonical JSON of the raw record)
    const spaced = recs.map((r) => JSON.stringify(r, null, 0).replace(/":/g, '": ')).join('\n');
    const c = await collectText('d.jsonl', spaced);
    expect(c.samples.map((s) => s.id)).toEqual(a.samples.map((s) => s.id));
    // a fixed expectation guards against accidental changes to the hash
    expect(hashString(JSON.stringify({ instruction: 'Say hi', input: '', output: 'Hi!' }))).toBe(h);
    expect(h).toMatch(/^[0-9a-f]{12}$/);
  });

  it('does not give issue rows an id slot: duplicates are counted among loaded samples only', async () => {
    const c = await collectText('d.jsonl', jsonl([ALPACA[0], { instruction: 'x' }, ALPACA[0]]));
    const h = hashString(JSON.stringify(ALPACA[0]));
    expect(c.samples.map((s) => s.id)).toEqual([h, `${h}-2`]);
  });

  it('emits batches of batchSize rows and progress after each batch', async () => {
    const recs = Array.from({ length: 25 }, (_, i) => ({ instruction: `q${i}`, output: `a${i}` }));
    const c = await collectText('b.jsonl', jsonl(recs), { batchSize: 10 });
    const batches = c.events.filter((e): e is Extract<IngestEvent, { type: 'batch' }> => e.type === 'batch');
    expect(batches.map((b) => b.rows.length)).toEqual([10, 10, 5]);
    const idx = c.types.indexOf('batch');
    expect(c.types[idx + 1]).toBe('progress');
    expect(c.samples.map((s) => s.index)).toEqual(recs.map((_, i) => i));
  });

  it('a file where every row is skipped is not fatal: it yields the issues', async () => {
    const c = await collectText('allbad.jsonl', jsonl([{ instruction: 'a', output: ' ' }, { instruction: '', output: 'b' }]));
    expect(c.samples).toEqual([]);
    expect(c.issues.map((i) => i.kind)).toEqual(['empty-response', 'empty-instruction']);
    expect(c.done).toMatchObject({ samples: 0, issues: 2, shape: 'alpaca' });

    const c2 = await collectText('garbage.jsonl', 'not json\nalso not json\n');
    expect(c2.issues.map((i) => [i.line, i.kind])).toEqual([
      [1, 'malformed'],
      [2, 'malformed'],
    ]);
    expect(c2.types).not.toContain('shape');
    expect(c2.done).toMatchObject({ samples: 0, issues: 2, format: 'jsonl' });
  });
});

describe('ingest: shapes and mapping', () => {
  it('ingests sharegpt with history', async () => {
    const recs = [
      {
        id: 'c1',
        conversations: [
          { from: 'system', value: 'You are helpful.' },
          { from: 'human', value: 'Hi' },
          { from: 'gpt', value: 'Hello' },
          { from: 'human', value: 'Bye' },
          { from: 'gpt', value: 'Goodbye' },
        ],
      },
      { id: 'c2', conversations: [{ from: 'human', value: 'only a question' }] },
    ];
    const c = await collectText('sg.json', JSON.stringify(recs));
    expect(c.events[0]).toEqual({ type: 'format', format: 'json' });
    expect(c.events[1]).toEqual({ type: 'shape', shape: 'sharegpt', mapping: null });
    expect(c.samples).toEqual([
      {
        id: hashString(JSON.stringify(recs[0])),
        index: 0,
        line: 1,
        instruction: 'Bye',
        input: '',
        response: 'Goodbye',
        history: [
          { role: 'system', content: 'You are helpful.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
        ],
      },
    ]);
    expect(c.issues).toEqual([
      expect.objectContaining({ line: 2, kind: 'missing-field', field: 'conversations', file: 'sg.json' }),
    ]);
    expect(c.issues[0]!.message).toMatch(/^record 2: /);
  });

  it('ingests messages and ignores a trailing user turn', async () => {
    const rec = {
      messages: [
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
        { role: 'user', content: 'Q2' },
        { role: 'assistant', content: 'A2' },
        { role: 'user', content: 'follow-up with no answer' },
      ],
    };
    const c = await collectText('m.jsonl', jsonl([rec]));
    expect(c.events[1]).toEqual({ type: 'shape', shape: 'messages', mapping: null });
    expect(c.samples[0]).toMatchObject({
      instruction: 'Q2',
      response: 'A2',
      history: [
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
      ],
    });
  });

  it('ingests prompt/completion as prompt-response', async () => {
    const c = await collectText('pc.jsonl', jsonl([{ prompt: 'P', completion: 'C' }]));
    expect(c.events[1]).toEqual({
      type: 'shape',
      shape: 'prompt-response',
      mapping: { instruction: 'prompt', input: null, response: 'completion' },
    });
    expect(c.samples[0]).toMatchObject({ instruction: 'P', input: '', response: 'C' });
  });

  it('asks for a mapping when the shape is not recognised: columns (first-seen union) and a 5-record preview', async () => {
    const recs = Array.from({ length: 60 }, (_, i) =>
      i === 2 ? { title: `t${i}`, body: `b${i}`, extra: true } : { title: `t${i}`, body: `b${i}` },
    );
    const c = await collectText('odd.jsonl', jsonl(recs));
    expect(c.types).toEqual(['format', 'needs-mapping']);
    expect(c.events[1]).toEqual({ type: 'needs-mapping', columns: ['title', 'body', 'extra'], preview: recs.slice(0, 5) });
  });

  it('only looks at the first 50 records for columns', async () => {
    const recs = Array.from({ length: 55 }, (_, i) => (i === 52 ? { late: 1 } : { text: 'x' }));
    const c = await collectText('odd.jsonl', jsonl(recs));
    const ev = c.events[1] as Extract<IngestEvent, { type: 'needs-mapping' }>;
    expect(ev.columns).toEqual(['text']);
  });

  it('uses the given mapping (shape "mapped")', async () => {
    const recs = [
      { title: 'T1', ctx: 'C1', body: 'B1' },
      { title: 'T2', body: 'B2' },
      { title: 'T3' },
    ];
    const mapping = { instruction: 'title', input: 'ctx', response: 'body' };
    const c = await collectText('odd.jsonl', jsonl(recs), { mapping });
    expect(c.events[1]).toEqual({ type: 'shape', shape: 'mapped', mapping });
    expect(c.samples.map((s) => [s.instruction, s.input, s.response])).toEqual([
      ['T1', 'C1', 'B1'],
      ['T2', '', 'B2'],
    ]);
    expect(c.issues).toEqual([
      { file: 'odd.jsonl', line: 3, kind: 'missing-field', field: 'body', message: 'line 3: field "body" is missing' },
    ]);
    expect(c.done).toMatchObject({ shape: 'mapped', mapping, samples: 2, issues: 1 });
  });

  it('a mapping overrides detection even for a recognised shape', async () => {
    const c = await collectText('a.jsonl', jsonl(ALPACA), { mapping: { instruction: 'output', input: null, response: 'instruction' } });
    expect(c.samples[0]).toMatchObject({ instruction: 'Hi!', response: 'Say hi' });
  });
});

describe('ingest: JSON', () => {
  it('reads a top-level array; line = record number', async () => {
    const c = await collectText('a.json', JSON.stringify(ALPACA, null, 2));
    expect(c.events[0]).toEqual({ type: 'format', format: 'json' });
    expect(c.samples.map((s) => s.line)).toEqual([1, 2, 3]);
    expect(c.rows.map((r) => r.raw)).toEqual(ALPACA);
  });

  it('reads an object wrapping exactly one array of objects', async () => {
    const c = await collectText('w.json', JSON.stringify({ version: 2, meta: { n: 3 }, data: ALPACA }));
    expect(c.samples).toHaveLength(3);
    expect(c.done).toMatchObject({ format: 'json', shape: 'alpaca' });
  });

  it('reports non-object items in the array', async () => {
    const c = await collectText('mix.json', JSON.stringify([ALPACA[0], 5, ALPACA[1]]));
    expect(c.samples.map((s) => s.line)).toEqual([1, 3]);
    expect(c.issues).toEqual([
      { file: 'mix.json', line: 2, kind: 'not-an-object', message: 'record 2: expected a JSON object, found number' },
    ]);
  });

  it('falls back to JSONL when a .json file holds JSON lines', async () => {
    const c = await collectText('lines.json', jsonl(ALPACA));
    expect(c.events[0]).toEqual({ type: 'format', format: 'jsonl' });
    expect(c.samples.map((s) => s.line)).toEqual([1, 2, 3]);
    expect(c.done).toMatchObject({ format: 'jsonl', samples: 3 });
  });

  it('is fatal when the JSON is not an array of objects', async () => {
    expect((await fatalOf(collectText('n.json', '42'))).message).toMatch(/n\.json is not an array of objects/);
    expect((await fatalOf(collectText('o.json', '{"a": 1, "b": [1, 2]}'))).message).toMatch(/o\.json is not an array of objects/);
    expect((await fatalOf(collectText('p.json', '[1, 2, 3]'))).message).toMatch(/p\.json is not an array of objects/);
    expect((await fatalOf(collectText('two.json', JSON.stringify({ a: [{ x: 1 }], b: [{ y: 2 }] })))).message).toMatch(
      /several arrays of objects \("a", "b"\)/,
    );
    const bad = await fatalOf(collectText('bad.json', '[{"a": 1},'));
    expect(bad.message).toMatch(/bad\.json is not valid JSON/);
    expect(bad.file).toBe('bad.json');
  });

  it('an empty array loads nothing without failing', async () => {
    const c = await collectText('e.json', '[]');
    expect(c.done).toMatchObject({ samples: 0, issues: 0, format: 'json' });
  });
});

describe('ingest: CSV / TSV', () => {
  it('parses CSV with a header; all values strings; line = physical start line', async () => {
    const csv = [
      'instruction,input,output',
      'Say hi,,Hi!',
      '"Multi, with comma","line one',
      'line two","He said ""yes"""',
      'Count,3,"1,2,3"',
    ].join('\n');
    const c = await collectText('d.csv', csv);
    expect(c.events[0]).toEqual({ type: 'format', format: 'csv' });
    expect(c.done).toMatchObject({ shape: 'alpaca', samples: 3, issues: 0 });
    expect(c.rows.map((r) => r.raw)).toEqual([
      { instruction: 'Say hi', input: '', output: 'Hi!' },
      { instruction: 'Multi, with comma', input: 'line one\nline two', output: 'He said "yes"' },
      { instruction: 'Count', input: '3', output: '1,2,3' },
    ]);
    expect(c.samples.map((s) => s.line)).toEqual([2, 3, 5]);
  });

  it('reports rows with a wrong field count as malformed and keeps going', async () => {
    const csv = 'question,answer\nq1,a1\nq2,a2,extra\nq3\nq4,a4\n';
    const c = await collectText('d.csv', csv);
    expect(c.samples.map((s) => [s.line, s.instruction])).toEqual([
      [2, 'q1'],
      [5, 'q4'],
    ]);
    expect(c.issues).toEqual([
      { file: 'd.csv', line: 3, kind: 'malformed', message: 'line 3: expected 2 fields but found 3' },
      { file: 'd.csv', line: 4, kind: 'malformed', message: 'line 4: expected 2 fields but found 1' },
    ]);
  });

  it('reports an unterminated quoted field as malformed, on the line it opened, and loads the rows after it', async () => {
    const c = await collectText('q.csv', 'question,answer\nq1,a1\n"q2,a2\nq3,a3\n');
    expect(c.samples.map((s) => s.instruction)).toEqual(['q1', 'q3']);
    expect(c.issues).toEqual([expect.objectContaining({ line: 3, kind: 'malformed' })]);
    expect(c.issues[0]!.message).toMatch(/^line 3: a quote opened on this line is never closed/);
  });

  it('handles CRLF, BOM, blank lines and duplicate header names', async () => {
    const csv = '\ufeffprompt,response,note,note\r\n\r\np1,"r1\r\nmore",x,y\r\np2,r2,,\r\n';
    const c = await collectText('w.csv', csv);
    expect(c.issues).toEqual([]);
    expect(c.rows.map((r) => r.raw)).toEqual([
      { prompt: 'p1', response: 'r1\r\nmore', note: 'x', note_1: 'y' },
      { prompt: 'p2', response: 'r2', note: '', note_1: '' },
    ]);
    expect(c.samples.map((s) => s.line)).toEqual([3, 5]);
  });

  it('parses identically with tiny chunks (rows, quotes and multi-byte chars split)', async () => {
    const csv = 'instruction,output\n"Ünï, ""cödé""","a\nb 😀"\nπ,τ\n"last","no newline at end 🚀"';
    const whole = await collectText('c.csv', csv);
    expect(whole.samples).toHaveLength(3);
    for (const size of [1, 2, 5, 11]) {
      const c = await collectText('c.csv', csv, undefined, size);
      expect(c.rows.map((r) => r.raw)).toEqual(whole.rows.map((r) => r.raw));
      expect(c.samples).toEqual(whole.samples);
      expect(c.issues).toEqual([]);
    }
    expect(whole.samples.map((s) => s.line)).toEqual([2, 4, 5]);
    expect(whole.rows[0]!.raw).toEqual({ instruction: 'Ünï, "cödé"', output: 'a\nb 😀' });
  });

  it('parses TSV (.tsv and .tab)', async () => {
    const tsv = 'query\tresponse\tsource\nWhat, exactly?\tThis, here.\tweb\nQ2\tR2\tbook\n';
    for (const name of ['d.tsv', 'd.tab']) {
      const c = await collectText(name, tsv);
      expect(c.events[0]).toEqual({ type: 'format', format: 'tsv' });
      expect(c.done).toMatchObject({ shape: 'prompt-response', samples: 2 });
      expect(c.rows[0]!.raw).toEqual({ query: 'What, exactly?', response: 'This, here.', source: 'web' });
    }
  });

  it('empty cells give empty-instruction / empty-response issues', async () => {
    const c = await collectText('e.csv', 'instruction,output\n,x\ny,\n');
    expect(c.issues.map((i) => [i.line, i.kind])).toEqual([
      [2, 'empty-instruction'],
      [3, 'empty-response'],
    ]);
  });

  it('a header-only CSV loads nothing without failing', async () => {
    const c = await collectText('h.csv', 'instruction,output\n');
    expect(c.done).toMatchObject({ samples: 0, issues: 0, format: 'csv' });
  });

  it('handles a huge multi-line quoted field spanning many chunks, with correct line numbers after it', async () => {
    const bigField = Array.from({ length: 3000 }, (_, i) => `line ${i}, with "quotes" and ünïcode`).join('\n');
    const csv = `instruction,output\nfirst,one\n"big","${bigField.replace(/"/g, '""')}"\nafter,two\n`;
    const c = await collectText('big.csv', csv, undefined, 1000);
    expect(c.issues).toEqual([]);
    expect(c.rows.map((r) => r.raw.instruction)).toEqual(['first', 'big', 'after']);
    expect(c.rows[1]!.raw.output).toBe(bigField);
    expect(c.samples.map((s) => s.line)).toEqual([2, 3, 3003]);
  });

  it('reports CSV rows over maxRecordBytes as too-large', async () => {
    const csv = `instruction,output\nshort,ok\n${'x'.repeat(2000)},long\nshort2,ok\n`;
    const c = await collectText('tl.csv', csv, { maxRecordBytes: 1000 });
    expect(c.samples.map((s) => s.line)).toEqual([2, 4]);
    expect(c.issues).toEqual([expect.objectContaining({ line: 3, kind: 'too-large', file: 'tl.csv' })]);
  });

  it('batches large CSVs', async () => {
    const lines = ['instruction,output'];
    for (let i = 0; i < 4500; i++) lines.push(`q${i},"a${i}, with comma"`);
    const c = await collectText('big.csv', lines.join('\n'), undefined, 4096);
    const sizes = c.events.flatMap((e) => (e.type === 'batch' ? [e.rows.length] : []));
    expect(sizes).toEqual([2000, 2000, 500]);
    expect(c.samples.at(-1)).toMatchObject({ line: 4501, instruction: 'q4499', response: 'a4499, with comma' });
  });
});

describe('ingest: whole-file problems', () => {
  it('empty file (0 bytes)', async () => {
    const e = await fatalOf(collectText('empty.jsonl', ''));
    expect(e.message).toMatch(/empty\.jsonl is empty/);
    expect(e.file).toBe('empty.jsonl');
  });

  it('whitespace-only file (small and larger than the sniffed head)', async () => {
    expect((await fatalOf(collectText('ws.csv', '  \n\t\r\n  '))).message).toMatch(/ws\.csv is empty/);
    const big = ' \n'.repeat(10_000);
    expect((await fatalOf(collectText('ws.jsonl', big))).message).toMatch(/ws\.jsonl is empty/);
    expect((await fatalOf(collectText('ws.json', big))).message).toMatch(/ws\.json is empty/);
  });

  it('binary file (NUL bytes in the first 8 KB)', async () => {
    const bytes = new Uint8Array(64).map((_, i) => (i % 4 === 0 ? 0 : (i * 37 + 11) & 0xff));
    const e = await fatalOf(collectBytes('binary.jsonl', bytes));
    expect(e.message).toMatch(/binary\.jsonl looks like a binary file/);
  });

  it('non-UTF-8 file (Latin-1) says "is not UTF-8 text"', async () => {
    const latin1 = new Uint8Array([...enc('question,answer\nWhat is a caf'), 0xe9, ...enc('?,A place\n')]);
    const e = await fatalOf(collectBytes('latin1.csv', latin1));
    expect(e.message).toMatch(/latin1\.csv is not UTF-8 text/);
  });

  it('invalid UTF-8 beyond the first 8 KB is still fatal', async () => {
    const head = enc(jsonl(Array.from({ length: 300 }, () => ALPACA[0])));
    expect(head.length).toBeGreaterThan(8192);
    const bytes = new Uint8Array([...head, ...enc('{"instruction":"x'), 0xff, ...enc('","output":"y"}\n')]);
    const e = await fatalOf(collectBytes('late.jsonl', bytes));
    expect(e.message).toMatch(/late\.jsonl is not UTF-8 text/);
  });

  it('UTF-16 text is reported as not UTF-8', async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]);
    expect((await fatalOf(collectBytes('u16.jsonl', bytes))).message).toMatch(/is not UTF-8 text/);
  });

  it('unknown format', async () => {
    const e = await fatalOf(collectText('notes.txt', 'hello world\nthis is prose\n'));
    expect(e.message).toMatch(/notes\.txt is not a recognised dataset file/);
    expect(e.message).toContain('.jsonl, .ndjson, .json, .csv, .tsv, .tab, .parquet');
  });

  it('sniffs the format of a file with an unknown extension', async () => {
    const c = await collectText('data.txt', jsonl(ALPACA));
    expect(c.done).toMatchObject({ format: 'jsonl', samples: 3 });
    const c2 = await collectText('export', 'prompt,response\na,b\n');
    expect(c2.done).toMatchObject({ format: 'csv', samples: 1 });
  });
});

describe('ingest: abort', () => {
  it('rejects with an AbortError when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const e = await rejection(collectText('a.jsonl', jsonl(ALPACA), { signal: ac.signal }));
    expect(e).toBeInstanceOf(DOMException);
    expect((e as DOMException).name).toBe('AbortError');
  });

  it('stops promptly when aborted mid-stream and closes the source stream', async () => {
    const recs = Array.from({ length: 10_000 }, (_, i) => ({ instruction: `q${i}`, output: `a${i}` }));
    const base = textSource('big.jsonl', jsonl(recs), 1024);
    let chunksRead = 0;
    let closed = false;
    const src: ByteSource = {
      ...base,
      async *stream() {
        try {
          for await (const c of base.stream()) {
            chunksRead++;
            yield c;
          }
        } finally {
          closed = true;
        }
      },
    };
    const ac = new AbortController();
    let batches = 0;
    const e = await rejection(
      (async () => {
        for await (const ev of ingest(src, { signal: ac.signal, batchSize: 100 })) {
          if (ev.type === 'batch' && ++batches === 2) ac.abort();
        }
      })(),
    );
    expect((e as DOMException).name).toBe('AbortError');
    expect(batches).toBe(2);
    expect(closed).toBe(true);
    const totalChunks = Math.ceil(base.size / 1024);
    expect(chunksRead).toBeLessThan(totalChunks / 2);
  });
});

describe('progress', () => {
  it('reports non-decreasing bytesRead up to totalBytes', async () => {
    const recs = Array.from({ length: 5000 }, (_, i) => ({ instruction: `q${i}`, output: `a${i}` }));
    const text = jsonl(recs);
    const c = await collectText('p.jsonl', text, { batchSize: 500 }, 4096);
    const prog = c.events.filter((e): e is Extract<IngestEvent, { type: 'progress' }> => e.type === 'progress');
    expect(prog.length).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < prog.length; i++) {
      expect(prog[i]!.bytesRead).toBeGreaterThanOrEqual(prog[i - 1]!.bytesRead);
      expect(prog[i]!.records).toBeGreaterThanOrEqual(prog[i - 1]!.records);
    }
    const size = enc(text).length;
    expect(prog.every((p) => p.totalBytes === size && p.bytesRead <= size)).toBe(true);
    expect(prog.at(-1)).toMatchObject({ bytesRead: size, records: 5000 });
  });
});

describe('blobSource', () => {
  it('ingests from a Blob / File via its stream reader', async () => {
    const file = new File([jsonl(ALPACA)], 'from-file.jsonl');
    const src = blobSource(file);
    expect(src.name).toBe('from-file.jsonl');
    const c = await collect(src);
    expect(c.done).toMatchObject({ samples: 3, format: 'jsonl' });
    const named = blobSource(new Blob(['prompt,response\na,b\n']), 'x.csv');
    expect((await collect(named)).done).toMatchObject({ samples: 1, format: 'csv' });
  });
});

describe('bytesSource', () => {
  it('streams in chunks and slices with clamping', async () => {
    const src = bytesSource('x', enc('abcdefghij'), 4);
    const chunks: string[] = [];
    for await (const c of src.stream()) chunks.push(new TextDecoder().decode(c));
    expect(chunks).toEqual(['abcd', 'efgh', 'ij']);
    expect(new TextDecoder().decode(await src.slice(2, 5))).toBe('cde');
    expect(new TextDecoder().decode(await src.slice(8, 100))).toBe('ij');
    expect(src.size).toBe(10);
  });
});
