// Accept/reject decisions, recorded as diffs so every change can be undone and redone.
// Each change is written to IndexedDB as it happens, together with the undo/redo history (one
// transaction, journaled in localStorage first), so nothing decided is lost on reload or crash and undo
// still works after a reload.
//
// History persistence: each step is one row of the `history` table, keyed [sessionId+seq]. A step is
// 'done' (on the undo stack) or 'undone' (on the redo stack); undo/redo flip one row, a new decision
// deletes the redo rows and adds one. The history is read back when a session is activated (`reset`);
// actions that arrive meanwhile wait for it. At most HISTORY_LIMITS.steps steps (and about
// HISTORY_LIMITS.changes sample changes) are kept per session: older steps are forgotten.
//
// Step ids: each step's `seq` (its key in the history table) is also its id. A new step is numbered
// above every step this session has had (the undo and redo stacks, the rows read back, the steps of
// this activation), so a seq never names two different steps of a session. `decide`/`decideMany`
// return the seq of the step they recorded, and `undoStep(seq)` / `canUndo(seq)` undo that step only
// while it is the latest one (the policy panel's "Undo" of an applied policy, state/proposalStore).
import { create } from 'zustand';
import type { Decision } from '../core/types';
import { getDb, type StoredHistoryStep } from '../persist/db';
import { applyDecisionWrite, journalAppend, journalCommitted, type DecisionWrite, type HistoryWrite } from '../persist/decisionJournal';
import { reportWriteFailure } from './writeFailures';

export type FinalDecision = Exclude<Decision, 'undecided'>;

/** One user action: for each affected sample, the decision before and after. */
export interface DecisionDiff {
  label: string;
  changes: { id: string; from: Decision; to: Decision }[];
}

/** A diff in the undo history, numbered (its key in IndexedDB). */
export interface HistoryStep extends DecisionDiff {
  seq: number;
}

/** Memory bound of the undo history, per session: the newest step is always kept. */
export const HISTORY_LIMITS = { steps: 200, changes: 250_000 };

interface DecisionState {
  sessionId: string | null;
  decisions: Record<string, FinalDecision>;
  undoStack: HistoryStep[];
  redoStack: HistoryStep[];
  /** True while the session's saved undo history is being read back (just after `reset`). */
  historyLoading: boolean;
  /**
   * Set when this tab may not write the session: another tab owns it, or writes of an earlier visit
   * are still waiting to be saved. Decisions and undo do nothing then (the UI says why).
   */
  readOnly: string | null;
  setReadOnly(reason: string | null): void;
  /** Switches to a session (null: none) and restores its saved undo history in the background. */
  reset(sessionId: string | null, decisions: Record<string, FinalDecision>): void;
  /**
   * Decides `ids` as one undoable step. Resolves, once it is saved, with the step's seq (its id for
   * `undoStep`), or null when nothing changed (or this tab may not write); rejects if the write failed.
   */
  decide(ids: string[], to: Decision, label?: string): Promise<number | null>;
  /** Several decisions (e.g. a policy's accept and reject sets) recorded as ONE undoable step; resolves as `decide`. */
  decideMany(groups: { ids: Iterable<string>; to: Decision }[], label: string): Promise<number | null>;
  /** Undoes the latest step. */
  undo(): Promise<void>;
  /**
   * Undoes step `seq` if it is the latest step (the top of the undo stack), else does nothing.
   * Resolves whether it was undone.
   */
  undoStep(seq: number): Promise<boolean>;
  /** Whether there is a step to undo; with `seq`, whether that step is the latest one (what `undoStep(seq)` needs). */
  canUndo(seq?: number): boolean;
  redo(): Promise<void>;
}

/** Pending IndexedDB writes; export waits for them so it always sees the latest decisions. */
let pendingWrite: Promise<unknown> = Promise.resolve();
export function decisionsSettled(): Promise<unknown> {
  return pendingWrite;
}

function applyDiff(decisions: Record<string, FinalDecision>, diff: DecisionDiff, dir: 'forward' | 'back') {
  const next = { ...decisions };
  for (const c of diff.changes) {
    const value = dir === 'forward' ? c.to : c.from;
    if (value === 'undecided') delete next[c.id];
    else next[c.id] = value;
  }
  return next;
}

