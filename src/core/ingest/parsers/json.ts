import type { RawRecord } from '../../types';
import { decodeText, emptyFile, fatal, makeIssue, throwIfAborted, typeName } from '../errors';
import type { ParseContext, ParsedItem } from '../model';
import { isBlank, jsonlFromText } from './jsonl';

function isPlainObject(v: unknown): v is RawRecord {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** True if the first non-blank line of `text` is, on its own, a complete JSON object. */
function firstLineIsJsonObject(text: string): boolean {
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const line = text.slice(pos, nl);
    if (!isBlank(line)) {
      try {
        return isPlainObject(JSON.parse(line));
      } catch {
        return false;
      }
    }
    pos = nl + 1;
  }
  return false;
}

/**
 * A JSON document: a top-level array of objects, or an object holding exactly one array of
 * objects (e.g. {"data": [...]}). `line` is the 1-based record number. A .json file that actually
 * holds JSON lines is read as JSONL (and reported as format 'jsonl').
 */
export async function* jsonItems(ctx: ParseContext): AsyncGenerator<ParsedItem, void, undefined> {
  const file = ctx.src.name;
  const parts: string[] = [];
  for await (const t of decodeText(ctx)) {
    parts.push(t);
    yield { kind: 'tick' };
  }
  const text = parts.join('');
  parts.length = 0;
  if (isBlank(text)) throw emptyFile(file, 'it contains only whitespace');

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (firstLineIsJsonObject(text)) {
      yield { kind: 'format', format: 'jsonl', label: 'line' };
      yield* jsonlFromText(ctx, [text]);
      return;
    }
    const detail = e instanceof Error ? e.message : String(e);
    throw fatal(file, `${file} is not valid JSON: ${detail}`);
  }
  throwIfAborted(ctx.signal);

  let records: unknown[];
  if (Array.isArray(value)) {
    records = value;
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => {
      const v = value[k];
      return Array.isArray(v) && v.some(isPlainObject);
    });
    if (keys.length === 0) {
      throw fatal(
        file,
        `${file} is not an array of objects: expected [ {...}, ... ] or an object holding one such array, e.g. {"data": [ {...} ]}.`,
      );
    }
    if (keys.length > 1) {
      throw fatal(
        file,
        `${file} holds several arrays of objects (${keys.map((k) => `"${k}"`).join(', ')}); expected exactly one.`,
      );
    }
    records = value[keys[0]!] as unknown[];
  } else {
    throw fatal(file, `${file} is not an array of objects (the top-level JSON value is a ${typeName(value)}).`);
  }
  if (records.length > 0 && !records.some(isPlainObject)) {
    throw fatal(file, `${file} is not an array of objects (its items are ${typeName(records[0])}s).`);
  }

  yield { kind: 'format', format: 'json', label: 'record' };
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (isPlainObject(r)) {
      yield { kind: 'record', raw: r, line: i + 1 };
    } else {
      yield {
        kind: 'issue',
        issue: makeIssue(file, i + 1, 'record', 'not-an-object', `expected a JSON object, found ${typeName(r)}`),
      };
    }
    if ((i & 1023) === 1023) {
      throwIfAborted(ctx.signal);
      yield { kind: 'tick' };
    }
  }
}
