// Orchestrates the data worker and the stores: load a file, reopen or delete a saved session,
// export, and keep the view persisted. UI components call these functions; they never talk to the
// worker or IndexedDB themselves.
import type { FieldMapping, IngestIssue, Sample } from '../core/types';
import { RpcClient } from '../lib/workerRpc';
import { getDb, type SessionRecord } from '../persist/db';
import { journalForget, journalView, journaledView, replayDecisionJournals, replaySessionJournal, viewCommitted } from '../persist/decisionJournal';
import { expectedIngestBytes } from '../persist/storageInfo';
import { acquireSessionLock, isSessionLocked, withSessionLockIfFree } from '../persist/tabLocks';
import { bootFlags, detectUncleanExit } from './bootFlags';
import { updateSession } from './sessionRecord';
import { askPersistence, refreshStorageEstimate } from './storageStore';
import { READ_ONLY_OTHER_TAB, announceDeleted, claimSession, heldByAnotherTab, onSessionDeletedElsewhere, releaseSession } from './tabSync';
import { isQuotaError, reportWriteFailure } from './writeFailures';
import type { DataApi, ExportFormat, ExportWhich, LoadEvent } from '../workers/dataApi';
import { useDatasetStore } from './datasetStore';
import { decisionsSettled, useDecisionStore, type FinalDecision } from './decisionStore';
import { restoreScores } from './scoringController';
import { currentView, useViewStore } from './viewStore';

const LAST_SESSION_KEY = 'quarry.lastSession';

let rpc: RpcClient<DataApi> | null = null;
let worker: Worker | null = null;
/**
 * The data worker. One that crashed or hung (its RPC client is dead) is terminated and replaced, so
 * the next load, open or export works without a page reload. A cancelled ingest may finish its batch
 * write first, hence the longer cancel timeout than the model worker's.
 */
function dataWorker(): RpcClient<DataApi> {
  if (rpc?.dead) {
    worker?.terminate();
    rpc = null;
  }
  if (!rpc) {
    worker = new Worker(new URL('../workers/data.worker.ts', import.meta.url), { type: 'module' });
    rpc = new RpcClient<DataApi>(worker, { cancelTimeoutMs: 30_000 });
  }
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
  try {
    const sessions = await getDb().sessions.orderBy('updatedAt').reverse().toArray();
    useDatasetStore.getState().setSessions(sessions.filter((s) => s.status === 'ready'));
  } catch (err) {
    reportWriteFailure('the list of saved sessions (could not be read)', err);
  }
  void refreshStorageEstimate();
}

/** Saves the open session's view: journaled synchronously first, so a reload right after keeps it. */
async function saveView(): Promise<void> {
  const session = useDatasetStore.getState().session;
  if (!session || useDecisionStore.getState().readOnly) return;
  const at = Date.now();
  const view = currentView();
  journalView(session.id, view);
  try {
    await updateSession(session.id, { view, updatedAt: at }, 'the view (filter, sort, selection)');
    viewCommitted(session.id, at);
  } catch {
    /* reported on screen by updateSession; the journal keeps the view for the next boot */
  }
}

/** Puts a journaled view (saved just before a reload) into the session record it belongs to. */
async function applyJournaledView(sessionId: string): Promise<void> {
  const journaled = journaledView(sessionId);
  if (!journaled) return;
  await getDb().sessions.update(sessionId, { view: journaled.view });
  viewCommitted(sessionId, journaled.at);
}

function activate(session: SessionRecord, samples: Sample[], issues: IngestIssue[], decisions: Record<string, FinalDecision>, readOnly: string | null) {
  // The session is switched before its view is restored, so the view is never saved to the wrong session.
  useDatasetStore.getState().show(session, samples, issues);
  useDecisionStore.getState().reset(session.id, decisions);
  useDecisionStore.getState().setReadOnly(readOnly);
  useViewStore.getState().restore(session.view);
  try {
    localStorage.setItem(LAST_SESSION_KEY, session.id);
  } catch {
    /* storage full: the next visit opens the newest session instead */
  }
  void restoreScores(session.id);
  void refreshSessions();
}

