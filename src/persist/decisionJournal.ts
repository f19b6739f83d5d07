// Write-ahead journal for decision writes (and the latest view of each session).
//
// A decision is written to IndexedDB in one transaction (decisions + undo history). A transaction
// still in flight when the page is reloaded, navigated away or its renderer crashes is aborted, so a
// decision made a few milliseconds before a reload could be lost. localStorage writes are synchronous
// and are held by the browser process as soon as `setItem` returns, so each write is first recorded
// here, then applied to IndexedDB, then dropped from the journal once its transaction has committed.
// On boot every journal left behind is replayed (`replayDecisionJournals`) before any session opens.
//
// Each write is its own localStorage key, `quarry.decisionJournal.<sessionId>~<time>-<tab>-<n>`, so
// two tabs never rewrite each other's entries, and keys sort in write order. Replay goes entry by
// entry, one transaction each: an entry that fails (e.g. the disk is full) is kept with every later
// entry of its session, reported, and tried again next time; other sessions still replay, and boot
// goes on. A session another live tab holds (persist/tabLocks) is skipped: its journal is that tab's.
//
// Replaying is idempotent: every write only puts rows, deletes rows by key, or deletes a range of
// history rows that the same or a later write fills again. Replaying the journal, a suffix of all
// writes in order, therefore ends in the same state whether or not some of it had already committed.
import type { ViewState } from '../core/view';
import type { QuarryDB, StoredDecision, StoredHistoryStep } from './db';

export interface HistoryWrite {
  /** The step to store, with its new state. */
  put: StoredHistoryStep;
  /** Delete the session's steps numbered >= this (the redo stack a new step replaces). */
  clearFrom?: number;
  /** Delete the session's steps numbered < this (forgotten beyond the limits). */
  forgetBelow?: number;
}

/** Everything one decision action writes, in one transaction. */
export interface DecisionWrite {
  sessionId: string;
  puts: StoredDecision[];
  /** Keys ([sessionId, sampleId]) of decisions set back to undecided. */
  deletes: [string, string][];
  history: HistoryWrite;
}

const PREFIX = 'quarry.decisionJournal.';
const VIEW_PREFIX = 'quarry.viewJournal.';

/** The storage the journal lives in (localStorage in the browser; absent in workers and Node). */
function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // e.g. storage disabled by the browser's settings
  }
}

const tab = Math.random().toString(36).slice(2, 8);
let counter = 0;

function entryKey(sessionId: string): string {
  return `${PREFIX}${sessionId}~${Date.now().toString(36).padStart(9, '0')}-${tab}-${(counter++).toString(36).padStart(6, '0')}`;
}

/**
 * Records a write before it is sent to IndexedDB. Returns its handle for `journalCommitted`, or null
 * when it could not be recorded (no storage, or over quota, e.g. a bulk decision over 100k samples):
 * the write then relies on IndexedDB alone, as before.
 */
export function journalAppend(w: DecisionWrite): string | null {
  const store = storage();
  if (!store) return null;
  const key = entryKey(w.sessionId);
  try {
    store.setItem(key, JSON.stringify(w));
  } catch (err) {
    console.warn('Quarry: decision journal not written (storage full?); relying on IndexedDB alone', err);
    return null;
  }
  return key;
}

/** Drops a write from the journal: its transaction committed, or it failed and was rolled back on screen. */
export function journalCommitted(_sessionId: string, handle: string): void {
  try {
    storage()?.removeItem(handle);
  } catch (err) {
    console.warn('Quarry: decision journal not updated', err);
  }
}

/** The journal keys of a session (or of every session), in write order; `legacy` keys first. */
function journalKeys(store: Storage, sessionId?: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    if (sessionId !== undefined && sessionOf(key) !== sessionId) continue;
    keys.push(key);
  }
  // The previous version kept one array per session under `PREFIX + sessionId` (no '~'): it sorts first.
  return keys.sort((a, b) => (a.includes('~') === b.includes('~') ? (a < b ? -1 : a > b ? 1 : 0) : a.includes('~') ? 1 : -1));
}

function sessionOf(key: string): string {
  const rest = key.slice(PREFIX.length);
  const tilde = rest.indexOf('~');
  return tilde < 0 ? rest : rest.slice(0, tilde);
}

/** The writes stored under one key (a legacy key holds an array of them); [] when unreadable. */
function readKey(store: Storage, key: string): DecisionWrite[] {
  try {
    const parsed = JSON.parse(store.getItem(key) ?? 'null') as unknown;
    if (Array.isArray(parsed)) return parsed as DecisionWrite[];
    return parsed && typeof parsed === 'object' ? [parsed as DecisionWrite] : [];
  } catch {
    return []; // a torn or foreign value: nothing usable to replay
  }
}

