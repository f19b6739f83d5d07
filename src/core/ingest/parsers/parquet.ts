import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import type { RawRecord } from '../../types';
import { fatal, throwIfAborted } from '../errors';
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

/**
 * Make a value decoded by hyparquet survive JSON: BigInt -> number when safe, else decimal
 * string; Date -> ISO string; bytes -> base64 string; non-finite numbers -> null; recursively
 * for arrays and objects. Returns the same object when nothing needed converting.
 */
export function jsonSafe(v: unknown): unknown {
  switch (typeof v) {
    case 'bigint':
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'object': {
      if (v === null) return null;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      if (v instanceof Uint8Array) return base64(v);
      if (Array.isArray(v)) {
        let out: unknown[] | null = null;
        for (let i = 0; i < v.length; i++) {
          const c = jsonSafe(v[i]);
          if (c !== v[i] && out === null) out = v.slice(0, i);
          if (out !== null) out.push(c);
        }
        return out ?? v;
      }
      if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => jsonSafe(x));
      let out: Record<string, unknown> | null = null;
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const c = jsonSafe(obj[k]);
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

/**
 * Parquet via hyparquet, reading through ByteSource.slice. Rows are read one row group at a
 * time (a group's column chunks are decoded together), so memory is bounded by the largest group.
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
        const raw = jsonSafe(rows[i]) as RawRecord;
        yield { kind: 'record', raw, line: rowStart + i + 1 };
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
