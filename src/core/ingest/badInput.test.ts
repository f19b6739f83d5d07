// The bad-input corpus: inputs that used to fail a whole load (or corrupt a round-trip), one test
// per case. The rule they check: one record can never fail a load — a bad record is an issue on its
// own line and the rest of the file loads — and what Quarry does not interpret comes back exactly.
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { csvParts, csvRow, csvHeader, jsonlPart, recordOf, toCsv, toJsonlLine, type ExportRow } from '../export';
import { toParquet } from '../export/parquet';
import type { QuarryRecordMeta } from '../types';
import { hashString } from './hash';
import { bytesSource, ingest, textSource } from './index';
import type { ByteSource, IngestedRow } from './index';
import { MAX_NESTING_DEPTH } from './jsonText';
import { collect, collectBytes, collectText } from './test-helpers';

const GOOD = [
  { instruction: 'Say hi', input: '', output: 'Hi!' },
  { instruction: 'Add', input: '2 and 3', output: '5' },
  { instruction: 'Translate to French', input: 'cat', output: 'chat' },
];
const line = (r: unknown) => JSON.stringify(r);
const DEEP = 20_000;
const deepArrays = `{"instruction": ${'['.repeat(DEEP)}${']'.repeat(DEEP)}, "output": "x"}`;
const deepObjects = `{"instruction": "x", "output": ${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`;

function meta(id: string, over: Partial<QuarryRecordMeta> = {}): QuarryRecordMeta {
  return { id, model: null, template: null, scores: null, variants: [], decision: null, ...over };
}

/** The rows as the export sees them (what the data worker stores: source text, else the record). */
function exportRows(rows: IngestedRow[]): ExportRow[] {
  return rows.map((r) => ({ raw: r.raw, ...(r.rawText !== undefined ? { rawText: r.rawText } : {}), meta: meta(r.sample.id) }));
}

describe('bad input: nesting depth', () => {
  it('JSONL: a line nested 20,000 arrays deep (< 1 MB) is an issue on its line; the other lines load', async () => {
    expect(deepArrays.length).toBeLessThan(1_000_000);
    const text = [line(GOOD[0]), deepArrays, line(GOOD[1]), line(GOOD[2])].join('\n');
    const c = await collectText('deep.jsonl', text);
    expect(c.samples.map((s) => s.line)).toEqual([1, 3, 4]);
    expect(c.issues).toEqual([
      {
        file: 'deep.jsonl',
        line: 2,
        kind: 'too-deep',
        message: `line 2: record is nested more than ${MAX_NESTING_DEPTH} levels deep`,
      },
    ]);
    expect(c.done).toMatchObject({ samples: 3, issues: 1 });
  });

  it('JSONL: a line of 20,000 nested objects is an issue on its line; the other lines load', async () => {
    const text = [deepObjects, line(GOOD[0]), line(GOOD[1])].join('\n') + '\n';
    const c = await collectText('deep-objects.jsonl', text);
    expect(c.samples.map((s) => s.line)).toEqual([2, 3]);
    expect(c.issues.map((i) => [i.line, i.kind])).toEqual([[1, 'too-deep']]);
  });

  it('JSONL: the CLI path (bytesSource over a Buffer) gets the same issue instead of a failed run', async () => {
    const bytes = new TextEncoder().encode([line(GOOD[0]), deepArrays, line(GOOD[1])].join('\n'));
    const events = [];
    for await (const ev of ingest(bytesSource('in.jsonl', bytes))) events.push(ev);
    expect(events.at(-1)).toMatchObject({ type: 'done', samples: 2, issues: 1 });
  });

  it('JSON array: an element nested 20,000 levels deep is an issue with its record number; the others load', async () => {
    const text = `[${line(GOOD[0])},\n${deepObjects},\n${deepArrays},\n${line(GOOD[1])}]`;
    const c = await collectText('deep.json', text, undefined, 4096);
    expect(c.samples.map((s) => s.line)).toEqual([1, 4]);
    expect(c.issues.map((i) => [i.line, i.kind, i.message])).toEqual([
      [2, 'too-deep', `record 2: record is nested more than ${MAX_NESTING_DEPTH} levels deep`],
      [3, 'too-deep', `record 3: record is nested more than ${MAX_NESTING_DEPTH} levels deep`],
    ]);
  });

  it('a record exactly at the depth limit loads', async () => {
    let v = '"x"';
    for (let d = 1; d < MAX_NESTING_DEPTH; d++) v = `[${v}]`;
    const rec = `{"instruction": "deep but allowed", "output": "ok", "meta": ${v}}`;
    const c = await collectText('limit.jsonl', rec + '\n');
    expect(c.issues).toEqual([]);
    expect(c.samples).toHaveLength(1);
  });
});

