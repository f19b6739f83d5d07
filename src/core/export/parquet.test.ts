import { describe, expect, it } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { QuarryRecordMeta, SampleScores, VariantScores } from '../types';
import type { ExportRow } from './index';
import { PARQUET_QUARRY_COLUMNS, rawColumnKind, toParquet } from './parquet';

const SCORES: SampleScores = {
  s_a_given_q: 1.25,
  s_a: 2.5,
  ifd: 0.5,
  aifd: 0.75,
  aifd_max: 0.9,
  aifd_min: 0.6,
  aifd_gap: 0.15,
  dist_consistency: 0.875,
  embed_consistency: null,
};

const VARIANT: VariantScores = {
  attack: 'synonym',
  instruction: 'Nommez la capitale — “quoted” 🌍',
  s_a_given_q: 1.875,
  aifd: 0.75,
  dist_consistency: 0.875,
  embed_consistency: null,
  edits: [{ start: 0, end: 4, before: 'Name', after: 'Nommez', op: 'synonym' }],
};

function meta(id: string, over: Partial<QuarryRecordMeta> = {}): QuarryRecordMeta {
  return { id, model: 'SmolLM2-135M', template: 'chatml', scores: SCORES, variants: [], decision: 'accepted', ...over };
}

function toArrayBuffer(u8: Uint8Array): ArrayBuffer {
  return u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength) as ArrayBuffer;
}

async function readBack(rows: ExportRow[]): Promise<{ names: string[]; types: Record<string, string>; objects: Record<string, unknown>[] }> {
  const buf = toArrayBuffer(toParquet(rows));
  const md = parquetMetadata(buf);
  const leaves = md.schema.slice(1);
  const types: Record<string, string> = {};
  for (const s of leaves) types[s.name] = `${s.type}${s.converted_type ? `/${s.converted_type}` : ''}`;
  const objects = (await parquetReadObjects({ file: buf })) as Record<string, unknown>[];
  return { names: leaves.map((s) => s.name), types, objects };
}

const NULL_QUARRY = {
  quarry_s_a_given_q: null,
  quarry_s_a: null,
  quarry_ifd: null,
  quarry_aifd: null,
  quarry_aifd_max: null,
  quarry_aifd_min: null,
  quarry_aifd_gap: null,
  quarry_dist_consistency: null,
  quarry_embed_consistency: null,
};

