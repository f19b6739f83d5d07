// Shared data model. Pure types: no DOM, React or model runtime.

/**
 * A record as parsed from the source file. Never mutated: export writes it back unchanged. For JSON
 * sources (and Parquet rows with integers beyond 2^53) the record's source text is kept beside it
 * (`IngestedRow.rawText`, `StoredRaw.rawText`): the JSONL export writes that text back byte for byte
 * (key order, number spellings, big integers), since a parsed JS object cannot hold all of it.
 */
export type RawRecord = Record<string, unknown>;

export type SourceFormat = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet';

/** How records are turned into (instruction, input, response). */
export type DatasetShape = 'alpaca' | 'sharegpt' | 'messages' | 'prompt-response' | 'mapped';

/** User-chosen (or detected) field names for flat records. */
export interface FieldMapping {
  instruction: string;
  /** Optional context/input field. */
  input: string | null;
  response: string;
}

export type Role = 'system' | 'user' | 'assistant';

export interface Turn {
  role: Role;
  content: string;
}

/**
 * One instruction-tuning sample, normalised from a record.
 * Multi-turn records: the last assistant turn is `response`, the user turn right before it is
 * `instruction`, and every earlier turn (system prompt, previous exchanges) is `history`.
 */
export interface Sample {
  /** Stable id: content hash of the raw record, suffixed for exact duplicates (`a1b2c3d4`, `a1b2c3d4-2`). */
  id: string;
  /** 0-based position among the records of the source. */
  index: number;
  /** 1-based line (JSONL, CSV) or record number (JSON, Parquet) in the source, for messages. */
  line: number;
  instruction: string;
  input: string;
  response: string;
  history: Turn[];
}

export type IngestIssueKind =
  | 'malformed'
  | 'missing-field'
  | 'not-a-string'
  | 'empty-instruction'
  | 'empty-response'
  | 'too-large'
  | 'not-an-object'
  /** Objects/arrays nested deeper than the limit (MAX_NESTING_DEPTH in core/ingest). */
  | 'too-deep'
  /** A warning: the record's id (its imported `quarry.id`, or its content hash) was already taken; it got a new one. */
  | 'id-collision';

/**
 * A row that was skipped, with enough to find it in the file; or, with `severity: 'warning'`, a
 * row that was loaded but changed on the way (e.g. given a new id), which the user should know about.
 */
export interface IngestIssue {
  file: string;
  /** 1-based line (JSONL/CSV) or record number (JSON array, Parquet). */
  line: number;
  kind: IngestIssueKind;
  field?: string;
  message: string;
  /** Absent: the row was skipped. 'warning': the row was loaded. */
  severity?: 'warning';
}

/** A whole-file problem: nothing from this file is loaded. */
export class IngestFatalError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'IngestFatalError';
  }
}

export type Decision = 'accepted' | 'rejected' | 'undecided';

/** Per-sample scores (docs/metrics.md); `null` where not computed. */
export interface SampleScores {
  s_a_given_q: number | null;
  s_a: number | null;
  ifd: number | null;
  aifd: number | null;
  aifd_max: number | null;
  aifd_min: number | null;
  aifd_gap: number | null;
  dist_consistency: number | null;
  embed_consistency: number | null;
}

/** Every per-sample score, in the order of `SampleScores` (export columns, rules, filters follow it). */
export const SCORE_KEYS = [
  's_a_given_q',
  's_a',
  'ifd',
  'aifd',
  'aifd_max',
  'aifd_min',
  'aifd_gap',
  'dist_consistency',
  'embed_consistency',
] as const satisfies readonly ScoreKey[];

/** A per-sample score (a field of SampleScores): a table column, sortable and filterable by range. */
export type ScoreKey = keyof SampleScores;

// Compile-time check that SCORE_KEYS lists every field of SampleScores (columns, filters, exports rely on it).
type AssertTrue<T extends true> = T;
type ScoreKeysComplete = AssertTrue<[Exclude<ScoreKey, (typeof SCORE_KEYS)[number]>] extends [never] ? true : false>;

export interface EditOp {
  /** Character offsets in the original instruction. */
  start: number;
  end: number;
  before: string;
  after: string;
  op: string;
}

export interface VariantScores {
  attack: string;
  instruction: string;
  s_a_given_q: number | null;
  aifd: number | null;
  dist_consistency: number | null;
  embed_consistency: number | null;
  similarity?: number | null;
  queries?: number;
  edits?: EditOp[];
}

/** The `quarry` object attached to each exported record (JSONL export and the CLI share it). */
export interface QuarryRecordMeta {
  id: string;
  model: string | null;
  template: string | null;
  scores: SampleScores | null;
  variants: VariantScores[];
  decision: Exclude<Decision, 'undecided'> | null;
  truncated?: boolean;
  /**
   * Online mining: the decision the online selector made when the record arrived (null during the
   * warm-up) and the selector's state at that moment (core/selection/online). `decision` above is
   * the record's current decision (a curator may have overridden it since).
   */
  online?: OnlineRecordMeta;
}

/** `quarry.online` of a record decided online (see OnlineDecisionState in core/selection/online). */
export interface OnlineRecordMeta {
  decision: Exclude<Decision, 'undecided'> | null;
  /** The record's ranking score under the policy in force (null: not evaluated, filtered, no ranking). */
  score: number | null;
  seq: number;
  phase: 'warmup' | 'online' | 'budget';
  threshold: number | null;
  quantile: number | null;
  seen: number;
  candidates: number;
  decided: number;
  accepted: number;
  target: number;
  reason: string;
  /** The policy in force, as describePolicy says it. */
  policy: string;
}
