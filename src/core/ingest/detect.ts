import type { SourceFormat } from '../types';
import { ACCEPTED_FORMATS, emptyFile, fatal, notUtf8 } from './errors';

/** How many leading bytes are inspected for sniffing and the binary check. */
export const HEAD_BYTES = 8192;

const EXTENSIONS: Record<string, SourceFormat> = {
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  parquet: 'parquet',
};

function extensionOf(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

export function hasParquetMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;
}

function hasNul(head: Uint8Array): boolean {
  return head.indexOf(0) !== -1;
}

function compressedKind(head: Uint8Array): string | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return null;
}

function utf16Bom(head: Uint8Array): boolean {
  return head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
}

/** Decode the head leniently (a multi-byte char cut at the end of the head is fine). */
function headText(head: Uint8Array): string {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

function unknownFormat(name: string, why: string): Error {
  return fatal(name, `${name} is not a recognised dataset file (${why}). Accepted formats: ${ACCEPTED_FORMATS}.`);
}

/**
 * Detect the format from the file extension, or by sniffing the first bytes when the extension
 * is unknown. Throws IngestFatalError if the format cannot be recognised.
 */
export function detectFormat(name: string, head: Uint8Array): SourceFormat {
  const ext = extensionOf(name);
  const byExt = EXTENSIONS[ext];
  if (byExt) return byExt;

  const what = ext ? `unknown extension ".${ext}"` : 'no file extension';
  if (hasParquetMagic(head)) return 'parquet';
  const comp = compressedKind(head);
  if (comp) throw unknownFormat(name, `${what}; it looks ${comp}-compressed, decompress it first`);
  if (utf16Bom(head)) throw unknownFormat(name, `${what}; it is UTF-16 text, not UTF-8`);
  if (hasNul(head)) throw unknownFormat(name, `${what} and binary content`);

  const text = headText(head);
  const trimmed = text.replace(/^\s+/, '');
  if (trimmed.length === 0) throw unknownFormat(name, `${what} and no content`);
  const c = trimmed[0];
  if (c === '[') return 'json';
  if (c === '{') {
    const nl = trimmed.indexOf('\n');
    if (nl === -1) return 'json'; // a single (long) line: the JSON reader falls back to JSON lines if needed
    try {
      const v: unknown = JSON.parse(trimmed.slice(0, nl));
      if (v !== null && typeof v === 'object') return 'jsonl';
    } catch {
      /* first line is not a complete JSON value: a pretty-printed JSON document */
    }
    return 'json';
  }
  const firstLine = (text.split('\n')[0] ?? '').replace(/\r$/, '');
  if (firstLine.includes('\t')) return 'tsv';
  if (firstLine.includes(',')) return 'csv';
  throw unknownFormat(name, `${what}, and the content is not JSON, JSON lines, CSV or TSV`);
}

/**
 * Whole-file checks on the head of a text file: UTF-16, binary (NUL bytes), invalid UTF-8,
 * whitespace-only (when the whole file fits in the head).
 */
export function checkTextHead(name: string, head: Uint8Array, size: number, format: SourceFormat): void {
  if (utf16Bom(head)) throw notUtf8(name, 'it looks like UTF-16');
  const comp = compressedKind(head);
  if (comp) throw fatal(name, `${name} looks ${comp}-compressed, not ${format.toUpperCase()} text; decompress it first.`);
  if (hasParquetMagic(head) && format !== 'parquet') {
    throw fatal(name, `${name} is a Parquet file, not ${format.toUpperCase()} text; rename it to .parquet.`);
  }
  if (hasNul(head)) {
    throw fatal(name, `${name} looks like a binary file (it contains NUL bytes), not ${format.toUpperCase()} text.`);
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: head.length < size });
  } catch {
    throw notUtf8(name, `invalid byte sequence in the first ${head.length} bytes`);
  }
  if (head.length >= size && headText(head).trim().length === 0) {
    throw emptyFile(name, 'it contains only whitespace');
  }
}
