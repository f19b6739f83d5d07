import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { QuarryRecordMeta, SampleScores } from '../types';
import { csvEscapeCell, csvHeader, csvParts, csvRow, jsonlPart, QUARRY_COLUMNS, recordOf, toCsv, toJsonlLine } from './index';
import type { ExportRow } from './index';

const SCORES: SampleScores = {
  s_a_given_q: 1.25,
  s_a: 2.5,
  ifd: 0.5,
  aifd: 0.61,
  aifd_max: 0.9,
  aifd_min: 0.3,
  aifd_gap: -0.125,
  dist_consistency: 0.75,
  embed_consistency: null,
};

function meta(id: string, over: Partial<QuarryRecordMeta> = {}): QuarryRecordMeta {
  return { id, model: 'qwen', template: 'chatml', scores: SCORES, variants: [], decision: 'accepted', ...over };
}

describe('toJsonlLine', () => {
  it('round-trips the raw record exactly (parse, delete quarry, deep-equal)', () => {
    const raw = {
      instruction: 'Say "hi"\nplease',
      input: '',
      output: 'Hi — 😀',
      tags: ['a', 'b'],
      nested: { n: 1, f: 0.5, t: true, z: null },
    };
    const line = toJsonlLine({ raw, meta: meta('abc123def456') });
    expect(line).not.toMatch(/\n/);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed.quarry).toEqual(meta('abc123def456'));
    delete parsed.quarry;
    expect(parsed).toEqual(raw);
    expect(Object.keys(parsed)).toEqual(Object.keys(raw));
  });

  it('overwrites an existing quarry key and does not mutate the raw record', () => {
    const raw = { prompt: 'p', response: 'r', quarry: { old: true } };
    const line = toJsonlLine({ raw, meta: meta('x') });
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed.quarry).toEqual(meta('x'));
    expect(raw.quarry).toEqual({ old: true });
  });
});