/**
 * Before a session is shown: this tab claims it (or gets it read-only), and the writes an earlier
 * visit left in its journal are replayed. Writes that still cannot be saved keep it read-only, so
 * nothing newer is stacked on top of them.
 */
async function prepareSession(sessionId: string): Promise<string | null> {
  const owner = await claimSession(sessionId);
  if (!owner) return READ_ONLY_OTHER_TAB;
  // (In safe mode too: the user chose to open this session, and its unsaved writes belong under it.)
  const db = getDb();
  const { failure } = await replaySessionJournal(db, sessionId);
  try {
    await applyJournaledView(sessionId);
  } catch {
    /* the saved view stays journaled */
  }
  if (failure) {
    reportWriteFailure(`${failure.pending} decision write(s) from an earlier visit (kept; the session is read-only until they are saved)`, failure.error);
    return `${failure.pending} decision write(s) from an earlier visit could not be saved yet (${(failure.error as Error)?.message ?? failure.error}). Free some space (delete another session) and reopen this one.`;
  }
  return null;
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

/**
 * Loads a dataset file into a new session. The current dataset stays until the new one is complete.
 * A file that may not fit in the storage left asks first (`force` skips the check).
 */
export async function loadFile(file: File, mapping: FieldMapping | null = null, force = false): Promise<void> {
  // One estimate serves the space check and, as the usage before the load, the session's size.
  const before = await refreshStorageEstimate();
  const needBytes = expectedIngestBytes(file.size);
  if (!force && before && before.quota > 0 && before.quota - before.usage < needBytes) {
    useDatasetStore.getState().setLoad({ status: 'storage-warning', file, mapping, needBytes, freeBytes: Math.max(0, before.quota - before.usage) });
    return;
  }
  const samples: Sample[] = [];
  const issues: IngestIssue[] = [];
  const onProgress = progressSink(file.name);
  await runLoad(file.name, async (signal) => {
    const sessionId = newSessionId();
    // Held for the whole load: another tab's boot never deletes a session this tab is still writing.
    const lock = await acquireSessionLock(sessionId);
    let kept = false;
    try {
      const result = await dataWorker().call('ingest', { file, sessionId, mapping }, collect(samples, issues, onProgress), signal);
      if (result.outcome === 'needs-mapping') {
        useDatasetStore.getState().setLoad({ status: 'mapping', file, columns: result.columns, preview: result.preview });
        return;
      }
      await saveView();
      let session = result.session;
      const after = await refreshStorageEstimate();
      if (before && after && after.usage > before.usage) {
        session = { ...session, storedBytes: after.usage - before.usage };
        await getDb().sessions.update(sessionId, { storedBytes: session.storedBytes }).catch(() => undefined);
      }
      kept = await claimSession(sessionId, lock);
      activate(session, samples, issues, result.decisions, null);
    } catch (err) {
      // Only the user's cancel is quiet: IndexedDB reports a refused write as an aborted transaction too.
      if (signal.aborted && isAbort(err)) useDatasetStore.getState().setLoad({ status: 'idle' });
      else useDatasetStore.getState().setLoad({ status: 'error', fileName: file.name, message: loadErrorMessage(err) });
    } finally {
      if (!kept) lock?.release();
    }
  });
}

function loadErrorMessage(err: unknown): string {
  const e = err as Error;
  if (isQuotaError(err))
    return `the browser's storage is full (${e.message}). Delete a saved session (Sessions menu) and try again.`;
  if (e?.name === 'AbortError') return `the browser refused to store the data (${e.message}); its storage may be full. Delete a saved session (Sessions menu) and try again.`;
  return e?.message ?? String(err);
}

export async function openSession(sessionId: string): Promise<void> {
  const samples: Sample[] = [];
  const issues: IngestIssue[] = [];
  await runLoad('saved session', async (signal) => {
    const onProgress = progressSink('saved session');
    try {
      await saveView();
      const readOnly = await prepareSession(sessionId);
      const { session, decisions } = await dataWorker().call(
        'open',
        { sessionId },
        collect(samples, issues, onProgress),
        signal,
      );
      activate(session, samples, issues, decisions, readOnly);
    } catch (err) {
      if (signal.aborted && isAbort(err)) useDatasetStore.getState().setLoad({ status: 'idle' });
      else useDatasetStore.getState().setLoad({ status: 'error', fileName: 'saved session', message: loadErrorMessage(err) });
    }
  });
}

export function cancelLoad(): void {
  activeLoad?.abort();
  const { load, setLoad } = useDatasetStore.getState();
  if (load.status === 'mapping' || load.status === 'storage-warning') setLoad({ status: 'idle' });
}

export function dismissLoadError(): void {
  useDatasetStore.getState().setLoad({ status: 'idle' });
}

/** Deletes a saved session and everything stored under it. Refused while another tab writes it. */
export async function deleteSession(sessionId: string): Promise<void> {
  if (await heldByAnotherTab(sessionId)) {
    reportWriteFailure('the deletion of the session', new Error('it is open in another tab; close it there (or take it over here) first'));
    return;
  }
  try {
    await getDb().deleteSession(sessionId);
  } catch (err) {
    reportWriteFailure('the deletion of a session', err);
    return;
  }
  journalForget(sessionId);
  announceDeleted(sessionId);
  forgetOpenSession(sessionId);
  await refreshSessions();
}

function forgetOpenSession(sessionId: string): void {
  releaseSession(sessionId);
  if (useDatasetStore.getState().session?.id === sessionId) {
    useDatasetStore.getState().clear();
    useDecisionStore.getState().reset(null, {});
    useDecisionStore.getState().setReadOnly(null);
    localStorage.removeItem(LAST_SESSION_KEY);
  }
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

/**
 * Boot. Never stops before the sessions are listed: journal replay, clean-up and reopening each
 * report their failures on screen and go on. Replays what an earlier page left unsaved, deletes
 * sessions a crash left half-loaded (unless a live tab is still loading them), then reopens the last
 * session or loads the demo. `?safe` replays, resumes and opens nothing by itself.
 */
export async function initSession(opts: { demo: boolean } = { demo: bootFlags.demo }): Promise<void> {
  const db = getDb();
  void askPersistence();
  await detectUncleanExit();
  // Filter, sort and selection are saved at once; scrolling (many events) is debounced.
  useViewStore.subscribe((view, prev) => {
    clearTimeout(viewSaveTimer);
    const onlyScrolled = view.scrollTop !== prev.scrollTop && view.filter === prev.filter && view.sort === prev.sort && view.selectedId === prev.selectedId && view.ranges === prev.ranges;
    if (onlyScrolled) viewSaveTimer = setTimeout(() => void saveView(), 200);
    else void saveView();
  });
  onSessionDeletedElsewhere((sessionId) => {
    forgetOpenSession(sessionId);
    void refreshSessions();
  });
  addEventListener('pagehide', () => void saveView());
  if (!bootFlags.safe) {
    // Decisions a reload or crash caught before their IndexedDB transaction committed.
    const report = await replayDecisionJournals(db, isSessionLocked);
    if (report.replayed) console.info(`Quarry: replayed ${report.replayed} decision write(s) left unfinished by the last page`);
    for (const f of report.failed) reportWriteFailure(`${f.pending} decision write(s) from the last visit (kept; retried when the session is opened)`, f.error);
  }
  try {
    for (const s of await db.sessions.toArray())
      if (s.status !== 'ready') await withSessionLockIfFree(s.id, () => db.deleteSession(s.id));
  } catch (err) {
    reportWriteFailure('the clean-up of a half-loaded session', err);
  }
  await refreshSessions();
  if (bootFlags.safe) return;
  let last: string | null = null;
  try {
    last = localStorage.getItem(LAST_SESSION_KEY);
  } catch {
    /* no storage: open the newest */
  }
  const sessions = useDatasetStore.getState().sessions;
  const target = sessions.find((s) => s.id === last) ?? sessions[0];
  if (target) await openSession(target.id);
  else if (opts.demo) await loadDemo().catch((err: unknown) => useDatasetStore.getState().setLoad({ status: 'error', fileName: 'demo.jsonl', message: (err as Error).message }));
}

