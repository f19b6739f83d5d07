import type {
  DatasetShape,
  FieldMapping,
  IngestIssue,
  QuarryRecordMeta,
  RawRecord,
  Sample,
  SourceFormat,
} from '../types';

/** Random-access + streaming view of a file; the browser wraps a File, Node wraps a Buffer/fs file. */
export interface ByteSource {
  /** File name, used for format detection and in messages. */
  name: string;
  size: number;
  /** The whole file, in chunks. May be called more than once. */
  stream(): AsyncIterable<Uint8Array>;
  /** Random access (Parquet, format sniffing). `end` is exclusive and clamped to `size`. */
  slice(start: number, end: number): Promise<ArrayBuffer>;
}

export interface IngestOptions {
  /** User's column mapping; when given, shape = 'mapped'. */
  mapping?: FieldMapping | null;
  /** Default 1_000_000 (UTF-8 size of the record's text); larger -> issue 'too-large'. */
  maxRecordBytes?: number;
  /** Rows per 'batch' event, default 2000. */
  batchSize?: number;
  /** Cancel: stop promptly and throw an AbortError (DOMException name 'AbortError'). */
  signal?: AbortSignal;
}

export interface IngestedRow {
  sample: Sample;
  /** The record, without a well-formed `quarry` object (that is `meta`). */
  raw: RawRecord;
  /**
   * The record's source text when it has one worth keeping: the JSONL line, the JSON array element
   * (on one line), a Parquet row holding integers beyond 2^53 (as exact JSON). It still contains a
   * `quarry` member if the source had one. Export writes it back exactly (`core/export` toJsonlLine).
   */
  rawText?: string;
  /**
   * The `quarry` object of a file Quarry exported (or its CLI scored): its id is the sample's id
   * unless that id was taken (then the sample got a new one, with an 'id-collision' warning).
   */
  meta?: QuarryRecordMeta;
}

export type IngestEvent =
  | { type: 'format'; format: SourceFormat }
  | { type: 'shape'; shape: DatasetShape; mapping: FieldMapping | null }
  /** Shape not recognised: the generator ends after this. */
  | { type: 'needs-mapping'; columns: string[]; preview: RawRecord[] }
  | { type: 'batch'; rows: IngestedRow[]; issues: IngestIssue[] }
  /** `records` = records processed so far (loaded samples + skipped rows). */
  | { type: 'progress'; bytesRead: number; totalBytes: number; records: number }
  | {
      type: 'done';
      samples: number;
      /** Skipped rows (issues without `severity: 'warning'`). */
      issues: number;
      /** Warnings (loaded rows), when there were any. */
      warnings?: number;
      format: SourceFormat;
      shape: DatasetShape;
      mapping: FieldMapping | null;
    };

/** How a record position is named in issue messages: "line 7", "record 7", "row 7". */
export type PositionLabel = 'line' | 'record' | 'row';

export const DEFAULT_MAX_RECORD_BYTES = 1_000_000;
export { MAX_NESTING_DEPTH } from './jsonText';
export const DEFAULT_BATCH_SIZE = 2000;

/** Item produced by a format parser. */
export type ParsedItem =
  /** First item of every parser: the actual format (a .json file may turn out to hold JSON lines). */
  | { kind: 'format'; format: SourceFormat; label: PositionLabel }
  | { kind: 'record'; raw: RawRecord; line: number; rawText?: string }
  | { kind: 'issue'; issue: IngestIssue }
  /** Work happened (a chunk was read): lets the driver emit progress and check for abort. */
  | { kind: 'tick' };

/** Shared state between the driver and a parser. */
export interface ParseContext {
  src: ByteSource;
  maxRecordBytes: number;
  signal: AbortSignal | undefined;
  /** Bytes of the source consumed so far (updated by the parser). */
  bytesRead: number;
}

export type FormatParser = (ctx: ParseContext) => AsyncGenerator<ParsedItem, void, undefined>;