describe('toJsonlLine with the record’s source text', () => {
  it('writes the source text byte for byte with quarry spliced in as the last key', () => {
    const rawText = '{"z": 1, "10": "ten", "id": 12345678901234567891, "f": 1.0, "e": "\\u00e9"}';
    const line = toJsonlLine({ raw: JSON.parse(rawText), rawText, meta: meta('m') });
    expect(line).toBe(rawText.slice(0, -1) + `,"quarry":${JSON.stringify(meta('m'))}}`);
    // parsing the raw text would have reordered "10" first and rounded the id
    expect(toJsonlLine({ raw: JSON.parse(rawText), meta: meta('m') })).toMatch(/^\{"10":"ten","z":1,"id":12345678901234567000/);
  });

  it('replaces a quarry member the source already had', () => {
    const rawText = '{"a": 1, "quarry": {"id": "old"}, "b": 2}';
    expect(toJsonlLine({ raw: {}, rawText, meta: meta('new') })).toBe(`{"a": 1, "b": 2,"quarry":${JSON.stringify(meta('new'))}}`);
  });

  it('writes BigInt values of a record without source text as their digits', () => {
    expect(toJsonlLine({ raw: { id: 12345678901234567891n }, meta: meta('x') })).toBe(`{"id":12345678901234567891,"quarry":${JSON.stringify(meta('x'))}}`);
  });

  it('jsonlPart: one string per batch, a newline after each line', () => {
    const rows = [1, 2, 3].map((i) => ({ raw: { i }, meta: meta(`id${i}`) }));
    const part = jsonlPart(rows);
    expect(part.split('\n')).toHaveLength(4);
    expect(part.endsWith('\n')).toBe(true);
    expect(jsonlPart([])).toBe('');
  });
});

describe('recordOf', () => {
  it('parses the source text (big integers exact, a well-formed quarry object dropped), else uses the record', () => {
    expect(recordOf({ rawText: '{"id": 12345678901234567891, "quarry": {"id": "q"}, "a": [1]}' })).toEqual({ id: 12345678901234567891n, a: [1] });
    expect(recordOf({ rawText: '{"quarry": "not ours", "a": 1}' })).toEqual({ quarry: 'not ours', a: 1 });
    expect(recordOf({ raw: { a: 1 } })).toEqual({ a: 1 });
    expect(recordOf(undefined)).toEqual({});
  });
});

describe('csvEscapeCell', () => {
  it('quotes commas, quotes and newlines', () => {
    expect(csvEscapeCell('plain')).toBe('plain');
    expect(csvEscapeCell('a,b')).toBe('"a,b"');
    expect(csvEscapeCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvEscapeCell('line1\nline2')).toBe('"line1\nline2"');
    expect(csvEscapeCell('cr\r\nlf')).toBe('"cr\r\nlf"');
    expect(csvEscapeCell('')).toBe('');
  });

  it('escapes formula injection with a leading single quote', () => {
    expect(csvEscapeCell('=SUM(A1:A9)')).toBe("'=SUM(A1:A9)");
    expect(csvEscapeCell('+1+1')).toBe("'+1+1");
    expect(csvEscapeCell('-2+3')).toBe("'-2+3");
    expect(csvEscapeCell('@cmd')).toBe("'@cmd");
    expect(csvEscapeCell('\tx')).toBe("'\tx");
    expect(csvEscapeCell('\rx')).toBe("\"'\rx\"");
    expect(csvEscapeCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvEscapeCell('a=b')).toBe('a=b');
  });

  it('leaves plain numeric literals (incl. negative scores) alone', () => {
    expect(csvEscapeCell('-0.125')).toBe('-0.125');
    expect(csvEscapeCell('-3')).toBe('-3');
    expect(csvEscapeCell('+5')).toBe("'+5"); // only a leading minus is exempt
    expect(csvEscapeCell('-1e-3')).toBe('-1e-3');
  });
});

describe('toCsv', () => {
  const rows: ExportRow[] = [
    { raw: { instruction: 'Add, please', output: '=1+1', extra: { k: [1, 2] } }, meta: meta('id1') },
    { raw: { instruction: 'Quote "this"', output: 'multi\nline', note: 'n' }, meta: meta('id2', { decision: 'rejected', scores: null }) },
    { raw: { instruction: '-x', output: 'ok' }, meta: meta('id3', { decision: null }) },
  ];

  it('builds the header from the union of raw keys then the quarry columns', () => {
    const csv = toCsv(rows);
    const headerLine = csv.split('\r\n')[0]!;
    expect(headerLine).toBe(
      'instruction,output,extra,note,quarry_id,quarry_decision,quarry_s_a_given_q,quarry_s_a,quarry_ifd,quarry_aifd,quarry_aifd_max,quarry_aifd_min,quarry_aifd_gap,quarry_dist_consistency,quarry_embed_consistency',
    );
    expect(csvHeader(['a', 'quarry_id'])).toEqual(['a', ...QUARRY_COLUMNS]);
  });

  it('parses back (papaparse) to the expected cells: quoting, JSON-encoded objects, escaping, empty nulls', () => {
    const csv = toCsv(rows);
    expect(csv.endsWith('\r\n')).toBe(true);
    const parsed = Papa.parse<string[]>(csv.slice(0, -2), { newline: '\r\n' });
    expect(parsed.errors).toEqual([]);
    const [header, r1, r2, r3] = parsed.data as [string[], string[], string[], string[]];
    const obj = (r: string[]) => Object.fromEntries(header.map((h, i) => [h, r[i]]));
    expect(obj(r1)).toMatchObject({
      instruction: 'Add, please',
      output: "'=1+1",
      extra: '{"k":[1,2]}',
      note: '',
      quarry_id: 'id1',
      quarry_decision: 'accepted',
      quarry_ifd: '0.5',
      quarry_aifd_gap: '-0.125',
      quarry_embed_consistency: '',
    });
    expect(obj(r2)).toMatchObject({
      instruction: 'Quote "this"',
      output: 'multi\nline',
      extra: '',
      note: 'n',
      quarry_decision: 'rejected',
      quarry_ifd: '',
    });
    expect(obj(r3)).toMatchObject({ instruction: "'-x", quarry_decision: '' });
    expect(parsed.data).toHaveLength(4);
  });

  it('uses CRLF between records consistently (embedded newlines stay inside quotes)', () => {
    const csv = toCsv(rows);
    const outsideQuotes = csv.replace(/"(?:[^"]|"")*"/g, '');
    expect(outsideQuotes.match(/\r\n/g)).toHaveLength(4);
    expect(outsideQuotes.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('csvRow orders cells by the given header', () => {
    const header = csvHeader(['output', 'instruction']);
    const line = csvRow({ raw: { instruction: 'i', output: 'o' }, meta: meta('z', { scores: null, decision: null }) }, header);
    expect(line).toBe('o,i,z,,,,,,,,,,');
  });

  it('an empty export is just the header', () => {
    expect(toCsv([])).toBe(QUARRY_COLUMNS.join(',') + '\r\n');
  });

  it('csvParts: the header, then one part per batch; together they are the document', () => {
    const parts = csvParts(rows, 2);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toBe(csvHeader(['instruction', 'output', 'extra', 'note']).join(',') + '\r\n');
    expect(parts.join('')).toBe(toCsv(rows));
  });

  it('writes a BigInt cell (and BigInts inside JSON cells) with their exact digits', () => {
    const header = csvHeader(['id', 'nested']);
    const line = csvRow({ raw: { id: 12345678901234567891n, nested: { n: 98765432109876543210n } }, meta: meta('z', { scores: null, decision: null }) }, header);
    expect(line.startsWith('12345678901234567891,"{""n"":98765432109876543210}",z,')).toBe(true);
  });
});