describe('bad input: JSON documents are streamed', () => {
  it('a .json array yields its first records before the file has been read to the end', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ instruction: `q${i}`, output: `a${i}` }));
    const base = textSource('big.json', JSON.stringify(records, null, 2), 1024);
    const totalChunks = Math.ceil(base.size / 1024);
    let chunksRead = 0;
    const src: ByteSource = {
      ...base,
      async *stream() {
        for await (const c of base.stream()) {
          chunksRead++;
          yield c;
        }
      },
    };
    let chunksAtFirstBatch = -1;
    let samples = 0;
    for await (const ev of ingest(src, { batchSize: 100 })) {
      if (ev.type === 'batch' && chunksAtFirstBatch === -1) chunksAtFirstBatch = chunksRead;
      if (ev.type === 'batch') samples += ev.rows.length;
    }
    expect(samples).toBe(3000);
    // the whole-document parser read every chunk before the first record came out
    expect(chunksAtFirstBatch).toBeLessThan(totalChunks / 4);
  });

  it('an element that is not valid JSON is that record’s issue, not a failed load', async () => {
    const text = `[${line(GOOD[0])}, {"instruction": "broken", "output": tru}, ${line(GOOD[1])}]`;
    const c = await collectText('one-bad.json', text);
    expect(c.samples.map((s) => s.line)).toEqual([1, 3]);
    expect(c.issues.map((i) => [i.line, i.kind])).toEqual([[2, 'malformed']]);
    expect(c.issues[0]!.message).toMatch(/^record 2: not valid JSON/);
  });

  it('an element larger than maxRecordBytes is skipped while streaming (never buffered whole)', async () => {
    const huge = { instruction: 'x'.repeat(50_000), output: 'y' };
    const text = JSON.stringify([GOOD[0], huge, GOOD[1]]);
    const c = await collectText('huge.json', text, { maxRecordBytes: 1000 }, 256);
    expect(c.samples.map((s) => s.line)).toEqual([1, 3]);
    expect(c.issues.map((i) => [i.line, i.kind])).toEqual([[2, 'too-large']]);
  });
});

