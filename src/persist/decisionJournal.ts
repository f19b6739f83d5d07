// Write-ahead journal for decision writes.
//
// A decision is written to IndexedDB in one transaction (decisions + undo history). A transaction
// still in flight when the page is reloaded, navigated away or its renderer crashes is aborted, so a
// decision made a few milliseconds before a reload could be lost. localStorage writes are synchronous
// and are held by the browser process as soon as `setItem` returns, so each write is first recorded
// here, then applied to IndexedDB, then dropped from the journal once its transaction has committed.
// On boot every journal left behind is replayed (`replayDecisionJournals`) before any session opens.
//
// Replaying is idempotent: every write only puts rows, deletes rows by key, or deletes a range of
// history rows that the same or a later write fills again. Replaying the journal, a suffix of all
// writes in order, therefore ends in the same state whether or not some of it had already committed.
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

interface JournalEntry extends DecisionWrite {
  /** Unique within the page's lifetime; entries are dropped by it once committed. */
  entry: number;
}

const PREFIX = 'quarry.decisionJournal.';

/** The storage the journal lives in (localStorage in the browser; absent in workers and Node). */
function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // e.g. storage disabled by the browser's settings
  }
}

let nextEntry = Date.now();
/** In-memory mirror of this page's journals, so appending never re-parses the stored one. */
const journals = new Map<string, JournalEntry[]>();

function read(sessionId: string): JournalEntry[] {
  const raw = storage()?.getItem(PREFIX + sessionId);
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as JournalEntry[]) : [];
  } catch {
    return []; // a torn or foreign value: nothing usable to replay
  }
}

function write(sessionId: string, entries: JournalEntry[]): void {
  const store = storage();
  if (!store) return;
  if (entries.length === 0) store.removeItem(PREFIX + sessionId);
  else store.setItem(PREFIX + sessionId, JSON.stringify(entries));
}

/**
 * Records a write before it is sent to IndexedDB. Returns its handle for `journalCommitted`, or null
 * when it could not be recorded (no storage, or over quota, e.g. a bulk decision over 100k samples):
 * the write then relies on IndexedDB alone, as before.
 */
export function journalAppend(w: DecisionWrite): number | null {
  if (!storage()) return null;
  const entries = journals.get(w.sessionId) ?? read(w.sessionId);
  const entry: JournalEntry = { ...w, entry: nextEntry++ };
  try {
    write(w.sessionId, [...entries, entry]);
  } catch (err) {
    console.warn('Quarry: decision journal not written (storage full?); relying on IndexedDB alone', err);
    return null;
  }
  entries.push(entry);
  journals.set(w.sessionId, entries);
  return entry.entry;
}

/** Drops a write from the journal once its IndexedDB transaction has committed. */
export function journalCommitted(sessionId: string, entry: number): void {
  const entries = (journals.get(sessionId) ?? read(sessionId)).filter((e) => e.entry !== entry);
  journals.set(sessionId, entries);
  try {
    write(sessionId, entries);
  } catch (err) {
    console.warn('Quarry: decision journal not updated', err);
  }
}

/** Forgets a session's journal (the session was deleted). */
export function journalForget(sessionId: string): void {
  journals.delete(sessionId);
  storage()?.removeItem(PREFIX + sessionId);
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

/**
 * Boot: applies every journal a reload or crash left behind, in order, then clears it. Journals of
 * sessions that no longer exist are dropped. Returns how many writes were replayed.
 */
export async function replayDecisionJournals(db: QuarryDB): Promise<number> {
  const store = storage();
  if (!store) return 0;
  const sessionIds: string[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (key?.startsWith(PREFIX)) sessionIds.push(key.slice(PREFIX.length));
  }
  let replayed = 0;
  for (const sessionId of sessionIds) {
    const entries = read(sessionId);
    if (entries.length && (await db.sessions.get(sessionId))) {
      await db.transaction('rw', db.decisions, db.history, async () => {
        for (const e of entries) await applyDecisionWrite(db, e);
      });
      replayed += entries.length;
    }
    journals.delete(sessionId);
    store.removeItem(PREFIX + sessionId);
  }
  return replayed;
}
