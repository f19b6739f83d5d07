import { describe, expect, it } from 'vitest';
import { IngestFatalError } from '../types';
import { detectFormat } from './index';

const enc = (s: string) => new TextEncoder().encode(s);

describe('detectFormat', () => {
  it('uses the extension (case-insensitive)', () => {
    expect(detectFormat('a.jsonl', enc(''))).toBe('jsonl');
    expect(detectFormat('a.NDJSON', enc(''))).toBe('jsonl');
    expect(detectFormat('dir/a.json', enc(''))).toBe('json');
    expect(detectFormat('a.csv', enc(''))).toBe('csv');
    expect(detectFormat('a.tsv', enc(''))).toBe('tsv');
    expect(detectFormat('a.tab', enc(''))).toBe('tsv');
    expect(detectFormat('a.Parquet', enc(''))).toBe('parquet');
  });

  it('sniffs the head when the extension is unknown', () => {
    expect(detectFormat('data.bin', new Uint8Array([0x50, 0x41, 0x52, 0x31, 0, 0, 0]))).toBe('parquet');
    expect(detectFormat('data', enc('  [{"a":1}]'))).toBe('json');
    expect(detectFormat('data.txt', enc('{"a":1}\n{"a":2}\n'))).toBe('jsonl');
    expect(detectFormat('data.txt', enc('{\n  "data": []\n}'))).toBe('json');
    expect(detectFormat('data.txt', enc('\ufeffq,a\nx,y\n'))).toBe('csv');
    expect(detectFormat('data.txt', enc('q\ta\nx\ty\n'))).toBe('tsv');
  });

  it('throws IngestFatalError naming the file and the accepted formats', () => {
    let err: unknown;
    try {
      detectFormat('notes.txt', enc('just some prose\nwithout delimiters'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IngestFatalError);
    const fe = err as IngestFatalError;
    expect(fe.file).toBe('notes.txt');
    expect(fe.message).toContain('notes.txt');
    expect(fe.message).toContain('.jsonl');
    expect(fe.message).toContain('.parquet');
    expect(fe.message).toContain('.csv');
  });

  it('rejects binary and compressed content with an unknown extension', () => {
    expect(() => detectFormat('x.dat', new Uint8Array([1, 2, 0, 4]))).toThrow(/binary/);
    expect(() => detectFormat('x.gz', new Uint8Array([0x1f, 0x8b, 8, 0]))).toThrow(/gzip/);
    expect(() => detectFormat('x.xlsx', new Uint8Array([0x50, 0x4b, 3, 4, 0]))).toThrow(/zip/);
  });
});
