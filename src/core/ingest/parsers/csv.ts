import type { RawRecord } from '../../types';
import { decodeText, emptyFile, makeIssue, throwIfAborted } from '../errors';
import type { ParseContext, ParsedItem } from '../model';

/** Make header names unique and non-empty (`text`, `text_1`; empty -> `column_3`). */
export function normaliseHeader(fields: string[]): string[] {
  const used = new Set<string>();
  return fields.map((f, i) => {
    let base = f.trim() === '' ? `column_${i + 1}` : f;
    if (i === 0 && base.charCodeAt(0) === 0xfeff) base = base.slice(1);
    let name = base;
    for (let n = 1; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    return name;
  });
}

const QUOTE = 0x22;
const LF = 0x0a;

/** Whitespace a closing quote may be followed by before the delimiter / line end (as papaparse allows). */
function isPadding(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c || c === 0xa0 || c === 0xfeff || (c > 0x7f && /\s/.test(String.fromCharCode(c)));
}

/** The result of scanning one row from a position. */
export type RowScan =
  /** A complete row. `end` is where the next row starts; `newlines` the line breaks it spans. */
  | { kind: 'row'; fields: string[]; end: number; newlines: number; error: null | 'malformed-quote' | 'unclosed-quote' }
  /** The text ends inside the row (more text may complete it). */
  | { kind: 'incomplete' }
  /**
   * A quoted field that runs away: it spans a line break and then meets a quote that does not close
   * it (or the end of the input) — typically one unclosed quote swallowing the rows after it.
   */
  | {
      kind: 'runaway';
      reason: 'end-of-file' | 'stray-quote' | 'too-long';
      /** Index of the opening quote, and the line breaks between the row's start and it. */
      open: number;
      linesBefore: number;
    };

/**
 * Scan one CSV row starting at `start` (RFC 4180 with papaparse's leniency: a quote opens a field
 * only at its start; `""` inside is a quote; a closing quote may be followed by spaces before the
 * delimiter or line end). `final`: no more text will come. `maxSpan`: a quoted field still open
 * after this many characters past its first line break is a runaway.
 *
 * Linear: a quoted field's scan stops at the first quote that does not close it once it has crossed
 * a line break, so re-scanning from the next line (after a runaway) never re-reads that span twice.
 */
export function scanRow(text: string, start: number, delimiter: string, final: boolean, maxSpan: number): RowScan {
  const n = text.length;
  const delim = delimiter.charCodeAt(0);
  const fields: string[] = [];
  let newlines = 0;
  let error: null | 'malformed-quote' | 'unclosed-quote' = null;
  let i = start;
  for (;;) {
    // at the start of a field
    if (i < n && text.charCodeAt(i) === QUOTE) {
      const open = i;
      let firstBreak = -1; // index of the first line break inside the field
      let nextNl = -2; // the next line break at or after j (-1: none; -2: not looked up)
      let malformed = false;
      let j = open + 1;
      let close = -1;
      let after = -1; // index of the delimiter / newline after the closing quote, or n at the end
      const runaway = (reason: 'end-of-file' | 'stray-quote' | 'too-long'): RowScan => ({ kind: 'runaway', reason, open, linesBefore: newlines });
      for (;;) {
        const q = text.indexOf('"', j);
        const limit = q === -1 ? n : q;
        if (firstBreak === -1) {
          if (nextNl !== -1 && nextNl < j) nextNl = text.indexOf('\n', j);
          if (nextNl !== -1 && nextNl < limit) firstBreak = nextNl;
        }
        if (firstBreak !== -1 && limit - firstBreak > maxSpan) return runaway('too-long');
        if (q === -1) {
          if (!final) return { kind: 'incomplete' };
          if (firstBreak !== -1) return runaway('end-of-file');
          // unclosed on the last line: the rest of the text is the field
          fields.push(text.slice(open + 1));
          return { kind: 'row', fields, end: n, newlines, error: 'unclosed-quote' };
        }
        if (q + 1 >= n && !final) return { kind: 'incomplete' };
        if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
          j = q + 2; // an escaped quote
          continue;
        }
        // a closing quote if only padding separates it from a delimiter, a line end or the end
        let k = q + 1;
        while (k < n && text.charCodeAt(k) !== delim && text.charCodeAt(k) !== LF && isPadding(text.charCodeAt(k))) k++;
        if (k >= n && !final) return { kind: 'incomplete' };
        if (k >= n || text.charCodeAt(k) === delim || text.charCodeAt(k) === LF) {
          close = q;
          after = k;
          break;
        }
        // a quote followed by other text: not a closing quote
        if (firstBreak !== -1) return runaway('stray-quote');
        malformed = true;
        j = q + 1;
      }
      const body = text.slice(open + 1, close);
      fields.push(body.includes('"') ? body.replace(/""/g, '"') : body);
      if (firstBreak !== -1) newlines += countNewlines(text, open + 1, close);
      if (malformed) error = 'malformed-quote';
      if (after >= n) return { kind: 'row', fields, end: n, newlines, error };
      if (text.charCodeAt(after) === delim) {
        i = after + 1;
        continue;
      }
      return { kind: 'row', fields, end: after + 1, newlines: newlines + 1, error };
    }
    // an unquoted field: up to the next delimiter or line end
    let k = i;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c === delim || c === LF) break;
      k++;
    }
    if (k >= n && !final) return { kind: 'incomplete' };
    fields.push(text.slice(i, k));
    if (k >= n) return { kind: 'row', fields, end: n, newlines, error };
    if (text.charCodeAt(k) === delim) {
      i = k + 1;
      continue;
    }
    return { kind: 'row', fields, end: k + 1, newlines: newlines + 1, error };
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  let i = s.indexOf('\n', from);
  while (i !== -1 && i < to) {
    n++;
    i = s.indexOf('\n', i + 1);
  }
  return n;
}

