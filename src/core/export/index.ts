// Export of curated records: JSONL (raw record + `quarry` metadata) and CSV. Pure TypeScript.
import { SCORE_KEYS, type QuarryRecordMeta, type RawRecord, type SampleScores } from '../types';

export interface ExportRow {
  raw: RawRecord;
  meta: QuarryRecordMeta;
}

/** Line ending used by the CSV export (RFC 4180). */
export const CSV_EOL = '\r\n';

/** Score columns of the exports, in order (each becomes `quarry_<name>`). */
export { SCORE_KEYS };

/** The quarry columns appended after the raw columns. */
export const QUARRY_COLUMNS: readonly string[] = ['quarry_id', 'quarry_decision', ...SCORE_KEYS.map((k) => `quarry_${k}`)];

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** One JSONL line: the raw record with `quarry` metadata (replacing any existing `quarry` key). No trailing newline. */
export function toJsonlLine(row: ExportRow): string {
  return JSON.stringify({ ...row.raw, quarry: row.meta }, jsonReplacer);
}

const NUMBER_LITERAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Escape one CSV cell: cells that a spreadsheet would treat as a formula (starting with
 * = + - @, tab or CR) get a leading single quote; plain numeric literals such as "-0.25" are
 * left alone (they cannot be formulas, and scores may be negative). Cells containing a comma,
 * quote, CR or LF (or that were given the quote prefix and contain them) are wrapped in double
 * quotes with inner quotes doubled.
 */
export function csvEscapeCell(value: string): string {
  let v = value;
  if (v.length > 0) {
    const c = v[0];
    if ((c === '=' || c === '+' || c === '-' || c === '@' || c === '\t' || c === '\r') && !NUMBER_LITERAL.test(v)) {
      v = `'${v}`;
    }
  }
  if (/[",\r\n]/.test(v)) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

/** Text of a cell value: strings as-is, null/undefined empty, objects/arrays as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value, jsonReplacer) ?? '';
}

/** Union of the raw keys of the rows, in first-seen order. */
export function rawKeysOf(rows: Iterable<ExportRow>): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.raw)) seen.add(k);
  return [...seen];
}

/**
 * CSV header: raw keys (first-seen order) then quarry_id, quarry_decision and one column per
 * score. Raw keys that clash with a quarry column are dropped (the quarry value wins, as the
 * `quarry` key does in the JSONL export).
 */
export function csvHeader(rawKeys: string[]): string[] {
  const quarry = new Set(QUARRY_COLUMNS);
  return [...rawKeys.filter((k) => !quarry.has(k)), ...QUARRY_COLUMNS];
}

/** The header as one CSV line (no line ending). */
export function csvHeaderLine(header: string[]): string {
  return header.map(csvEscapeCell).join(',');
}

/** One CSV line (no line ending) for `row`, with cells in the order of `header` (from csvHeader). */
export function csvRow(row: ExportRow, header: string[]): string {
  const { raw, meta } = row;
  const cells: string[] = new Array<string>(header.length);
  for (let i = 0; i < header.length; i++) {
    const col = header[i]!;
    let value: unknown;
    if (col === 'quarry_id') value = meta.id;
    else if (col === 'quarry_decision') value = meta.decision;
    else if (col.startsWith('quarry_') && (SCORE_KEYS as readonly string[]).includes(col.slice(7))) {
      value = meta.scores ? meta.scores[col.slice(7) as keyof SampleScores] : null;
    } else value = Object.prototype.hasOwnProperty.call(raw, col) ? raw[col] : null;
    cells[i] = csvEscapeCell(cellText(value));
  }
  return cells.join(',');
}

/** Whole CSV document (header + rows), CRLF line endings, ending with a line ending. */
export function toCsv(rows: ExportRow[]): string {
  const header = csvHeader(rawKeysOf(rows));
  const lines: string[] = [csvHeaderLine(header)];
  for (const r of rows) lines.push(csvRow(r, header));
  return lines.join(CSV_EOL) + CSV_EOL;
}
