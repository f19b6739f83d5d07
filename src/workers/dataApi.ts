// The data worker's typed API: ingest a file, restore a saved session, export. Heavy I/O (parsing,
// IndexedDB bulk reads/writes, building export files) happens in the worker so the page never freezes.
import type { ExportFormat } from '../core/export';
import type { Decision, FieldMapping, IngestIssue, RawRecord, Sample } from '../core/types';
import type { RpcMethod } from '../lib/workerRpc';
import type { SessionRecord } from '../persist/db';

export type { ExportFormat };
export type ExportWhich = 'all' | 'accepted' | 'rejected';

export type LoadEvent =
  | { type: 'progress'; done: number; total: number; records: number }
  | { type: 'batch'; samples: Sample[]; issues: IngestIssue[] };

export type IngestResult =
  | { outcome: 'loaded'; session: SessionRecord; decisions: Record<string, Exclude<Decision, 'undecided'>> }
  | { outcome: 'needs-mapping'; columns: string[]; preview: RawRecord[] };

/** An export: the data file and its summary card (Markdown), each to be saved beside the other. */
export interface ExportResult {
  blob: Blob;
  fileName: string;
  /** Rows written. */
  count: number;
  summary: { blob: Blob; fileName: string };
}

export type DataApi = {
  ingest: RpcMethod<
    { file: File; sessionId: string; mapping: FieldMapping | null; maxRecordBytes?: number },
    LoadEvent,
    IngestResult
  >;
  open: RpcMethod<{ sessionId: string }, LoadEvent, { session: SessionRecord; decisions: Record<string, Exclude<Decision, 'undecided'>> }>;
  export: RpcMethod<
    { sessionId: string; format: ExportFormat; which: ExportWhich },
    { type: 'progress'; done: number; total: number },
    ExportResult
  >;
};