describe('toParquet', () => {
  const rows: ExportRow[] = [
    {
      raw: {
        instruction: 'Name the capital — 首都? 🌍',
        input: '',
        output: 'Paris',
        rating: 4.5,
        ok: true,
        tags: ['geo', 'easy'],
        mixed: 1,
        nested: { a: { b: [1, null, 'x'] } },
      },
      meta: meta('abc123', { variants: [VARIANT] }),
    },
    {
      raw: { instruction: 'Second "quoted", with\nnewline', output: 'ok', rating: 3, ok: false, mixed: 'one', extra: null, count: 7 },
      meta: meta('def456', { decision: 'rejected', model: null, template: null, scores: null }),
    },
    {
      raw: { output: 'third', rating: null, tags: [], mixed: { k: 1 }, count: 8 },
      meta: meta('ghi789', { decision: null, scores: { ...SCORES, ifd: null, aifd: -0.25 }, truncated: true }),
    },
  ];

  it('writes raw columns (first-seen order) then the quarry columns, with types', async () => {
    const { names, types } = await readBack(rows);
    expect(names).toEqual([
      'instruction',
      'input',
      'output',
      'rating',
      'ok',
      'tags',
      'mixed',
      'nested',
      'extra',
      'count',
      ...PARQUET_QUARRY_COLUMNS,
    ]);
    expect(PARQUET_QUARRY_COLUMNS).toEqual([
      'quarry_id',
      'quarry_decision',
      'quarry_model',
      'quarry_template',
      'quarry_s_a_given_q',
      'quarry_s_a',
      'quarry_ifd',
      'quarry_aifd',
      'quarry_aifd_max',
      'quarry_aifd_min',
      'quarry_aifd_gap',
      'quarry_dist_consistency',
      'quarry_embed_consistency',
      'quarry_variants',
    ]);
    expect(types).toMatchObject({
      instruction: 'BYTE_ARRAY/UTF8',
      rating: 'DOUBLE',
      ok: 'BOOLEAN',
      tags: 'BYTE_ARRAY/UTF8',
      mixed: 'BYTE_ARRAY/UTF8',
      extra: 'BYTE_ARRAY/UTF8',
      count: 'DOUBLE',
      quarry_id: 'BYTE_ARRAY/UTF8',
      quarry_ifd: 'DOUBLE',
      quarry_variants: 'BYTE_ARRAY/UTF8',
    });
  });

  it('round-trips values, nulls, unicode and JSON-encoded nested values', async () => {
    const { objects } = await readBack(rows);
    expect(objects).toEqual([
      {
        instruction: 'Name the capital — 首都? 🌍',
        input: '',
        output: 'Paris',
        rating: 4.5,
        ok: true,
        tags: '["geo","easy"]',
        mixed: '1',
        nested: '{"a":{"b":[1,null,"x"]}}',
        extra: null,
        count: null,
        quarry_id: 'abc123',
        quarry_decision: 'accepted',
        quarry_model: 'SmolLM2-135M',
        quarry_template: 'chatml',
        quarry_s_a_given_q: 1.25,
        quarry_s_a: 2.5,
        quarry_ifd: 0.5,
        quarry_aifd: 0.75,
        quarry_aifd_max: 0.9,
        quarry_aifd_min: 0.6,
        quarry_aifd_gap: 0.15,
        quarry_dist_consistency: 0.875,
        quarry_embed_consistency: null,
        quarry_variants: JSON.stringify([VARIANT]),
      },
      {
        instruction: 'Second "quoted", with\nnewline',
        input: null,
        output: 'ok',
        rating: 3,
        ok: false,
        tags: null,
        mixed: '"one"',
        nested: null,
        extra: null,
        count: 7,
        quarry_id: 'def456',
        quarry_decision: 'rejected',
        quarry_model: null,
        quarry_template: null,
        ...NULL_QUARRY,
        quarry_variants: '[]',
      },
      {
        instruction: null,
        input: null,
        output: 'third',
        rating: null,
        ok: null,
        tags: '[]',
        mixed: '{"k":1}',
        nested: null,
        extra: null,
        count: 8,
        quarry_id: 'ghi789',
        quarry_decision: null,
        quarry_model: 'SmolLM2-135M',
        quarry_template: 'chatml',
        quarry_s_a_given_q: 1.25,
        quarry_s_a: 2.5,
        quarry_ifd: null,
        quarry_aifd: -0.25,
        quarry_aifd_max: 0.9,
        quarry_aifd_min: 0.6,
        quarry_aifd_gap: 0.15,
        quarry_dist_consistency: 0.875,
        quarry_embed_consistency: null,
        quarry_variants: '[]',
      },
    ]);
    // The variants column parses back to the original objects, unicode included.
    expect(JSON.parse(objects[0]!.quarry_variants as string)).toEqual([VARIANT]);
  });

  it('drops raw columns that clash with quarry columns (quarry wins)', async () => {
    const { names, objects } = await readBack([
      { raw: { quarry_id: 'raw-id', quarry_ifd: 'raw', quarry_variants: 1, quarry_model: 'raw', quarry: 'kept', text: 't' }, meta: meta('real-id') },
    ]);
    expect(names).toEqual(['quarry', 'text', ...PARQUET_QUARRY_COLUMNS]);
    expect(objects[0]).toMatchObject({ quarry: 'kept', quarry_id: 'real-id', quarry_ifd: 0.5, quarry_model: 'SmolLM2-135M', quarry_variants: '[]' });
  });

  it('keeps non-finite numbers in DOUBLE columns and large integers exactly', async () => {
    const { objects } = await readBack([
      { raw: { x: Number.POSITIVE_INFINITY, big: 2 ** 53 - 1 }, meta: meta('a') },
      { raw: { x: -0.5, big: -3 }, meta: meta('b') },
    ]);
    expect(objects.map((o) => [o.x, o.big])).toEqual([
      [Number.POSITIVE_INFINITY, 2 ** 53 - 1],
      [-0.5, -3],
    ]);
  });

  it('writes integers beyond 2^53 as an exact INT64 column, and integers beyond 64 bits as their digits', async () => {
    const { types, objects } = await readBack([
      { raw: { id: 12345678901234567891n % 2n ** 63n, huge: 123456789012345678901234567890n }, meta: meta('a') },
      { raw: { id: 7, huge: 1 }, meta: meta('b') },
    ]);
    expect(types.id).toBe('INT64');
    expect(objects.map((o) => o.id)).toEqual([12345678901234567891n % 2n ** 63n, 7n]);
    expect(objects.map((o) => o.huge)).toEqual(['123456789012345678901234567890', '1']);
  });

  it('writes a valid file for zero rows (quarry columns only) and for many rows', async () => {
    const empty = await readBack([]);
    expect(empty.names).toEqual([...PARQUET_QUARRY_COLUMNS]);
    expect(empty.objects).toEqual([]);

    const many: ExportRow[] = Array.from({ length: 2500 }, (_, i) => ({
      raw: { i, text: `row ${i} — ✓` },
      meta: meta(`id${i}`, { decision: i % 3 === 0 ? null : 'accepted', scores: i % 2 ? null : { ...SCORES, ifd: i / 1000 } }),
    }));
    const { objects } = await readBack(many);
    expect(objects).toHaveLength(2500);
    expect(objects[2499]).toMatchObject({ i: 2499, text: 'row 2499 — ✓', quarry_id: 'id2499', quarry_decision: null, quarry_ifd: null });
    expect(objects[2000]).toMatchObject({ i: 2000, quarry_decision: 'accepted', quarry_ifd: 2 });
    expect(objects[1500]).toMatchObject({ quarry_decision: null, quarry_ifd: 1.5 });
  });

  it('returns a Parquet file (PAR1 magic at both ends)', () => {
    const u8 = toParquet([{ raw: { a: 1 }, meta: meta('x') }]);
    const magic = (o: number) => String.fromCharCode(u8[o]!, u8[o + 1]!, u8[o + 2]!, u8[o + 3]!);
    expect(magic(0)).toBe('PAR1');
    expect(magic(u8.length - 4)).toBe('PAR1');
  });
});

describe('rawColumnKind', () => {
  const r = (raw: Record<string, unknown>): ExportRow => ({ raw, meta: meta('x') });
  it('classifies columns by their non-null values', () => {
    const rows = [
      r({ s: 'a', n: 1, b: true, o: {}, m: 1, z: null, big: 1n, ints: 3, mixed: 2n }),
      r({ s: null, n: 2.5, b: false, m: '1', ints: 9007199254740993n, mixed: 0.5 }),
      r({}),
    ];
    expect(rawColumnKind(rows, 's')).toBe('string');
    expect(rawColumnKind(rows, 'n')).toBe('double');
    expect(rawColumnKind(rows, 'b')).toBe('boolean');
    expect(rawColumnKind(rows, 'o')).toBe('json');
    expect(rawColumnKind(rows, 'm')).toBe('json');
    expect(rawColumnKind(rows, 'z')).toBe('string');
    // integers beyond 2^53 (BigInt, from a record's source text) make an exact INT64 column
    expect(rawColumnKind(rows, 'big')).toBe('int64');
    expect(rawColumnKind(rows, 'ints')).toBe('int64');
    expect(rawColumnKind(rows, 'mixed')).toBe('json');
    expect(rawColumnKind(rows, 'absent')).toBe('string');
  });
});
