import type { RawRecord } from '../../types';
import { decodeText, emptyFile, makeIssue, throwIfAborted, typeName } from '../errors';
import { utf8LongerThan } from '../hash';
import { jsonDepthExceeds, MAX_NESTING_DEPTH } from '../jsonText';
import type { ParseContext, ParsedItem } from '../model';

/** True if `s` contains only JSON/Unicode whitespace (checks the first character first: fast for records). */
export function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0xfeff || c === 0xa0) continue;
    if (c > 0x7f && /\s/.test(s[i]!)) continue;
    return false;
  }
  return true;
}

function shortError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.length > 160 ? `${msg.slice(0, 157)}...` : msg;
}

/**
 * Split decoded text chunks into lines and parse each as JSON. Lines may span any number of
 * chunks; they are accumulated as parts and joined once (no quadratic concatenation). A line
 * that grows past maxRecordBytes is dropped while it is being read and reported as 'too-large'.
 */
export async function* jsonlFromText(
  ctx: ParseContext,
  texts: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<ParsedItem, void, undefined> {
  const file = ctx.src.name;
  const max = ctx.maxRecordBytes;
  let parts: string[] = [];
  let partsLen = 0;
  let oversize = false;
  let line = 0;
  let sawContent = false;

  function handle(s: string, ln: number): ParsedItem | null {
    if (s.length > 0 && s.charCodeAt(s.length - 1) === 0x0d) s = s.slice(0, -1);
    if (s.length === 0 || isBlank(s)) return null;
    sawContent = true;
    if (utf8LongerThan(s, max)) {
      return { kind: 'issue', issue: makeIssue(file, ln, 'line', 'too-large', `record is larger than ${max} bytes`) };
    }
    // checked on the text, before parsing: neither JSON.parse nor anything after it walks a record
    // nested deeper than the limit (a 20,000-deep line would overflow the stack somewhere)
    if (jsonDepthExceeds(s, MAX_NESTING_DEPTH)) {
      return {
        kind: 'issue',
        issue: makeIssue(file, ln, 'line', 'too-deep', `record is nested more than ${MAX_NESTING_DEPTH} levels deep`),
      };
    }
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      return { kind: 'issue', issue: makeIssue(file, ln, 'line', 'malformed', `not valid JSON (${shortError(e)})`) };
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      return {
        kind: 'issue',
        issue: makeIssue(file, ln, 'line', 'not-an-object', `expected a JSON object, found ${typeName(v)}`),
      };
    }
    return { kind: 'record', raw: v as RawRecord, line: ln, rawText: s };
  }

  for await (const text of texts) {
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl === -1) {
        if (pos < text.length && !oversize) {
          const rest = pos === 0 ? text : text.slice(pos);
          parts.push(rest);
          partsLen += rest.length;
          if (partsLen > max) {
            // more UTF-16 code units than allowed bytes: certainly too large; stop buffering it
            oversize = true;
            parts = [];
            partsLen = 0;
          }
        }
        break;
      }
      line++;
      if (oversize) {
        oversize = false;
        sawContent = true;
        yield { kind: 'issue', issue: makeIssue(file, line, 'line', 'too-large', `record is larger than ${max} bytes`) };
      } else {
        const seg = text.slice(pos, nl);
        const full = parts.length === 0 ? seg : parts.join('') + seg;
        parts = [];
        partsLen = 0;
        const item = handle(full, line);
        if (item) yield item;
      }
      pos = nl + 1;
    }
    throwIfAborted(ctx.signal);
    yield { kind: 'tick' };
  }
  if (oversize) {
    line++;
    sawContent = true;
    yield { kind: 'issue', issue: makeIssue(file, line, 'line', 'too-large', `record is larger than ${max} bytes`) };
  } else if (parts.length > 0) {
    line++;
    const item = handle(parts.join(''), line);
    if (item) yield item;
  }
  if (!sawContent) throw emptyFile(file, 'it contains only whitespace');
}

export async function* jsonlItems(ctx: ParseContext): AsyncGenerator<ParsedItem, void, undefined> {
  yield { kind: 'format', format: 'jsonl', label: 'line' };
  yield* jsonlFromText(ctx, decodeText(ctx));
}