// ---- History: pure helpers (unit-tested) ----

/**
 * The number of a new step: above the undo stack's top, every redo step and `highest` (the highest
 * seq the session has used so far), so no seq is ever given to two steps of a session.
 */
export function nextSeq(undo: readonly HistoryStep[], redo: readonly HistoryStep[], highest = -1): number {
  let max = Math.max(highest, undo[undo.length - 1]?.seq ?? -1);
  for (const s of redo) if (s.seq > max) max = s.seq;
  return max + 1;
}

/**
 * Pushes a new step numbered `seq` (by default the one above the stack's top; see nextSeq) onto the
 * undo stack (the caller drops the redo stack) and forgets the oldest steps beyond the limits.
 */
export function pushStep(
  undo: readonly HistoryStep[],
  diff: DecisionDiff,
  limits: { steps: number; changes: number } = HISTORY_LIMITS,
  seq: number = nextSeq(undo, []),
): { undo: HistoryStep[]; step: HistoryStep; forgotten: number } {
  const step: HistoryStep = { label: diff.label, changes: diff.changes, seq };
  const next = [...undo, step];
  let total = 0;
  for (const s of next) total += s.changes.length;
  let start = 0;
  while (next.length - start > 1 && (next.length - start > limits.steps || total > limits.changes)) {
    total -= next[start]!.changes.length;
    start++;
  }
  return { undo: start ? next.slice(start) : next, step, forgotten: start };
}

export function toHistoryRow(sessionId: string, step: HistoryStep, state: StoredHistoryStep['state']): StoredHistoryStep {
  return { sessionId, seq: step.seq, state, label: step.label, changes: step.changes };
}

/**
 * Rebuilds the stacks from stored rows (any order). Undo: the done steps, oldest first. Redo: the undone
 * steps above the last done one, the next to redo last. Anything inconsistent is dropped.
 */
export function stacksFromRows(
  rows: readonly StoredHistoryStep[],
  limits: { steps: number; changes: number } = HISTORY_LIMITS,
): { undo: HistoryStep[]; redo: HistoryStep[] } {
  const sorted = [...rows].sort((a, b) => a.seq - b.seq);
  const step = (r: StoredHistoryStep): HistoryStep => ({ seq: r.seq, label: r.label, changes: r.changes });
  let undo: HistoryStep[] = [];
  for (const r of sorted) if (r.state === 'done') undo.push(step(r));
  const lastDone = undo[undo.length - 1]?.seq ?? -Infinity;
  const redo = sorted.filter((r) => r.state === 'undone' && r.seq > lastDone).map(step).reverse();
  // Enforce the limits on the whole history (a smaller limit than when it was written).
  let total = 0;
  for (const s of [...undo, ...redo]) total += s.changes.length;
  let start = 0;
  while (undo.length - start > 0 && (undo.length - start + redo.length > limits.steps || total > limits.changes)) {
    total -= undo[start]!.changes.length;
    start++;
  }
  if (start) undo = undo.slice(start);
  return { undo, redo };
}

// ---- Persistence ----

/**
 * Writes a diff's decisions and the history change in one transaction, after the writes before it.
 * The write is journaled first (persist/decisionJournal), so a reload or crash before the transaction
 * commits does not lose it: the next boot replays it. A write IndexedDB rejects (a full disk) is
 * dropped from the journal and `onFailure` rolls it back on screen; the failure stays on screen
 * (state/writeFailures) and the returned promise rejects.
 */
