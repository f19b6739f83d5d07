// Export of curated records: JSONL (raw record + `quarry` metadata) and CSV. Pure TypeScript.
//
// Round-trip guarantee: a record with source text (`rawText`: JSONL lines, JSON array elements,
// Parquet rows with big integers) is written back byte for byte, with `"quarry": {...}` as its
// last member (replacing a `quarry` member it already had) — key order, number spellings, escapes
// and integers beyond 2^53 unchanged. CSV cells and Parquet columns get big integers' exact digits.
// Both text formats are built in parts (one string per batch of rows, `jsonlPart` / `csvPart`),
// never as one string: a Blob made of the parts can be larger than the engine's string limit.
//
// One path for every JSONL writer: the app's export (data worker) and the CLI (`npm run score`) both
// build a record's row with `exportRow` (its `quarry` object with `quarryMeta`) and its line with
// `jsonlPart` / `toJsonlLine`, so the same record, result and decision give the same bytes.
import type { IngestedRow } from '../ingest';
import { parseJsonExact, setTopLevelMember, stringifyJsonExact } from '../ingest/jsonText';
import type { ScoreResult } from '../scoring/types';
import { SCORE_KEYS, type Decision, type OnlineRecordMeta, type QuarryRecordMeta, type RawRecord, type SampleScores } from '../types';
import { splitQuarryMeta } from './importMeta';

/** The export formats. */
export type ExportFormat = 'jsonl' | 'csv' | 'parquet';

export interface ExportRow {
  /** The record (without `quarry`). Values may be BigInt (integers beyond 2^53, see `recordOf`). */
  raw: RawRecord;
  /** The record's source text (see IngestedRow.rawText): the JSONL export writes this instead of `raw`. */
  rawText?: string;
  meta: QuarryRecordMeta;
}

/** A stored record: the parsed record, its source text, or both (persist/db StoredRaw). */
export interface StoredRecord {
  raw?: RawRecord;
  rawText?: string;
}

/**
 * The record for the column exports (CSV, Parquet): parsed again from its source text when it has
 * one, with integers beyond 2^53 as exact BigInts, and without a well-formed `quarry` object
 * (as at ingest). Otherwise the stored record.
 */
export function recordOf(stored: StoredRecord | undefined): RawRecord {
  if (!stored) return {};
  if (stored.rawText !== undefined) {
    try {
      const v = parseJsonExact(stored.rawText);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return splitQuarryMeta(v as RawRecord).raw;
    } catch {
      /* fall back to the parsed record */
    }
  }
  return stored.raw ?? {};
}

/** What a record's `quarry` object is made of. */
export interface QuarryMetaInput {
  /** The sample's id. */
  id: string;
  /** The model and template that produced `result` (written only when there is a result). */
  model: string | null;
  template: string | null;
  /** The sample's score result, if it has one (an error result: scores null). */
  result: ScoreResult | null | undefined;
  /** 'undecided' and null are both written as null. */
  decision: Decision | null;
  /** Online mining's decision and state for this record (written last). */
  online?: OnlineRecordMeta | null;
}

/**
 * The `quarry` object of an exported record: the one builder behind the app's exports and the CLI.
 * Keys always in this order (JSON.stringify follows insertion order): id, model, template, scores
 * (in SCORE_KEYS order; null without a result or for an error result), variants, decision, and
 * `truncated` only when true. Without a result, model and template are null. An imported result
 * (scores that came with the loaded file) keeps the model and template its own `quarry` object named.
 */
export function quarryMeta({ id, model, template, result, decision, online }: QuarryMetaInput): QuarryRecordMeta {
  const origin = result?.imported ? result.origin : undefined;
  const meta: QuarryRecordMeta = {
    id,
    model: result ? (origin ? origin.model : model) : null,
    template: result ? (origin ? origin.template : template) : null,
    scores: result && !result.error ? orderedScores(result.scores) : null,
    variants: result?.variants ?? [],
    decision: decision === 'undecided' ? null : decision,
  };
  if (result?.truncated) meta.truncated = true;
  if (online) meta.online = online;
  return meta;
}

/** `scores` with its keys in SCORE_KEYS order (however the object was built or stored). */
function orderedScores(scores: SampleScores): SampleScores {
  const out = {} as SampleScores;
  for (const k of SCORE_KEYS) out[k] = scores[k] ?? null;
  return out;
}

/**
 * What is kept of an ingested record (the data worker stores this): its source text when it has one
 * (exact on export, parsed again for CSV / Parquet), otherwise the parsed record.
 */
export function storedRecordOf(row: { raw: RawRecord; rawText?: string }): StoredRecord {
  return row.rawText !== undefined ? { rawText: row.rawText } : { raw: row.raw };
}

