// Accept/reject decisions, recorded as diffs so every change can be undone and redone.
// Each change is written to IndexedDB as it happens: nothing decided is lost on reload or crash.
import { create } from 'zustand';
import type { Decision } from '../core/types';
import { getDb, type StoredDecision } from '../persist/db';

export type FinalDecision = Exclude<Decision, 'undecided'>;

/** One user action: for each affected sample, the decision before and after. */
export interface DecisionDiff {
  label: string;
  changes: { id: string; from: Decision; to: Decision }[];
}

interface DecisionState {
  sessionId: string | null;
  decisions: Record<string, FinalDecision>;
  undoStack: DecisionDiff[];
  redoStack: DecisionDiff[];
  reset(sessionId: string | null, decisions: Record<string, FinalDecision>): void;
  decide(ids: string[], to: Decision, label?: string): Promise<void>;
  /** Several decisions (e.g. a policy's accept and reject sets) recorded as ONE undoable step. */
  decideMany(groups: { ids: Iterable<string>; to: Decision }[], label: string): Promise<void>;
  undo(): Promise<void>;
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

function persist(sessionId: string, diff: DecisionDiff, dir: 'forward' | 'back'): void {
  const db = getDb();
  const now = Date.now();
  const puts: StoredDecision[] = [];
  const deletes: [string, string][] = [];
  for (const c of diff.changes) {
    const value = dir === 'forward' ? c.to : c.from;
    if (value === 'undecided') deletes.push([sessionId, c.id]);
    else puts.push({ sessionId, sampleId: c.id, decision: value, at: now });
  }
  pendingWrite = pendingWrite.then(() =>
    db.transaction('rw', db.decisions, async () => {
      if (puts.length) await db.decisions.bulkPut(puts);
      if (deletes.length) await db.decisions.bulkDelete(deletes);
    }),
  );
}

export const useDecisionStore = create<DecisionState>((set, get) => ({
  sessionId: null,
  decisions: {},
  undoStack: [],
  redoStack: [],
  reset: (sessionId, decisions) => set({ sessionId, decisions, undoStack: [], redoStack: [] }),
  async decide(ids, to, label = to) {
    const { sessionId, decisions, undoStack } = get();
    if (!sessionId) return;
    const changes = ids.map((id) => ({ id, from: (decisions[id] ?? 'undecided') as Decision, to })).filter((c) => c.from !== c.to);
    if (changes.length === 0) return;
    const diff: DecisionDiff = { label, changes };
    set({ decisions: applyDiff(decisions, diff, 'forward'), undoStack: [...undoStack, diff], redoStack: [] });
    persist(sessionId, diff, 'forward');
    await pendingWrite;
  },
  async decideMany(groups, label) {
    const { sessionId, decisions, undoStack } = get();
    if (!sessionId) return;
    const changes: DecisionDiff['changes'] = [];
    for (const { ids, to } of groups)
      for (const id of ids) {
        const from = (decisions[id] ?? 'undecided') as Decision;
        if (from !== to) changes.push({ id, from, to });
      }
    if (changes.length === 0) return;
    const diff: DecisionDiff = { label, changes };
    set({ decisions: applyDiff(decisions, diff, 'forward'), undoStack: [...undoStack, diff], redoStack: [] });
    persist(sessionId, diff, 'forward');
    await pendingWrite;
  },
  async undo() {
    const { sessionId, decisions, undoStack, redoStack } = get();
    const diff = undoStack[undoStack.length - 1];
    if (!sessionId || !diff) return;
    set({ decisions: applyDiff(decisions, diff, 'back'), undoStack: undoStack.slice(0, -1), redoStack: [...redoStack, diff] });
    persist(sessionId, diff, 'back');
    await pendingWrite;
  },
  async redo() {
    const { sessionId, decisions, undoStack, redoStack } = get();
    const diff = redoStack[redoStack.length - 1];
    if (!sessionId || !diff) return;
    set({ decisions: applyDiff(decisions, diff, 'forward'), undoStack: [...undoStack, diff], redoStack: redoStack.slice(0, -1) });
    persist(sessionId, diff, 'forward');
    await pendingWrite;
  },
}));
