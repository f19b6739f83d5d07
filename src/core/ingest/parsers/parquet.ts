import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import type { RawRecord } from '../../types';
import { fatal, makeIssue, throwIfAborted } from '../errors';
import { MAX_NESTING_DEPTH, stringifyJsonExact } from '../jsonText';
import type { ParseContext, ParsedItem } from '../model';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rem = bytes.length - i;
  if (rem === 1) {
    const n = bytes[i]! << 16;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + '==';
  } else if (rem === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** A value nested deeper than MAX_NESTING_DEPTH (a row is skipped with a 'too-deep' issue). */
export class TooDeepError extends Error {
  constructor() {
    super(`nested more than ${MAX_NESTING_DEPTH} levels deep`);
    this.name = 'TooDeepError';
  }
}

export interface JsonSafeOptions {
  /** Keep BigInts beyond ±2^53 as BigInt (for exact JSON text) instead of decimal strings. */
  keepBigInt?: boolean;
  /** Set to true when a BigInt beyond ±2^53 was met. */
  seen?: { unsafeBigInt: boolean };
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Make a value decoded by hyparquet survive JSON: BigInt -> number when safe, else decimal
 * string (or, with `keepBigInt`, the BigInt itself); Date -> ISO string; bytes -> base64 string;
 * non-finite numbers -> null; recursively for arrays and objects, at most MAX_NESTING_DEPTH
 * levels (deeper throws TooDeepError). Returns the same object when nothing needed converting.
 */
export function jsonSafe(v: unknown, opts: JsonSafeOptions = {}, depth = 0): unknown {
  switch (typeof v) {
    case 'bigint':
      if (v >= MIN_SAFE && v <= MAX_SAFE) return Number(v);
      if (opts.seen) opts.seen.unsafeBigInt = true;
      return opts.keepBigInt ? v : v.toString();
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'object': {
      if (v === null) return null;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      if (v instanceof Uint8Array) return base64(v);
      if (depth >= MAX_NESTING_DEPTH) throw new TooDeepError();
      if (Array.isArray(v)) {
        let out: unknown[] | null = null;
        for (let i = 0; i < v.length; i++) {
          const c = jsonSafe(v[i], opts, depth + 1);
          if (c !== v[i] && out === null) out = v.slice(0, i);
          if (out !== null) out.push(c);
        }
        return out ?? v;
      }
      if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => jsonSafe(x, opts, depth + 1));
      let out: Record<string, unknown> | null = null;
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const c = jsonSafe(obj[k], opts, depth + 1);
        if (c !== obj[k] && out === null) {
          out = {};
          for (let j = 0; j < i; j++) out[keys[j]!] = obj[keys[j]!];
        }
        if (out !== null) out[k] = c;
      }
      return out ?? v;
    }
    case 'undefined':
      return null;
    default:
      return v;
  }
}

function corrupt(file: string, e: unknown): Error {
  const detail = e instanceof Error ? e.message : String(e);
  if (/unsupported compression|compression codec/i.test(detail)) {
    return fatal(file, `${file} uses a Parquet compression codec that is not supported: ${detail}`);
  }
  return fatal(file, `${file} is not a valid Parquet file (truncated or corrupt): ${detail}`);
}

/** One decoded row as a record (or an issue when it nests too deeply). */
function rowItem(file: string, row: Record<string, unknown>, line: number): ParsedItem {
  const seen = { unsafeBigInt: false };
  let raw: RawRecord;
  try {
    raw = jsonSafe(row, { seen }) as RawRecord;
  } catch (e) {
    if (e instanceof TooDeepError) {
      return { kind: 'issue', issue: makeIssue(file, line, 'row', 'too-deep', `record is ${e.message}`) };
    }
    throw e;
  }
  if (!seen.unsafeBigInt) return { kind: 'record', raw, line };
  // INT64 values beyond 2^53 are decimal strings in `raw` (safe everywhere); the exact JSON text,
  // with them as numbers, goes beside it for the export
  return { kind: 'record', raw, line, rawText: stringifyJsonExact(jsonSafe(row, { keepBigInt: true })) };
}

/**
 * Parquet via hyparquet, reading through ByteSource.slice. Rows are read one row group at a
 * time (`rowStart`/`rowEnd` of one group: only that group's column chunks are fetched and
 * decoded), so memory is bounded by the largest group, never the whole file.
 * `line` is the 1-based row number.
 */
export async function* parquetItems(ctx: ParseContext): AsyncGenerator<ParsedItem, void, undefined> {
  const { src } = ctx;
  const file = src.name;
  const buffer: AsyncBuffer = {
    byteLength: src.size,
    slice: (start: number, end?: number) => src.slice(start, end ?? src.size),
  };
  if (src.size < 12) throw corrupt(file, new Error(`only ${src.size} bytes`));

  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw corrupt(file, e);
  }
  throwIfAborted(ctx.signal);
  yield { kind: 'format', format: 'parquet', label: 'row' };

  const groups = metadata.row_groups;
  let rowStart = 0;
  let bytes = 0;
  for (const g of groups) {
    const n = Number(g.num_rows);
    const rowEnd = rowStart + n;
    if (n > 0) {
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd });
      } catch (e) {
        throw corrupt(file, e);
      }
      throwIfAborted(ctx.signal);
      for (const c of g.columns) bytes += Number(c.meta_data?.total_compressed_size ?? 0);
      ctx.bytesRead = Math.min(src.size, bytes);
      for (let i = 0; i < rows.length; i++) {
        yield rowItem(file, rows[i]!, rowStart + i + 1);
        rows[i] = undefined as unknown as Record<string, unknown>; // let the row go once handed over
        if ((i & 1023) === 1023) {
          throwIfAborted(ctx.signal);
          yield { kind: 'tick' };
        }
      }
    }
    rowStart = rowEnd;
    yield { kind: 'tick' };
  }
  ctx.bytesRead = src.size;
}
