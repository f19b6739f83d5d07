// IndexedDB schema (Dexie): the stored records. Used from the main thread (decisions, view state:
// small writes as they happen) and from the data worker (bulk sample/raw writes during ingest, reads
// for restore/export). The plain data they embed (ViewState, ScoringState) is defined in core/.
import Dexie, { type Table } from 'dexie';
import type { ScoringState } from '../core/scoringConfig';
import type { Decision, DatasetShape, FieldMapping, IngestIssue, RawRecord, Sample, SourceFormat } from '../core/types';
import type { ViewState } from '../core/view';

export interface SessionRecord {
  id: string;
  name: string;
  fileName: string;
  fileSize: number;
  format: SourceFormat | null;
  shape: DatasetShape | null;
  mapping: FieldMapping | null;
  /** 'loading' until every row is written: a session left 'loading' (crash mid-ingest) is incomplete. */
  status: 'loading' | 'ready';
  sampleCount: number;
  issueCount: number;
  createdAt: number;
  updatedAt: number;
  view: ViewState;
  /** The session's scoring run, if one was started. */
  scoring?: ScoringState;
  /**
   * Bytes this session takes in the browser's storage: measured as the origin's usage before and after
   * its ingest (an estimate: the browser rounds and compacts), absent for sessions from older versions.
   */
  storedBytes?: number;
  /** The selection policy last applied (to all samples or through a review), for the export's summary card. */
  policy?: import('../core/selection').Policy;
}

export interface StoredSample extends Sample {
  sessionId: string;
}

/**
 * One record as read. Records with source text (JSON lines / array elements, Parquet rows with big
 * integers) store only `rawText` (the export writes it back byte for byte, and parses it for CSV /
 * Parquet); the others store the parsed `raw`. Sessions saved before `rawText` existed have `raw` only.
 */
export interface StoredRaw {
  sessionId: string;
  index: number;
  raw?: RawRecord;
  rawText?: string;
}

export interface StoredIssue extends IngestIssue {
  sessionId: string;
  seq: number;
}

export interface StoredDecision {
  sessionId: string;
  sampleId: string;
  decision: Exclude<Decision, 'undecided'>;
  at: number;
}

/** Scores of one sample under the session's scoring run. */
export interface StoredScore {
  sessionId: string;
  sampleId: string;
  result: import('../core/scoring/types').ScoreResult;
}

/**
 * One step of a session's undo history (see state/decisionStore). Steps are numbered by `seq`; the
 * 'done' steps, in seq order, are the undo stack and the 'undone' ones (all above the done ones) the
 * redo stack. Written in the same transaction as the decisions they change; capped per session.
 */
export interface StoredHistoryStep {
  sessionId: string;
  seq: number;
  state: 'done' | 'undone';
  label: string;
  changes: { id: string; from: Decision; to: Decision }[];
}

export class QuarryDB extends Dexie {
  sessions!: Table<SessionRecord, string>;
  samples!: Table<StoredSample, [string, number]>;
  raws!: Table<StoredRaw, [string, number]>;
  issues!: Table<StoredIssue, [string, number]>;
  decisions!: Table<StoredDecision, [string, string]>;
  scores!: Table<StoredScore, [string, string]>;
  history!: Table<StoredHistoryStep, [string, number]>;

  constructor(name = 'quarry') {
    super(name);
    this.version(1).stores({
      sessions: 'id, updatedAt',
      samples: '[sessionId+index], sessionId',
      raws: '[sessionId+index], sessionId',
      issues: '[sessionId+seq], sessionId',
      decisions: '[sessionId+sampleId], sessionId',
    });
    this.version(2).stores({ scores: '[sessionId+sampleId], sessionId' });
    this.version(3).stores({ history: '[sessionId+seq], sessionId' });
  }

  /** Removes a session and everything stored under it, in one transaction. */
  async deleteSession(sessionId: string): Promise<void> {
    const tables = [this.sessions, this.samples, this.raws, this.issues, this.decisions, this.scores, this.history];
    await this.transaction('rw', tables, async () => {
      for (const table of tables.slice(1)) await table.where('sessionId').equals(sessionId).delete();
      await this.sessions.delete(sessionId);
    });
  }
}

let shared: QuarryDB | null = null;
export function getDb(): QuarryDB {
  shared ??= new QuarryDB();
  return shared;
}
