import { IngestFatalError } from '../types';
import type { IngestIssue, IngestIssueKind } from '../types';
import type { ParseContext, PositionLabel } from './model';

export const ACCEPTED_FORMATS = '.jsonl, .ndjson, .json, .csv, .tsv, .tab, .parquet';

/** Throw the AbortError an aborted ingest must reject with. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

export function abortError(): DOMException {
  return new DOMException('The ingest was aborted.', 'AbortError');
}

export function fatal(file: string, message: string): IngestFatalError {
  return new IngestFatalError(message, file);
}

export function notUtf8(file: string, detail?: string): IngestFatalError {
  return fatal(
    file,
    `${file} is not UTF-8 text${detail ? ` (${detail})` : ''}; re-save it with UTF-8 encoding and try again.`,
  );
}

export function emptyFile(file: string, detail: string): IngestFatalError {
  return fatal(file, `${file} is empty (${detail}); there is nothing to load.`);
}

export function makeIssue(
  file: string,
  line: number,
  label: PositionLabel,
  kind: IngestIssueKind,
  text: string,
  field?: string,
): IngestIssue {
  const issue: IngestIssue = { file, line, kind, message: `${label} ${line}: ${text}` };
  if (field !== undefined) issue.field = field;
  return issue;
}

/**
 * Decode a byte stream as UTF-8 text, chunk by chunk (streaming TextDecoder, so multi-byte
 * characters split across chunks are handled). Strips a UTF-8 BOM, keeps ctx.bytesRead up to
 * date, checks for abort, and turns invalid UTF-8 into a fatal "is not UTF-8 text" error.
 */
export async function* decodeText(ctx: ParseContext): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  let offset = 0;
  for await (const chunk of ctx.src.stream()) {
    throwIfAborted(ctx.signal);
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw notUtf8(ctx.src.name, `invalid byte sequence within bytes ${offset}–${offset + chunk.byteLength}`);
    }
    offset += chunk.byteLength;
    ctx.bytesRead = offset;
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0) yield text;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw notUtf8(ctx.src.name, 'the file ends in the middle of a multi-byte character');
  }
  if (first && tail.charCodeAt(0) === 0xfeff) tail = tail.slice(1);
  if (tail.length > 0) yield tail;
}

/** Short description of a JS value's type for messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