/**
 * Stream CSV/TSV records. Decoded text is accumulated and scanned row by row; an incomplete
 * trailing row (possibly a quoted field spanning chunks) is kept for the next round, which waits
 * until the pending text has doubled, keeping the total work linear even for huge multi-line fields.
 * `line` is the 1-based physical line where a row starts (the header is line 1).
 *
 * One unclosed quote cannot swallow the rest of the file: a quoted field that crosses a line break
 * and then meets a quote that does not close it, or the end of the file, or runs on for more than
 * `2 × maxRecordBytes` characters, is a runaway. It is reported on the line where the quote
 * opened, and reading resumes at the next line.
 */
export function csvParser(delimiter: ',' | '\t') {
  return async function* csvItems(ctx: ParseContext): AsyncGenerator<ParsedItem, void, undefined> {
    const file = ctx.src.name;
    yield { kind: 'format', format: delimiter === ',' ? 'csv' : 'tsv', label: 'line' };
    const maxSpan = Math.max(1024, 2 * ctx.maxRecordBytes);

    let header: string[] | null = null;
    let line = 1; // physical line at the start of `pending`
    let pending = '';
    let parts: string[] = [];
    let partsLen = 0;
    let parseAt = 0; // scan again once pending + parts reach this length

    function rowItem(fields: string[], startLine: number, error: null | 'malformed-quote' | 'unclosed-quote'): ParsedItem | null {
      // strip the CR of CRLF line endings from the last field
      const lastIdx = fields.length - 1;
      const last = fields[lastIdx];
      if (last !== undefined && last.endsWith('\r')) fields[lastIdx] = last.slice(0, -1);
      if (fields.length === 1 && fields[0]!.trim() === '') return null; // blank line
      if (header === null) {
        header = normaliseHeader(fields);
        return null;
      }
      if (error !== null) {
        const why =
          error === 'unclosed-quote'
            ? 'a quoted field is never closed'
            : 'a quoted field is malformed (a closing quote is followed by other text)';
        return { kind: 'issue', issue: makeIssue(file, startLine, 'line', 'malformed', why) };
      }
      if (fields.length !== header.length) {
        return {
          kind: 'issue',
          issue: makeIssue(
            file,
            startLine,
            'line',
            'malformed',
            `expected ${header.length} field${header.length === 1 ? '' : 's'} but found ${fields.length}`,
          ),
        };
      }
      const raw: RawRecord = {};
      for (let i = 0; i < header.length; i++) raw[header[i]!] = fields[i]!;
      return { kind: 'record', raw, line: startLine };
    }

    function* emit(text: string, final: boolean): Generator<ParsedItem, void, undefined> {
      let pos = 0;
      while (pos < text.length) {
        const r = scanRow(text, pos, delimiter, final, maxSpan);
        if (r.kind === 'incomplete') break;
        if (r.kind === 'runaway') {
          const why =
            r.reason === 'end-of-file'
              ? 'it runs to the end of the file'
              : r.reason === 'stray-quote'
                ? 'it runs into a later line and meets a quote that does not close it'
                : `it runs on for more than ${maxSpan} characters`;
          const openLine = line + r.linesBefore;
          yield {
            kind: 'issue',
            issue: makeIssue(
              file,
              openLine,
              'line',
              'malformed',
              `a quote opened on this line is never closed (${why}); the line is skipped and reading resumes at line ${openLine + 1}`,
            ),
          };
          // re-sync at the line after the one where the quote opened
          const nl = text.indexOf('\n', r.open);
          pos = nl === -1 ? text.length : nl + 1;
          line = openLine + 1;
          continue;
        }
        const item = rowItem(r.fields, line, r.error);
        if (item) yield item;
        line += r.newlines;
        pos = r.end;
      }
      pending = text.slice(pos);
    }

    for await (const text of decodeText(ctx)) {
      parts.push(text);
      partsLen += text.length;
      if (pending.length + partsLen >= parseAt) {
        const all = pending + parts.join('');
        parts = [];
        partsLen = 0;
        const before = all.length;
        yield* emit(all, false);
        // nothing consumed (a row still open): wait until the text has doubled before scanning again
        parseAt = pending.length === before ? before * 2 : 0;
      }
      throwIfAborted(ctx.signal);
      yield { kind: 'tick' };
    }
    const rest = pending + parts.join('');
    parts = [];
    yield* emit(rest, true);
    if (header === null) throw emptyFile(file, 'it contains no header row');
  };
}
