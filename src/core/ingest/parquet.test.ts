import { describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { IngestFatalError } from '../types';
import { hashString } from './hash';
import { jsonSafe, TooDeepError } from './parsers/parquet';
import { collectBytes, rejection } from './test-helpers';

const ROWS = [
  { instruction: 'What gas do plants absorb?', input: '', output: 'Carbon dioxide.' },
  { instruction: 'Reverse the words.', input: 'parquet files are columnar', output: 'columnar are files parquet' },
  { instruction: 'Name the author of "Don Quixote".', input: '', output: 'Miguel de Cervantes — 🇪🇸' },
];

function alpacaParquet(rowGroupSize?: number): Uint8Array {
  const buf = parquetWriteBuffer({
    columnData: (['instruction', 'input', 'output'] as const).map((name) => ({
      name,
      data: ROWS.map((r) => r[name]),
      type: 'STRING' as const,
    })),
    ...(rowGroupSize ? { rowGroupSize } : {}),
  });
  return new Uint8Array(buf);
}

async function fatalOf(p: Promise<unknown>): Promise<IngestFatalError> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(IngestFatalError);
  return e as IngestFatalError;
}

describe('ingest: Parquet', () => {
  it('reads an alpaca parquet file through slice(); line = row number', async () => {
    const c = await collectBytes('train.parquet', alpacaParquet());
    expect(c.events[0]).toEqual({ type: 'format', format: 'parquet' });
    expect(c.events[1]).toEqual({
      type: 'shape',
      shape: 'alpaca',
      mapping: { instruction: 'instruction', input: 'input', response: 'output' },
    });
    expect(c.rows.map((r) => r.raw)).toEqual(ROWS);
    expect(c.samples.map((s) => [s.line, s.index, s.response])).toEqual([
      [1, 0, 'Carbon dioxide.'],
      [2, 1, 'columnar are files parquet'],
      [3, 2, 'Miguel de Cervantes — 🇪🇸'],
    ]);
    expect(c.samples[0]!.id).toBe(hashString(JSON.stringify(ROWS[0])));
    expect(c.done).toMatchObject({ samples: 3, issues: 0, format: 'parquet' });
    const last = c.events.filter((e) => e.type === 'progress').at(-1);
    expect(last).toMatchObject({ type: 'progress', records: 3 });
    expect(last && last.type === 'progress' && last.bytesRead).toBe(last && last.type === 'progress' && last.totalBytes);
  });

  it('gives the same ids as the same records in JSONL', async () => {
    const p = await collectBytes('a.parquet', alpacaParquet());
    const j = await collectBytes('a.jsonl', new TextEncoder().encode(ROWS.map((r) => JSON.stringify(r)).join('\n')));
    expect(p.samples.map((s) => s.id)).toEqual(j.samples.map((s) => s.id));
  });

  it('numbers rows across several row groups', async () => {
    const c = await collectBytes('groups.parquet', alpacaParquet(1));
    expect(c.samples.map((s) => s.line)).toEqual([1, 2, 3]);
    expect(c.rows.map((r) => r.raw)).toEqual(ROWS);
  });

  it('converts BigInt (and Date) values so raw records survive JSON', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'prompt', data: ['p1', 'p2'], type: 'STRING' },
        { name: 'response', data: ['r1', 'r2'], type: 'STRING' },
        { name: 'n', data: [42n, 9007199254740993n], type: 'INT64' },
        { name: 'ts', data: [new Date(0), new Date(86_400_000)], type: 'TIMESTAMP' },
      ],
    });
    const c = await collectBytes('ints.parquet', new Uint8Array(buf));
    expect(c.rows.map((r) => r.raw)).toEqual([
      { prompt: 'p1', response: 'r1', n: 42, ts: '1970-01-01T00:00:00.000Z' },
      { prompt: 'p2', response: 'r2', n: '9007199254740993', ts: '1970-01-02T00:00:00.000Z' },
    ]);
    for (const r of c.rows) expect(JSON.parse(JSON.stringify(r.raw))).toEqual(r.raw);
  });

  it('reads nested sharegpt conversations (list of structs)', async () => {
    const conversations = [
      [
        { from: 'system', value: 'Be brief.' },
        { from: 'human', value: 'Hi' },
        { from: 'gpt', value: 'Hello' },
      ],
      [
        { from: 'human', value: 'Q' },
        { from: 'gpt', value: 'A' },
      ],
    ];
    const buf = parquetWriteBuffer({ columnData: [{ name: 'conversations', data: conversations }] });
    const c = await collectBytes('sg.parquet', new Uint8Array(buf));
    expect(c.events[1]).toEqual({ type: 'shape', shape: 'sharegpt', mapping: null });
    expect(c.samples.map((s) => [s.instruction, s.response, s.history])).toEqual([
      ['Hi', 'Hello', [{ role: 'system', content: 'Be brief.' }]],
      ['Q', 'A', []],
    ]);
  });

  it('reports per-row issues with row numbers (null output)', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'instruction', data: ['a', 'b', 'c'], type: 'STRING' },
        { name: 'output', data: ['x', null, 'z'], type: 'STRING' },
      ],
    });
    const c = await collectBytes('n.parquet', new Uint8Array(buf));
    expect(c.samples.map((s) => s.line)).toEqual([1, 3]);
    expect(c.issues).toEqual([
      { file: 'n.parquet', line: 2, kind: 'missing-field', field: 'output', message: 'row 2: field "output" is missing (null)' },
    ]);
  });

  it('sniffs parquet by its magic bytes when the extension is unknown', async () => {
    const c = await collectBytes('download.bin', alpacaParquet());
    expect(c.done).toMatchObject({ format: 'parquet', samples: 3 });
  });

  it('a truncated file is fatal with a specific message', async () => {
    const bytes = alpacaParquet();
    const truncated = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    const e = await fatalOf(collectBytes('truncated.parquet', truncated));
    expect(e.message).toMatch(/^truncated\.parquet is not a valid Parquet file \(truncated or corrupt\): .+/);
    expect(e.file).toBe('truncated.parquet');
  });

  it('a corrupt footer / missing magic / tiny file are fatal', async () => {
    const bytes = alpacaParquet().slice();
    for (let i = bytes.length - 60; i < bytes.length - 8; i++) bytes[i] = 0xff;
    expect((await fatalOf(collectBytes('corrupt.parquet', bytes))).message).toMatch(/not a valid Parquet file/);
    const noMagic = new TextEncoder().encode('instruction,output\na,b\n');
    expect((await fatalOf(collectBytes('fake.parquet', noMagic))).message).toMatch(/fake\.parquet is not a valid Parquet file.*PAR1/);
    expect((await fatalOf(collectBytes('tiny.parquet', new Uint8Array([0x50, 0x41, 0x52, 0x31, 0])))).message).toMatch(
      /not a valid Parquet file \(truncated or corrupt\)/,
    );
  });
});

describe('jsonSafe', () => {
  it('converts bigint, Date, bytes and non-finite numbers recursively, keeping identity when nothing changes', () => {
    const plain = { a: 'x', b: [1, 2, { c: true }] };
    expect(jsonSafe(plain)).toBe(plain);
    expect(
      jsonSafe({ big: 2n ** 70n, small: -5n, d: new Date(0), bytes: new Uint8Array([104, 105, 33]), nan: NaN, nested: [{ x: 1n }] }),
    ).toEqual({
      big: '1180591620717411303424',
      small: -5,
      d: '1970-01-01T00:00:00.000Z',
      bytes: 'aGkh',
      nan: null,
      nested: [{ x: 1 }],
    });
  });

  it('keeps BigInts beyond 2^53 when asked, and says it met one', () => {
    const seen = { unsafeBigInt: false };
    expect(jsonSafe({ a: [2n ** 70n, 3n] }, { keepBigInt: true, seen })).toEqual({ a: [2n ** 70n, 3] });
    expect(seen.unsafeBigInt).toBe(true);
  });

  it('stops at the nesting limit with TooDeepError (never a stack overflow)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(() => jsonSafe({ deep })).toThrow(TooDeepError);
  });
});