describe('bad input: CSV quotes', () => {
  it('one unclosed quote: the issue names the line it opened on, and the rows after it load', async () => {
    const csv = 'instruction,output\nq1,a1\n"q2 never closed,a2\nq3,a3\nq4,"a4, quoted"\nq5,a5\n';
    const c = await collectText('unclosed.csv', csv);
    expect(c.samples.map((s) => [s.line, s.instruction])).toEqual([
      [2, 'q1'],
      [4, 'q3'],
      [5, 'q4'],
      [6, 'q5'],
    ]);
    expect(c.issues).toHaveLength(1);
    expect(c.issues[0]).toMatchObject({ file: 'unclosed.csv', line: 3, kind: 'malformed' });
    expect(c.issues[0]!.message).toMatch(/^line 3: a quote opened on this line is never closed/);
  });

  it('an unclosed quote that a later quoted field would "close" does not swallow the rows in between', async () => {
    const csv = 'question,answer\n"What is a 5" screen?,Small\nplain,row\n"Normal, quoted",ok\nlast,one\n';
    const c = await collectText('stray.csv', csv);
    expect(c.samples.map((s) => s.instruction)).toEqual(['plain', 'Normal, quoted', 'last']);
    expect(c.issues.map((i) => [i.line, i.kind])).toEqual([[2, 'malformed']]);
  });

  it('an unclosed quote in a large file read in small chunks: same result, lines counted right', async () => {
    const lines = ['instruction,output'];
    for (let i = 0; i < 3000; i++) lines.push(i === 1000 ? `"q${i} oops,a${i}` : `q${i},"a${i}, with comma"`);
    const csv = lines.join('\n') + '\n';
    const whole = await collectText('big.csv', csv);
    const chunked = await collectText('big.csv', csv, undefined, 97);
    for (const c of [whole, chunked]) {
      expect(c.samples).toHaveLength(2999);
      expect(c.issues.map((i) => [i.line, i.kind])).toEqual([[1002, 'malformed']]);
      expect(c.samples.at(-1)).toMatchObject({ line: 3001, instruction: 'q2999' });
    }
  });

  it('a quote left open with no quote after it is cut off after 2 × maxRecordBytes, not buffered to the end', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `q${i},a${i}`);
    const csv = `instruction,output\n"opened,here\n${rows.join('\n')}\n`;
    const c = await collectText('long.csv', csv, { maxRecordBytes: 1000 }, 512);
    expect(c.issues.map((i) => [i.line, i.kind])).toEqual([[2, 'malformed']]);
    expect(c.samples).toHaveLength(2000);
  });

  it('TSV whose lines start with an unbalanced quote: every good line loads, in linear time', async () => {
    const lines = ['prompt\tresponse'];
    for (let i = 0; i < 20_000; i++) lines.push(i % 2 ? `ok ${i}\tfine` : `"Hi," she said ${i}.\tresponse`);
    const t0 = performance.now();
    const c = await collectText('dialogue.tsv', lines.join('\n') + '\n');
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(c.samples).toHaveLength(10_000);
    expect(c.issues).toHaveLength(10_000);
    expect(c.issues[0]).toMatchObject({ line: 2, kind: 'malformed' });
  });
});

describe('bad input: Parquet', () => {
  /** ~3 MB in 4 row groups, uncompressed (bigger than hyparquet's 512 KB footer read). */
  function groupsFile(): Uint8Array {
    const n = 4000;
    const pad = 'x'.repeat(700);
    return new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'instruction', data: Array.from({ length: n }, (_, i) => `question ${i} ${pad}`), type: 'STRING' },
          { name: 'output', data: Array.from({ length: n }, (_, i) => `answer ${i}`), type: 'STRING' },
        ],
        rowGroupSize: 1000,
        codec: 'UNCOMPRESSED',
      }),
    );
  }

  /** Two rows whose INT64 id column holds 2^53 + 1 and 42, ingested. */
  function bigIntIds() {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: [9007199254740993n, 42n], type: 'INT64' },
        { name: 'prompt', data: ['p1', 'p2'], type: 'STRING' },
        { name: 'response', data: ['r1', 'r2'], type: 'STRING' },
      ],
    });
    return collectBytes('ints.parquet', new Uint8Array(buf));
  }

  it('reads one row group at a time: the first group’s rows come out before the last group is fetched', async () => {
    const bytes = groupsFile();
    expect(bytes.length).toBeGreaterThan(2_500_000);
    const base = bytesSource('groups.parquet', bytes);
    const slices: [number, number][] = [];
    const src: ByteSource = {
      ...base,
      slice: (s, e) => {
        slices.push([s, e]);
        return base.slice(s, e);
      },
    };
    let bytesAtFirstBatch = -1;
    let samples = 0;
    for await (const ev of ingest(src, { batchSize: 500 })) {
      if (ev.type === 'batch' && bytesAtFirstBatch === -1) bytesAtFirstBatch = slices.reduce((t, [s, e]) => t + (e - s), 0);
      if (ev.type === 'batch') samples += ev.rows.length;
    }
    expect(samples).toBe(4000);
    // rows came out after about one group (plus the footer read and the head sniff) had been read
    expect(bytesAtFirstBatch).toBeLessThan(bytes.length / 2);
    // and no single read spans more than about one group's data
    for (const [s, e] of slices) expect(e - s).toBeLessThan(bytes.length / 3);
  });

  it('an INT64 beyond 2^53 keeps its digits: the JSONL export writes the exact number', async () => {
    const c = await bigIntIds();
    expect(c.rows[0]!.raw.id).toBe('9007199254740993'); // safe in the app: a string, never a rounded number
    const lines = exportRows(c.rows).map(toJsonlLine);
    expect(lines[0]).toBe(`{"id":9007199254740993,"prompt":"p1","response":"r1","quarry":${JSON.stringify(meta(c.samples[0]!.id))}}`);
    expect(lines[1]).toBe(`{"id":42,"prompt":"p2","response":"r2","quarry":${JSON.stringify(meta(c.samples[1]!.id))}}`);
  });

  it('an INT64 beyond 2^53 goes back into Parquet as an exact INT64 column', async () => {
    const c = await bigIntIds();
    // what the worker does: records with source text are stored as text, parsed again for Parquet
    const rows = c.rows.map((r) => ({ raw: recordOf(r.rawText !== undefined ? { rawText: r.rawText } : { raw: r.raw }), meta: meta(r.sample.id) }));
    const out = toParquet(rows);
    const back = await parquetReadObjects({ file: out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer });
    expect(back.map((o) => o.id)).toEqual([9007199254740993n, 42n]);
  });
});