/** Forgets a session's journal and saved view (the session was deleted). */
export function journalForget(sessionId: string): void {
  const store = storage();
  if (!store) return;
  for (const key of journalKeys(store, sessionId)) store.removeItem(key);
  store.removeItem(VIEW_PREFIX + sessionId);
}

/** How many journal entries are waiting for `sessionId` (or all sessions). */
export function journalPending(sessionId?: string): number {
  const store = storage();
  return store ? journalKeys(store, sessionId).length : 0;
}

/** Applies one write inside a transaction the caller opened over `decisions` and `history`. */
export async function applyDecisionWrite(db: QuarryDB, w: DecisionWrite): Promise<void> {
  if (w.puts.length) await db.decisions.bulkPut(w.puts);
  if (w.deletes.length) await db.decisions.bulkDelete(w.deletes);
  const steps = (lo: number, hi: number) => db.history.where('[sessionId+seq]').between([w.sessionId, lo], [w.sessionId, hi], true, false);
  if (w.history.clearFrom !== undefined) await steps(w.history.clearFrom, Infinity).delete();
  if (w.history.forgetBelow !== undefined) await steps(-Infinity, w.history.forgetBelow).delete();
  await db.history.put(w.history.put);
}

export interface ReplayFailure {
  sessionId: string;
  /** Entries kept for next time (the failing one and all later ones of its session). */
  pending: number;
  error: unknown;
}

export interface ReplayReport {
  replayed: number;
  failed: ReplayFailure[];
  /** Sessions whose journal was left alone because another live tab holds them. */
  skipped: string[];
}

/**
 * Replays one session's journal, entry by entry in write order, one transaction each. Stops at the
 * first entry that fails and keeps it and the ones after it. A journal of a session that no longer
 * exists is dropped.
 */
export async function replaySessionJournal(db: QuarryDB, sessionId: string): Promise<{ replayed: number; failure: ReplayFailure | null }> {
  const store = storage();
  if (!store) return { replayed: 0, failure: null };
  const keys = journalKeys(store, sessionId);
  if (keys.length === 0) return { replayed: 0, failure: null };
  let exists: boolean;
  try {
    exists = (await db.sessions.get(sessionId)) !== undefined;
  } catch (error) {
    return { replayed: 0, failure: { sessionId, pending: keys.length, error } };
  }
  let replayed = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const writes = exists ? readKey(store, key) : [];
    try {
      if (writes.length)
        await db.transaction('rw', db.decisions, db.history, async () => {
          for (const w of writes) await applyDecisionWrite(db, w);
        });
    } catch (error) {
      return { replayed, failure: { sessionId, pending: keys.length - i, error } };
    }
    replayed += writes.length;
    store.removeItem(key);
  }
  return { replayed, failure: null };
}

/**
 * Boot: applies every journal a reload or crash left behind. `isBusy(sessionId)` says a session is
 * held by another live tab (its journal is skipped). Never throws: failures come back in the report.
 */
export async function replayDecisionJournals(db: QuarryDB, isBusy: (sessionId: string) => Promise<boolean> = async () => false): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: 0, failed: [], skipped: [] };
  const store = storage();
  if (!store) return report;
  const sessions = [...new Set(journalKeys(store).map(sessionOf))];
  for (const sessionId of sessions) {
    if (await isBusy(sessionId).catch(() => false)) {
      report.skipped.push(sessionId);
      continue;
    }
    const { replayed, failure } = await replaySessionJournal(db, sessionId);
    report.replayed += replayed;
    if (failure) report.failed.push(failure);
  }
  return report;
}

// ---- The latest view of each session (filter, sort, ranges, selection, scroll) ----

/** Records a session's view synchronously (a reload right after a view change keeps it). */
export function journalView(sessionId: string, view: ViewState): void {
  try {
    storage()?.setItem(VIEW_PREFIX + sessionId, JSON.stringify({ view, at: Date.now() }));
  } catch {
    /* storage full: the view is still saved to IndexedDB, just not journaled */
  }
}

/** The view journaled for a session, if any. */
export function journaledView(sessionId: string): { view: ViewState; at: number } | null {
  try {
    const raw = storage()?.getItem(VIEW_PREFIX + sessionId);
    return raw ? (JSON.parse(raw) as { view: ViewState; at: number }) : null;
  } catch {
    return null;
  }
}

/** Drops a session's journaled view once the record holds it (`at` guards against a newer one). */
export function viewCommitted(sessionId: string, at: number): void {
  const latest = journaledView(sessionId);
  if (latest && latest.at <= at) storage()?.removeItem(VIEW_PREFIX + sessionId);
}
