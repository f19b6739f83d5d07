import type { RawRecord } from '../../types';
import { decodeText, fatal, makeIssue, throwIfAborted, typeName } from '../errors';
import { utf8LongerThan } from '../hash';
import { JsonArrayScanner, JsonScanError, MAX_NESTING_DEPTH, minifyJson, type ScannedElement } from '../jsonText';
import type { ParseContext, ParsedItem } from '../model';
import { jsonlFromText } from './jsonl';

function shortError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.length > 160 ? `${msg.slice(0, 157)}...` : msg;
}

/** One element of the records array as a record or an issue. `line` is the 1-based record number. */
function elementItem(file: string, el: ScannedElement, maxRecordBytes: number): ParsedItem {
  const line = el.index + 1;
  if (el.kind !== 'object') {
    return { kind: 'issue', issue: makeIssue(file, line, 'record', 'not-an-object', `expected a JSON object, found ${el.kind}`) };
  }
  if (el.tooDeep) {
    return {
      kind: 'issue',
      issue: makeIssue(file, line, 'record', 'too-deep', `record is nested more than ${MAX_NESTING_DEPTH} levels deep`),
    };
  }
  if (el.tooLarge || el.text === null || utf8LongerThan(el.text, maxRecordBytes)) {
    return { kind: 'issue', issue: makeIssue(file, line, 'record', 'too-large', `record is larger than ${maxRecordBytes} bytes`) };
  }
  let v: unknown;
  try {
    v = JSON.parse(el.text);
  } catch (e) {
    return { kind: 'issue', issue: makeIssue(file, line, 'record', 'malformed', `not valid JSON (${shortError(e)})`) };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return { kind: 'issue', issue: makeIssue(file, line, 'record', 'not-an-object', `expected a JSON object, found ${typeName(v)}`) };
  }
  // the element's own text, on one line: what the JSONL export writes back
  return { kind: 'record', raw: v as RawRecord, line, rawText: minifyJson(el.text) };
}

/**
 * A JSON document: a top-level array of objects, or an object holding exactly one array of
 * objects (e.g. {"data": [...]}). `line` is the 1-based record number. A .json file that actually
 * holds JSON lines is read as JSONL (and reported as format 'jsonl').
 *
 * Streamed: the document is never held as one string (files beyond the engine's ~512 MB string
 * limit load); each element's source text is cut out by `JsonArrayScanner` and parsed on its own,
 * so a malformed, too large or too deeply nested element is one record's issue.
 */
export async function* jsonItems(ctx: ParseContext): AsyncGenerator<ParsedItem, void, undefined> {
  const file = ctx.src.name;
  const scanner = new JsonArrayScanner(ctx.maxRecordBytes);
  let jsonl = false;
  try {
    for await (const text of decodeText(ctx)) {
      for (const ev of scanner.feed(text)) {
        if (ev.type === 'json') yield { kind: 'format', format: 'json', label: 'record' };
        else if (ev.type === 'element') yield elementItem(file, ev.element, ctx.maxRecordBytes);
        else jsonl = true;
      }
      if (jsonl) break;
      throwIfAborted(ctx.signal);
      yield { kind: 'tick' };
    }
    if (!jsonl) {
      for (const ev of scanner.end()) {
        if (ev.type === 'json') yield { kind: 'format', format: 'json', label: 'record' };
        else if (ev.type === 'element') yield elementItem(file, ev.element, ctx.maxRecordBytes);
      }
    }
  } catch (e) {
    if (e instanceof JsonScanError) throw fatal(file, `${file} ${e.message}`);
    throw e;
  }
  if (jsonl) {
    // the first line is a complete JSON object and more follows: JSON lines, read again from the start
    yield { kind: 'format', format: 'jsonl', label: 'line' };
    yield* jsonlFromText(ctx, decodeText(ctx));
  }
}
