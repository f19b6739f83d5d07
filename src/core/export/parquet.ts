// Parquet export of curated records (hyparquet-writer). Pure TypeScript: Worker, Node and vitest.
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { stringifyJsonExact } from '../ingest/jsonText';
import type { SampleScores } from '../types';
import { SCORE_KEYS } from '../types';
import { rawKeysOf, type ExportRow } from './index';

/** The quarry columns of the Parquet export, in order, appended after the raw columns. */
export const PARQUET_QUARRY_COLUMNS: readonly string[] = [
  'quarry_id',
  'quarry_decision',
  'quarry_model',
  'quarry_template',
  ...SCORE_KEYS.map((k) => `quarry_${k}`),
  'quarry_variants',
];

/** JSON text of a value; BigInts (integers beyond 2^53) as their exact digits. */
function jsonText(value: unknown): string {
  return stringifyJsonExact(value);
}

/** How a raw column is stored, from the kinds of its non-null values. */
export type RawColumnKind = 'string' | 'double' | 'int64' | 'boolean' | 'json';

/**
 * Kind of a raw column: all (non-null) values strings → STRING, all numbers → DOUBLE, integers
 * with at least one BigInt (beyond 2^53, see core/export recordOf) → INT64 (exact), all booleans →
 * BOOLEAN, anything else (objects, arrays, mixed kinds) → JSON text in a STRING column. A column
 * whose values are all null/missing is a STRING column of nulls.
 */
export function rawColumnKind(rows: readonly ExportRow[], key: string): RawColumnKind {
  let kind: RawColumnKind | null = null;
  let allIntegers = true;
  let bigints = false;
  for (const r of rows) {
    if (!Object.prototype.hasOwnProperty.call(r.raw, key)) continue;
    const v = r.raw[key];
    if (v === null || v === undefined) continue;
    if (typeof v === 'bigint') {
      bigints = true;
      if (kind === null) kind = 'double';
      else if (kind !== 'double') return 'json';
      continue;
    }
    const k: RawColumnKind =
      typeof v === 'string' ? 'string' : typeof v === 'number' ? 'double' : typeof v === 'boolean' ? 'boolean' : 'json';
    if (k === 'json') return 'json';
    if (k === 'double' && !Number.isInteger(v)) allIntegers = false;
    if (kind === null) kind = k;
    else if (kind !== k) return 'json';
  }
  if (bigints) return allIntegers ? 'int64' : 'json';
  return kind ?? 'string';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function rawColumn(rows: readonly ExportRow[], key: string): ColumnSource {
  const kind = rawColumnKind(rows, key);
  const n = rows.length;
  const get = (i: number): unknown => {
    const raw = rows[i]!.raw;
    return Object.prototype.hasOwnProperty.call(raw, key) ? raw[key] : undefined;
  };
  switch (kind) {
    case 'double': {
      const data: (number | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = get(i);
        data[i] = typeof v === 'number' ? v : null;
      }
      return { name: key, data, type: 'DOUBLE', nullable: true };
    }
    case 'int64': {
      const data: (bigint | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = get(i);
        data[i] = typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : null;
      }
      // beyond 64 bits (a JSON integer may be any length): exact digits as text instead
      if (data.some((x) => x !== null && (x < INT64_MIN || x > INT64_MAX))) {
        return { name: key, data: data.map((x) => (x === null ? null : x.toString())), type: 'STRING', nullable: true };
      }
      return { name: key, data, type: 'INT64', nullable: true };
    }
    case 'boolean': {
      const data: (boolean | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = get(i);
        data[i] = typeof v === 'boolean' ? v : null;
      }
      return { name: key, data, type: 'BOOLEAN', nullable: true };
    }
    case 'string': {
      const data: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = get(i);
        data[i] = typeof v === 'string' ? v : null;
      }
      return { name: key, data, type: 'STRING', nullable: true };
    }
    case 'json': {
      const data: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = get(i);
        data[i] = v === null || v === undefined ? null : jsonText(v);
      }
      return { name: key, data, type: 'STRING', nullable: true };
    }
  }
}

function stringColumn(name: string, data: (string | null)[]): ColumnSource {
  return { name, data, type: 'STRING', nullable: true };
}

/**
 * The rows as a Parquet file (SNAPPY-compressed). Columns:
 * - every raw key, in first-seen order (see `rawColumnKind` for the column types; a missing key is null);
 * - `quarry_id` (string), `quarry_decision` (string: 'accepted' | 'rejected', null when undecided),
 *   `quarry_model`, `quarry_template` (strings, nullable);
 * - one nullable DOUBLE column per score: `quarry_s_a_given_q`, `quarry_s_a`, `quarry_ifd`, ...;
 * - `quarry_variants`: the JSON text of the variants array (`[]` when none).
 * A raw column whose name clashes with a quarry column is dropped: the quarry value wins, as in
 * the CSV export. Zero rows give a valid file with the quarry columns only.
 */
export function toParquet(rows: ExportRow[]): Uint8Array {
  const quarry = new Set(PARQUET_QUARRY_COLUMNS);
  const rawKeys = rawKeysOf(rows).filter((k) => !quarry.has(k));
  const columns: ColumnSource[] = rawKeys.map((k) => rawColumn(rows, k));

  columns.push(
    stringColumn(
      'quarry_id',
      rows.map((r) => r.meta.id),
    ),
    stringColumn(
      'quarry_decision',
      rows.map((r) => r.meta.decision ?? null),
    ),
    stringColumn(
      'quarry_model',
      rows.map((r) => r.meta.model ?? null),
    ),
    stringColumn(
      'quarry_template',
      rows.map((r) => r.meta.template ?? null),
    ),
  );
  for (const key of SCORE_KEYS) {
    columns.push({
      name: `quarry_${key}`,
      data: rows.map((r) => scoreValue(r.meta.scores, key)),
      type: 'DOUBLE',
      nullable: true,
    });
  }
  columns.push(
    stringColumn(
      'quarry_variants',
      rows.map((r) => jsonText(r.meta.variants ?? [])),
    ),
  );

  return new Uint8Array(parquetWriteBuffer({ columnData: columns, createdBy: 'quarry' }));
}

function scoreValue(scores: SampleScores | null, key: keyof SampleScores): number | null {
  if (!scores) return null;
  const v = scores[key];
  return typeof v === 'number' ? v : null;
}
