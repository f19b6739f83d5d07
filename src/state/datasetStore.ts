// The loaded dataset: the open session, its samples and skipped rows, and the state of a load in
// progress. Samples of a file being loaded are buffered and swapped in only when the load succeeds,
// so a bad file never replaces (or corrupts) what is already on screen.
import { create } from 'zustand';
import type { FieldMapping, IngestIssue, RawRecord, Sample } from '../core/types';
import type { SessionRecord } from '../persist/db';

export type LoadState =
  | { status: 'idle' }
  | { status: 'loading'; label: string; done: number; total: number; records: number }
  | { status: 'mapping'; file: File; columns: string[]; preview: RawRecord[] }
  | { status: 'error'; fileName: string; message: string }
  /** The file may not fit in the storage left: the user decides whether to load it anyway. */
  | { status: 'storage-warning'; file: File; mapping: FieldMapping | null; needBytes: number; freeBytes: number };

interface DatasetState {
  session: SessionRecord | null;
  samples: Sample[];
  issues: IngestIssue[];
  load: LoadState;
  /** Saved sessions, newest first. */
  sessions: SessionRecord[];
  setLoad(load: LoadState): void;
  show(session: SessionRecord, samples: Sample[], issues: IngestIssue[]): void;
  /** Replaces the open session's record (only through state/sessionRecord's updateSession). */
  replaceSession(session: SessionRecord): void;
  clear(): void;
  setSessions(sessions: SessionRecord[]): void;
}

export const useDatasetStore = create<DatasetState>((set) => ({
  session: null,
  samples: [],
  issues: [],
  load: { status: 'idle' },
  sessions: [],
  setLoad: (load) => set({ load }),
  show: (session, samples, issues) => set({ session, samples, issues, load: { status: 'idle' } }),
  replaceSession: (session) => set((s) => (s.session?.id === session.id ? { session } : {})),
  clear: () => set({ session: null, samples: [], issues: [] }),
  setSessions: (sessions) => set({ sessions }),
}));

export type { FieldMapping };
