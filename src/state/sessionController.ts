// Orchestrates the data worker and the stores: load a file, reopen or delete a saved session,
// export, and keep the view persisted. UI components call these functions; they never talk to the
// worker or IndexedDB themselves.
import type { FieldMapping, IngestIssue, Sample } from '../core/types';
import { RpcClient } from '../lib/workerRpc';
import { getDb, type SessionRecord } from '../persist/db';
import { journalForget, replayDecisionJournals } from '../persist/decisionJournal';
import type { DataApi, ExportFormat, ExportWhich, LoadEvent } from '../workers/dataApi';
import { useDatasetStore } from './datasetStore';
import { decisionsSettled, useDecisionStore, type FinalDecision } from './decisionStore';
import { restoreScores } from './scoringController';
import { currentView, useViewStore } from './viewStore';

const LAST_SESSION_KEY = 'quarry.lastSession';

let rpc: RpcClient<DataApi> | null = null;
function dataWorker(): RpcClient<DataApi> {
  rpc ??= new RpcClient<DataApi>(new Worker(new URL('../workers/data.worker.ts', import.meta.url), { type: 'module' }));
  return rpc;
}

let activeLoad: AbortController | null = null;

function newSessionId(): string {
  return `s-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Progress updates are throttled to one store update per animation frame. */
function progressSink(label: string) {
  let latest = { done: 0, total: 0, records: 0 };
  let scheduled = false;
  return (p: { done: number; total: number; records: number }) => {
    latest = p;
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const { load, setLoad } = useDatasetStore.getState();
      if (load.status === 'loading') setLoad({ status: 'loading', label, ...latest });
    });
  };
}

/** The data worker's event handler for a load: buffers its batches, forwards its progress. */
function collect(samples: Sample[], issues: IngestIssue[], onProgress: ReturnType<typeof progressSink>) {
  return (ev: LoadEvent) => {
    if (ev.type === 'batch') {
      for (const s of ev.samples) samples.push(s);
      for (const i of ev.issues) issues.push(i);
    } else onProgress(ev);
  };
}

async function refreshSessions(): Promise<void> {
  const sessions = await getDb().sessions.orderBy('updatedAt').reverse().toArray();
  useDatasetStore.getState().setSessions(sessions.filter((s) => s.status === 'ready'));
}

async function saveView(): Promise<void> {
  const session = useDatasetStore.getState().session;
  if (!session) return;
  await getDb().sessions.update(session.id, { view: currentView(), updatedAt: Date.now() });
}

function activate(session: SessionRecord, samples: Sample[], issues: IngestIssue[], decisions: Record<string, FinalDecision>) {
  // The session is switched before its view is restored, so the view is never saved to the wrong session.
  useDatasetStore.getState().show(session, samples, issues);
  useDecisionStore.getState().reset(session.id, decisions);
  useViewStore.getState().restore(session.view);
  localStorage.setItem(LAST_SESSION_KEY, session.id);
  void restoreScores(session.id);
  void refreshSessions();
}

/** Runs one load at a time: starting another cancels the one in flight. */
async function runLoad(label: string, call: (signal: AbortSignal) => Promise<void>): Promise<void> {
  activeLoad?.abort();
  const controller = new AbortController();
  activeLoad = controller;
  useDatasetStore.getState().setLoad({ status: 'loading', label, done: 0, total: 0, records: 0 });
  try {
    await call(controller.signal);
  } finally {
    if (activeLoad === controller) activeLoad = null;
  }
}

/** Loads a dataset file into a new session. The current dataset stays until the new one is complete. */
export async function loadFile(file: File, mapping: FieldMapping | null = null): Promise<void> {
  const samples: Sample[] = [];
  const issues: IngestIssue[] = [];
  const onProgress = progressSink(file.name);
  await runLoad(file.name, async (signal) => {
    try {
      const result = await dataWorker().call(
        'ingest',
        { file, sessionId: newSessionId(), mapping },
        collect(samples, issues, onProgress),
        signal,
      );
      if (result.outcome === 'needs-mapping') {
        useDatasetStore.getState().setLoad({ status: 'mapping', file, columns: result.columns, preview: result.preview });
        return;
      }
      await saveView();
      activate(result.session, samples, issues, result.decisions);
    } catch (err) {
      if (isAbort(err)) useDatasetStore.getState().setLoad({ status: 'idle' });
      else useDatasetStore.getState().setLoad({ status: 'error', fileName: file.name, message: (err as Error).message });
    }
  });
}

export async function openSession(sessionId: string): Promise<void> {
  const samples: Sample[] = [];
  const issues: IngestIssue[] = [];
  await runLoad('saved session', async (signal) => {
    const onProgress = progressSink('saved session');
    try {
      const { session, decisions } = await dataWorker().call(
        'open',
        { sessionId },
        collect(samples, issues, onProgress),
        signal,
      );
      await saveView();
      activate(session, samples, issues, decisions);
    } catch (err) {
      if (isAbort(err)) useDatasetStore.getState().setLoad({ status: 'idle' });
      else useDatasetStore.getState().setLoad({ status: 'error', fileName: 'saved session', message: (err as Error).message });
    }
  });
}

export function cancelLoad(): void {
  activeLoad?.abort();
  const { load, setLoad } = useDatasetStore.getState();
  if (load.status === 'mapping') setLoad({ status: 'idle' });
}

export function dismissLoadError(): void {
  useDatasetStore.getState().setLoad({ status: 'idle' });
}

export async function deleteSession(sessionId: string): Promise<void> {
  await getDb().deleteSession(sessionId);
  journalForget(sessionId);
  if (useDatasetStore.getState().session?.id === sessionId) {
    useDatasetStore.getState().clear();
    useDecisionStore.getState().reset(null, {});
    localStorage.removeItem(LAST_SESSION_KEY);
  }
  await refreshSessions();
}

export async function loadDemo(): Promise<void> {
  const res = await fetch(`${import.meta.env.BASE_URL}demo/demo.jsonl`);
  if (!res.ok) throw new Error(`demo dataset unavailable (HTTP ${res.status})`);
  await loadFile(new File([await res.blob()], 'demo.jsonl', { type: 'application/x-ndjson' }));
}

export async function exportData(format: ExportFormat, which: ExportWhich): Promise<void> {
  const session = useDatasetStore.getState().session;
  if (!session) return;
  await decisionsSettled();
  // The worker builds the data file and its summary card (Markdown); both are saved, data first.
  const { blob, fileName, summary } = await dataWorker().call('export', { sessionId: session.id, format, which });
  saveBlob(blob, fileName);
  saveBlob(summary.blob, summary.fileName);
}

function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

let viewSaveTimer: ReturnType<typeof setTimeout> | undefined;

/** Boot: drop sessions a crash left half-loaded, reopen the last session, or load the demo. */
export async function initSession(opts: { demo: boolean }): Promise<void> {
  const db = getDb();
  // Decisions a reload or crash caught before their IndexedDB transaction committed.
  const replayed = await replayDecisionJournals(db);
  if (replayed) console.info(`Quarry: replayed ${replayed} decision write(s) left unfinished by the last page`);
  for (const s of await db.sessions.toArray()) if (s.status !== 'ready') await db.deleteSession(s.id);
  // Filter, sort and selection are saved at once; scrolling (many events) is debounced.
  useViewStore.subscribe((view, prev) => {
    clearTimeout(viewSaveTimer);
    const onlyScrolled = view.scrollTop !== prev.scrollTop && view.filter === prev.filter && view.sort === prev.sort && view.selectedId === prev.selectedId && view.ranges === prev.ranges;
    if (onlyScrolled) viewSaveTimer = setTimeout(() => void saveView(), 200);
    else void saveView();
  });
  addEventListener('pagehide', () => void saveView());
  await refreshSessions();
  const last = localStorage.getItem(LAST_SESSION_KEY);
  const sessions = useDatasetStore.getState().sessions;
  const target = sessions.find((s) => s.id === last) ?? sessions[0];
  if (target) await openSession(target.id);
  else if (opts.demo) await loadDemo();
}
