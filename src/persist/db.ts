// IndexedDB schema (Dexie). Used from the main thread (decisions, view state: small writes as they
// happen) and from the data worker (bulk sample/raw writes during ingest, reads for restore/export).
import Dexie, { type Table } from 'dexie';
import type { Decision, DatasetShape, FieldMapping, IngestIssue, RawRecord, Sample, SourceFormat } from '../core/types';

export type SortKey = 'index' | 'instruction' | 'response' | 'instructionLength' | 'responseLength' | 'decision' | 'ifd' | 'aifd';

export interface ViewState {
  filter: string;
  sort: { key: SortKey; dir: 'asc' | 'desc' };
  selectedId: string | null;
  scrollTop: number;
}

export const DEFAULT_VIEW: ViewState = { filter: '', sort: { key: 'index', dir: 'asc' }, selectedId: null, scrollTop: 0 };

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
}

export interface StoredSample extends Sample {
  sessionId: string;
}

export interface StoredRaw {
  sessionId: string;
  index: number;
  raw: RawRecord;
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

/** What a scoring run was asked to do; stored with the session so a reload resumes the same run. */
export interface ScoringConfig {
  /** Where the causal LM comes from. A picked folder cannot be reopened after reload without asking. */
  model: { kind: 'hub'; id: string; remoteHost: string } | { kind: 'local'; id: string } | { kind: 'files'; id: string };
  dtype: 'fp32' | 'fp16' | 'q8' | 'q4' | 'auto';
  device: 'auto' | 'webgpu' | 'wasm';
  template: 'alpaca' | 'plain' | 'chat';
  maxTokens: number;
  batchSize: number;
  /** Adversarial variants per sample (0 until attacks are chosen). */
  variants: number;
  attacks: string[];
  seed: number;
  /** Output-embedding consistency (generation): optional because it costs most. */
  embedConsistency: boolean;
  embedModel: ScoringConfig['model'] | null;
  generateTokens: number;
}

export interface ScoringState {
  config: ScoringConfig;
  /** 'running' when the page was closed mid-run: the next load resumes it. */
  status: 'running' | 'paused' | 'done';
  /** Model and template as the engine reported them (stored with the scores). */
  modelName: string | null;
  startedAt: number;
}

/** Scores of one sample under the session's scoring run. */
export interface StoredScore {
  sessionId: string;
  sampleId: string;
  result: import('../core/scoring/types').ScoreResult;
}

export class QuarryDB extends Dexie {
  sessions!: Table<SessionRecord, string>;
  samples!: Table<StoredSample, [string, number]>;
  raws!: Table<StoredRaw, [string, number]>;
  issues!: Table<StoredIssue, [string, number]>;
  decisions!: Table<StoredDecision, [string, string]>;
  scores!: Table<StoredScore, [string, string]>;

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
  }

  /** Removes a session and everything stored under it, in one transaction. */
  async deleteSession(sessionId: string): Promise<void> {
    await this.transaction('rw', [this.sessions, this.samples, this.raws, this.issues, this.decisions, this.scores], async () => {
      await this.scores.where('sessionId').equals(sessionId).delete();
      await this.samples.where('sessionId').equals(sessionId).delete();
      await this.raws.where('sessionId').equals(sessionId).delete();
      await this.issues.where('sessionId').equals(sessionId).delete();
      await this.decisions.where('sessionId').equals(sessionId).delete();
      await this.sessions.delete(sessionId);
    });
  }
}

let shared: QuarryDB | null = null;
export function getDb(): QuarryDB {
  shared ??= new QuarryDB();
  return shared;
}