describe('bad input: exact round-trip of what Quarry does not interpret', () => {
  it('JSONL: a big-integer id, key order and number spellings come back exactly, quarry appended last', async () => {
    const src = '{"id": 12345678901234567891, "2": "two", "instruction": "Say hi", "output": "Hi!", "score": 1.50, "esc": "\\u00e9"}';
    const c = await collectText('big-id.jsonl', src + '\n');
    expect(c.samples).toHaveLength(1);
    const out = toJsonlLine(exportRows(c.rows)[0]!);
    expect(out).toBe(src.slice(0, -1) + `,"quarry":${JSON.stringify(meta(c.samples[0]!.id))}}`);
    // what a plain JSON.parse + JSON.stringify round-trip would have written
    expect(out).not.toContain('12345678901234567000');
  });

  it('JSON array: a pretty-printed element comes back on one line with its digits and key order', async () => {
    const doc = '[\n  {\n    "id": 98765432109876543210,\n    "b": [1, 2.0],\n    "instruction": "q",\n    "output": "a"\n  }\n]\n';
    const c = await collectText('pretty.json', doc);
    const out = toJsonlLine(exportRows(c.rows)[0]!);
    expect(out).toBe(`{"id":98765432109876543210,"b":[1,2.0],"instruction":"q","output":"a","quarry":${JSON.stringify(meta(c.samples[0]!.id))}}`);
  });

  it('JSONL: a record that already has a quarry key gets it replaced, as the last key', async () => {
    const src = '{"quarry": {"note": "not ours"}, "instruction": "q", "big": 123456789012345678901234567890, "output": "a"}';
    const c = await collectText('had-quarry.jsonl', src + '\n');
    const out = toJsonlLine(exportRows(c.rows)[0]!);
    expect(out).toBe(`{"instruction": "q", "big": 123456789012345678901234567890, "output": "a","quarry":${JSON.stringify(meta(c.samples[0]!.id))}}`);
  });

  it('CSV export: a big integer from a JSON source is written with its exact digits', async () => {
    const src = '{"id": 12345678901234567891, "instruction": "q", "output": "a", "nested": {"n": 98765432109876543210}}';
    const c = await collectText('big.jsonl', src + '\n');
    const raw = recordOf({ raw: c.rows[0]!.raw, rawText: c.rows[0]!.rawText! });
    const header = csvHeader(Object.keys(raw));
    const row = csvRow({ raw, meta: meta('x') }, header);
    expect(row.startsWith('12345678901234567891,q,a,"{""n"":98765432109876543210}",x,')).toBe(true);
  });

  it('export text is built in parts per batch of rows, never one string', () => {
    const rows: ExportRow[] = Array.from({ length: 10 }, (_, i) => ({ raw: { i, text: `t${i}` }, meta: meta(`id${i}`) }));
    const parts = csvParts(rows, 3);
    expect(parts).toHaveLength(1 + 4); // the header, then batches of 3, 3, 3, 1
    expect(parts.join('')).toBe(toCsv(rows));
    const jsonl = [jsonlPart(rows.slice(0, 5)), jsonlPart(rows.slice(5))];
    expect(jsonl.join('').split('\n').filter(Boolean)).toHaveLength(10);
  });
});