/** The model and template a session's (or a CLI run's) own results were scored with. */
export interface ScoredWith {
  model: string | null;
  template: string | null;
}

/** One record to export: what is stored of it, its sample id, its score result and its decision. */
export interface ExportRecord {
  id: string;
  stored: StoredRecord | undefined;
  result: ScoreResult | null | undefined;
  decision: Decision | null;
  /** Online mining's decision and state, for a record decided online. */
  online?: OnlineRecordMeta | null;
}

/**
 * One export row (the app's export builds every row with this; the CLI through `scoredRowsPart`):
 * the `quarry` object from `quarryMeta`, and the record. JSONL writes the record's source text back
 * exactly (spliced, not parsed); CSV and Parquet need the record itself (`recordOf`: parsed from the
 * source text, big integers exact).
 */
export function exportRow(format: ExportFormat, record: ExportRecord, run: ScoredWith): ExportRow {
  const { stored } = record;
  const meta = quarryMeta({ id: record.id, model: run.model, template: run.template, result: record.result, decision: record.decision, online: record.online });
  if (format !== 'jsonl') return { raw: recordOf(stored), meta };
  if (stored?.rawText !== undefined) return { raw: stored.raw ?? {}, rawText: stored.rawText, meta };
  return { raw: stored?.raw ?? {}, meta };
}

/**
 * The CLI's output for a chunk of freshly scored rows (`results[i]` is `rows[i]`'s result; no
 * decisions): the JSONL lines the app's export writes for the same records once stored and scored.
 */
export function scoredRowsPart(rows: readonly IngestedRow[], results: readonly ScoreResult[], run: ScoredWith, online?: readonly OnlineRecordMeta[]): string {
  return jsonlPart(
    rows.map((row, i) => {
      const o = online?.[i];
      return exportRow('jsonl', { id: row.sample.id, stored: storedRecordOf(row), result: results[i], decision: o?.decision ?? null, online: o ?? null }, run);
    }),
  );
}

/** Line ending used by the CSV export (RFC 4180). */
export const CSV_EOL = '\r\n';

/** The quarry columns appended after the raw columns. */
export const QUARRY_COLUMNS: readonly string[] = ['quarry_id', 'quarry_decision', ...SCORE_KEYS.map((k) => `quarry_${k}`)];

/**
 * One JSONL line: the record with `quarry` metadata as its last member (replacing any existing
 * `quarry` key). With source text, that text exactly, spliced; otherwise the record (parsed from its
 * source text if that could not be spliced) as JSON, BigInt values as their digits. No trailing
 * newline. The CLI writes its output with this too.
 */
export function toJsonlLine(row: ExportRow): string {
  if (row.rawText !== undefined) {
    const spliced = setTopLevelMember(row.rawText, 'quarry', JSON.stringify(row.meta));
    if (spliced !== null && !spliced.includes('\n')) return spliced;
  }
  // `quarry` goes last even when the record has a (malformed) `quarry` member of its own
  const { quarry: _replaced, ...record } = recordOf(row);
  return stringifyJsonExact({ ...record, quarry: row.meta });
}

/** JSONL lines for a batch of rows, each ending with a newline: one part of the export Blob. */
export function jsonlPart(rows: readonly ExportRow[]): string {
  return linesPart(rows, toJsonlLine, '\n');
}

/** One part of a line-based export: each row's line followed by `eol` ('' for no rows). */
function linesPart(rows: readonly ExportRow[], line: (row: ExportRow) => string, eol: string): string {
  if (rows.length === 0) return '';
  const lines: string[] = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) lines[i] = line(rows[i]!);
  return lines.join(eol) + eol;
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
  return stringifyJsonExact(value);
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

/** CSV lines for a batch of rows (cells in `header` order), each ending with CRLF: one part of the export Blob. */
export function csvPart(rows: readonly ExportRow[], header: string[]): string {
  return linesPart(rows, (row) => csvRow(row, header), CSV_EOL);
}

/** The CSV document as parts: the header line, then one part per `batch` rows. */
export function csvParts(rows: readonly ExportRow[], batch = 5000): string[] {
  const header = csvHeader(rawKeysOf(rows));
  const parts = [csvHeaderLine(header) + CSV_EOL];
  for (let i = 0; i < rows.length; i += batch) parts.push(csvPart(rows.slice(i, i + batch), header));
  return parts;
}

/** Whole CSV document (header + rows), CRLF line endings, ending with a line ending. */
export function toCsv(rows: ExportRow[]): string {
  return csvParts(rows).join('');
}