function persist(sessionId: string, diff: DecisionDiff, dir: 'forward' | 'back', history: HistoryWrite, onFailure: () => void): Promise<unknown> {
  const db = getDb();
  const now = Date.now();
  const write: DecisionWrite = { sessionId, puts: [], deletes: [], history };
  for (const c of diff.changes) {
    const value = dir === 'forward' ? c.to : c.from;
    if (value === 'undecided') write.deletes.push([sessionId, c.id]);
    else write.puts.push({ sessionId, sampleId: c.id, decision: value, at: now });
  }
  const entry = journalAppend(write);
  // A failed write is reported to its own caller; it must not stop the writes queued after it.
  const mine = pendingWrite
    .catch(() => undefined)
    .then(() => db.transaction('rw', db.decisions, db.history, () => applyDecisionWrite(db, write)))
    .then(
      () => {
        if (entry !== null) journalCommitted(sessionId, entry);
        for (const listener of committedListeners) listener(sessionId);
      },
      (err: unknown) => {
        if (entry !== null) journalCommitted(sessionId, entry);
        if (useDecisionStore.getState().sessionId === sessionId) onFailure();
        reportWriteFailure(`decision "${diff.label}" (${diff.changes.length} sample${diff.changes.length === 1 ? '' : 's'}; undone on screen)`, err);
        throw err;
      },
    );
  pendingWrite = mine;
  return mine;
}

const committedListeners = new Set<(sessionId: string) => void>();
/** Called after each decision write of this tab has committed (other tabs follow through tabSync). */
export function onDecisionsCommitted(listener: (sessionId: string) => void): () => void {
  committedListeners.add(listener);
  return () => committedListeners.delete(listener);
}

/** Sets back, on screen, the samples a failed write changed (unless a later action changed them again). */
function revert(decisions: Record<string, FinalDecision>, diff: DecisionDiff, wrote: 'forward' | 'back') {
  const next = { ...decisions };
  for (const c of diff.changes) {
    const written = wrote === 'forward' ? c.to : c.from;
    const before = wrote === 'forward' ? c.from : c.to;
    if ((next[c.id] ?? 'undecided') !== written) continue;
    if (before === 'undecided') delete next[c.id];
    else next[c.id] = before;
  }
  return next;
}

let historyLoad: Promise<void> = Promise.resolve();
let loadToken = 0;
/** The highest seq the active session has used (its stored rows, the steps recorded since): see nextSeq. */
let highestSeq = -1;

async function loadHistory(sessionId: string, token: number): Promise<void> {
  let stacks: { undo: HistoryStep[]; redo: HistoryStep[] } = { undo: [], redo: [] };
  let highest = -1;
  try {
    await pendingWrite.catch(() => undefined); // this session's own writes from before land first
    const rows = await getDb().history.where('sessionId').equals(sessionId).toArray();
    for (const r of rows) if (r.seq > highest) highest = r.seq;
    stacks = stacksFromRows(rows);
  } catch (err) {
    console.error('Quarry: could not restore the undo history', err);
  }
  if (token !== loadToken) return; // another session was activated meanwhile
  highestSeq = Math.max(highestSeq, highest);
  useDecisionStore.setState({ undoStack: stacks.undo, redoStack: stacks.redo, historyLoading: false });
  void forgetOrphanedHistory();
}

/** Drops the history of sessions that no longer exist (deleteSession removes the session's other tables). */
async function forgetOrphanedHistory(): Promise<void> {
  try {
    const db = getDb();
    const [withHistory, sessions] = await Promise.all([db.history.orderBy('sessionId').uniqueKeys(), db.sessions.toCollection().primaryKeys()]);
    const live = new Set<unknown>(sessions);
    const orphans = withHistory.filter((id) => !live.has(id));
    if (orphans.length) await db.history.where('sessionId').anyOf(orphans as string[]).delete();
  } catch (err) {
    console.error('Quarry: could not clean up the undo history', err);
  }
}

/** Resolves once the current session's saved history is in the store (actions wait for it). */
export async function historyReady(): Promise<void> {
  while (useDecisionStore.getState().historyLoading) await historyLoad;
}