describe('bad input: imported ids never collide', () => {
  it('an imported quarry.id equal to an earlier record’s content hash: the later record gets a new id and a warning', async () => {
    const plain = GOOD[0]!;
    const contentId = hashString(JSON.stringify(plain));
    const imported = { ...GOOD[1], quarry: { id: contentId, scores: null, decision: 'accepted', variants: [] } };
    const c = await collectText('mixed.jsonl', [line(plain), line(imported)].join('\n'));
    const ids = c.samples.map((s) => s.id);
    expect(ids[0]).toBe(contentId);
    expect(ids[1]).not.toBe(contentId);
    expect(new Set(ids).size).toBe(2);
    expect(c.rows[1]!.meta).toMatchObject({ id: ids[1], decision: 'accepted' });
    expect(c.issues).toEqual([
      expect.objectContaining({ line: 2, kind: 'id-collision', severity: 'warning', file: 'mixed.jsonl' }),
    ]);
    expect(c.issues[0]!.message).toContain(`quarry.id "${contentId}"`);
    expect(c.issues[0]!.message).toContain(`"${ids[1]}"`);
    // a warning is not a skipped row
    expect(c.done).toMatchObject({ samples: 2, issues: 0, warnings: 1 });
  });

  it('a content hash equal to an earlier imported quarry.id: the later (plain) record gets a new id and a warning', async () => {
    const plain = GOOD[0]!;
    const contentId = hashString(JSON.stringify(plain));
    const imported = { ...GOOD[1], quarry: { id: contentId } };
    const c = await collectText('mixed2.jsonl', [line(imported), line(plain)].join('\n'));
    const ids = c.samples.map((s) => s.id);
    expect(ids[0]).toBe(contentId);
    expect(new Set(ids).size).toBe(2);
    expect(c.issues.map((i) => [i.line, i.kind, i.severity])).toEqual([[2, 'id-collision', 'warning']]);
  });

  it('two records carrying the same quarry.id: the later gets a new id and a warning, each keeps its own decision', async () => {
    const a = { ...GOOD[0], quarry: { id: 'shared', decision: 'accepted' } };
    const b = { ...GOOD[1], quarry: { id: 'shared', decision: 'rejected' } };
    const c = await collectText('dups.jsonl', [line(a), line(b)].join('\n'));
    expect(c.samples.map((s) => s.id)).toEqual(['shared', 'shared-2']);
    expect(c.rows.map((r) => [r.meta?.id, r.meta?.decision])).toEqual([
      ['shared', 'accepted'],
      ['shared-2', 'rejected'],
    ]);
    expect(c.issues.map((i) => [i.line, i.kind, i.severity])).toEqual([[2, 'id-collision', 'warning']]);
  });
});

describe('bad input: whole-file checks still apply', () => {
  it('a .json file that is only whitespace is still an empty-file error', async () => {
    await expect(collect(textSource('blank.json', ' \n\t\n '.repeat(3000)))).rejects.toThrow(/is empty/);
  });
});
