// IndexedDB schema (Dexie). Used from the main thread (decisions, view state: small writes as they
// happen) and from the data worker (bulk sample/raw writes during ingest, reads for restore/export).
import Dexie, { type Table } from 'dexie';
import type { Decision, DatasetShape, FieldMapping, IngestIssue, RawRecord, Sample, SourceFormat } from '../core/types';

export type SortKey = 'index' | 'instruction' | 'response' | 'instructionLength' | 'responseLength' | 'decision';

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

export class QuarryDB extends Dexie {
  sessions!: Table<SessionRecord, string>;
  samples!: Table<StoredSample, [string, number]>;
  raws!: Table<StoredRaw, [string, number]>;
  issues!: Table<StoredIssue, [string, number]>;
  decisions!: Table<StoredDecision, [string, string]>;

  constructor(name = 'quarry') {
    super(name);
    this.version(1).stores({
      sessions: 'id, updatedAt',
      samples: '[sessionId+index], sessionId',
      raws: '[sessionId+index], sessionId',
      issues: '[sessionId+seq], sessionId',
      decisions: '[sessionId+sampleId], sessionId',
    });
  }

  /** Removes a session and everything stored under it, in one transaction. */
  async deleteSession(sessionId: string): Promise<void> {
    await this.transaction('rw', [this.sessions, this.samples, this.raws, this.issues, this.decisions], async () => {
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