export const useDecisionStore = create<DecisionState>((set, get) => {
  /**
   * Records a new step: applies it, drops the redo stack, forgets beyond the limits, persists. Resolves
   * with the step's seq once saved; null when there is nothing to record.
   */
  const commit = async (diff: DecisionDiff): Promise<number | null> => {
    const { sessionId, decisions, undoStack, redoStack, readOnly } = get();
    if (!sessionId || diff.changes.length === 0 || readOnly) return null;
    const seq = nextSeq(undoStack, redoStack, highestSeq);
    highestSeq = seq;
    // The redo rows go: every stored step above the last done one.
    const clearFrom = (undoStack[undoStack.length - 1]?.seq ?? -1) + 1;
    const { undo, step, forgotten } = pushStep(undoStack, diff, HISTORY_LIMITS, seq);
    set({ decisions: applyDiff(decisions, diff, 'forward'), undoStack: undo, redoStack: [] });
    await persist(
      sessionId,
      diff,
      'forward',
      { put: toHistoryRow(sessionId, step, 'done'), clearFrom, ...(forgotten ? { forgetBelow: undo[0]!.seq } : {}) },
      () => set((s) => ({ decisions: revert(s.decisions, diff, 'forward'), undoStack: s.undoStack.filter((x) => x !== step) })),
    );
    return step.seq;
  };
  /** Undoes the top step (only if it is step `seq`, when given); returns whether it did. */
  const undoTop = async (seq?: number): Promise<boolean> => {
    if (get().historyLoading) await historyReady();
    const { sessionId, decisions, undoStack, redoStack, readOnly } = get();
    const step = undoStack[undoStack.length - 1];
    if (!sessionId || !step || readOnly || (seq !== undefined && step.seq !== seq)) return false;
    set({ decisions: applyDiff(decisions, step, 'back'), undoStack: undoStack.slice(0, -1), redoStack: [...redoStack, step] });
    await persist(sessionId, step, 'back', { put: toHistoryRow(sessionId, step, 'undone') }, () =>
      set((s) => ({ decisions: revert(s.decisions, step, 'back'), redoStack: s.redoStack.filter((x) => x !== step), undoStack: [...s.undoStack, step].sort((a, b) => a.seq - b.seq) })),
    );
    return true;
  };
  return {
    sessionId: null,
    decisions: {},
    undoStack: [],
    redoStack: [],
    historyLoading: false,
    readOnly: null,
    setReadOnly: (readOnly) => set({ readOnly }),
    reset: (sessionId, decisions) => {
      const token = ++loadToken;
      highestSeq = -1; // read back with the history
      set({ sessionId, decisions, undoStack: [], redoStack: [], historyLoading: sessionId !== null });
      if (sessionId) historyLoad = loadHistory(sessionId, token);
      else void forgetOrphanedHistory(); // e.g. after deleting the open session
    },
    async decide(ids, to, label = to) {
      if (get().historyLoading) await historyReady();
      const { decisions } = get();
      const changes = ids.map((id) => ({ id, from: (decisions[id] ?? 'undecided') as Decision, to })).filter((c) => c.from !== c.to);
      return commit({ label, changes });
    },
    async decideMany(groups, label) {
      if (get().historyLoading) await historyReady();
      const { decisions } = get();
      const changes: DecisionDiff['changes'] = [];
      for (const { ids, to } of groups)
        for (const id of ids) {
          const from = (decisions[id] ?? 'undecided') as Decision;
          if (from !== to) changes.push({ id, from, to });
        }
      return commit({ label, changes });
    },
    async undo() {
      await undoTop();
    },
    undoStep: (seq) => undoTop(seq),
    canUndo: (seq) => {
      const { undoStack } = get();
      const top = undoStack[undoStack.length - 1];
      return top !== undefined && (seq === undefined || top.seq === seq);
    },
    async redo() {
      if (get().historyLoading) await historyReady();
      const { sessionId, decisions, undoStack, redoStack, readOnly } = get();
      const step = redoStack[redoStack.length - 1];
      if (!sessionId || !step || readOnly) return;
      set({ decisions: applyDiff(decisions, step, 'forward'), undoStack: [...undoStack, step], redoStack: redoStack.slice(0, -1) });
      await persist(sessionId, step, 'forward', { put: toHistoryRow(sessionId, step, 'done') }, () =>
        set((s) => ({ decisions: revert(s.decisions, step, 'forward'), undoStack: s.undoStack.filter((x) => x !== step), redoStack: [...s.redoStack, step].sort((a, b) => b.seq - a.seq) })),
      );
    },
  };
});
