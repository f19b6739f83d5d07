import Papa from 'papaparse';
import type { RawRecord } from '../../types';
import { decodeText, emptyFile, makeIssue, throwIfAborted } from '../errors';
import type { ParseContext, ParsedItem } from '../model';

interface Step {
  row: string[];
  /** End offset of the row (after its newline) within the parsed text. */
  end: number;
  errors: Papa.ParseError[];
}

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
 * Stream CSV/TSV records with papaparse's low-level Parser: decoded text is accumulated and parsed
 * with `ignoreLastRow` so an incomplete trailing row (possibly a quoted field spanning chunks) is
 * kept for the next round. If a round yields no complete row, the next parse waits until the
 * pending text has doubled, keeping the total work linear even for huge multi-line fields.
 * `line` is the 1-based physical line where a row starts (the header is line 1).
 */
export function csvParser(delimiter: ',' | '\t') {
  return async function* csvItems(ctx: ParseContext): AsyncGenerator<ParsedItem, void, undefined> {
    const file = ctx.src.name;
    yield { kind: 'format', format: delimiter === ',' ? 'csv' : 'tsv', label: 'line' };

    let steps: Step[] = [];
    const parser = new Papa.Parser({
      delimiter,
      newline: '\n',
      quoteChar: '"',
      // the low-level Parser hands each step an array holding the one parsed row
      step: (r: Papa.ParseStepResult<string[][]>) => {
        steps.push({ row: r.data[0] ?? [], end: (r.meta as { cursor: number }).cursor, errors: r.errors });
      },
    });

    let header: string[] | null = null;
    let linesBefore = 0; // newlines in all text consumed before `pending`
    let pending = '';
    let parts: string[] = [];
    let partsLen = 0;
    let parseAt = 0; // parse again once pending + parts reach this length

    function* emit(text: string, final: boolean): Generator<ParsedItem, void, undefined> {
      steps = [];
      parser.parse(text, 0, !final);
      let pos = 0; // start of the current row within text
      let line = linesBefore + 1; // physical line at `pos`
      const current = steps;
      for (const st of current) {
        const row = st.row;
        const start = pos;
        const startLine = line;
        line += countNewlines(text, start, st.end);
        pos = st.end;
        // strip the CR of CRLF line endings from the last field
        const lastIdx = row.length - 1;
        const last = row[lastIdx];
        if (last !== undefined && last.endsWith('\r')) row[lastIdx] = last.slice(0, -1);
        if (row.length === 1 && row[0]!.trim() === '') continue; // blank line
        if (header === null) {
          header = normaliseHeader(row);
          continue;
        }
        if (st.errors.length > 0) {
          const e = st.errors[0]!;
          const why = e.code === 'MissingQuotes' ? 'a quoted field is never closed' : 'a quoted field is malformed';
          yield { kind: 'issue', issue: makeIssue(file, startLine, 'line', 'malformed', `${why} (${e.message})`) };
          continue;
        }
        if (row.length !== header.length) {
          yield {
            kind: 'issue',
            issue: makeIssue(
              file,
              startLine,
              'line',
              'malformed',
              `expected ${header.length} field${header.length === 1 ? '' : 's'} but found ${row.length}`,
            ),
          };
          continue;
        }
        const raw: RawRecord = {};
        for (let i = 0; i < header.length; i++) raw[header[i]!] = row[i]!;
        yield { kind: 'record', raw, line: startLine };
      }
      // keep the unconsumed tail
      const consumed = final ? text.length : pos;
      linesBefore += countNewlines(text, 0, consumed);
      pending = text.slice(consumed);
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
