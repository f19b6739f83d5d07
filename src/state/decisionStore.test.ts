// Undo history: the pure stack helpers, and persistence through IndexedDB (fake-indexeddb in Node).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { getDb, type StoredHistoryStep } from '../persist/db';
import { HISTORY_LIMITS, historyReady, nextSeq, pushStep, stacksFromRows, toHistoryRow, useDecisionStore, type HistoryStep } from './decisionStore';

const diff = (label: string, n = 1) => ({ label, changes: Array.from({ length: n }, (_, i) => ({ id: `${label}${i}`, from: 'undecided' as const, to: 'accepted' as const })) });
const step = (seq: number, n = 1): HistoryStep => ({ seq, ...diff(`s${seq}-`, n) });
const store = () => useDecisionStore.getState();

describe('pushStep', () => {
  it('numbers steps on from the top of the stack', () => {
    const a = pushStep([], diff('a'));
    expect(a.step.seq).toBe(0);
    expect(pushStep(a.undo, diff('b')).step.seq).toBe(1);
    expect(a.forgotten).toBe(0);
  });
  it('forgets the oldest steps beyond the step limit', () => {
    const undo = [step(5), step(6), step(7)];
    const r = pushStep(undo, diff('x'), { steps: 3, changes: 1000 });
    expect(r.undo.map((s) => s.seq)).toEqual([6, 7, 8]);
    expect(r.forgotten).toBe(1);
  });
  it('forgets old steps beyond the change limit, but always keeps the newest', () => {
    const r = pushStep([step(0, 4), step(1, 4)], diff('big', 7), { steps: 100, changes: 10 });
    expect(r.undo.map((s) => s.seq)).toEqual([2]);
    const huge = pushStep([], diff('huge', 50), { steps: 100, changes: 10 });
    expect(huge.undo).toHaveLength(1);
  });
});

describe('nextSeq', () => {
  it('numbers above the undo top, every redo step and the highest seq used', () => {
    expect(nextSeq([], [])).toBe(0);
    expect(nextSeq([step(0), step(1)], [])).toBe(2);
    expect(nextSeq([step(0)], [step(4), step(3)])).toBe(5);
    expect(nextSeq([step(0)], [], 7)).toBe(8);
  });
});

describe('stacksFromRows', () => {
  const row = (seq: number, state: StoredHistoryStep['state']) => toHistoryRow('s', step(seq), state);
  it('rebuilds undo (oldest first) and redo (next to redo last) from rows in any order', () => {
    const { undo, redo } = stacksFromRows([row(3, 'undone'), row(1, 'done'), row(2, 'done'), row(4, 'undone')]);
    expect(undo.map((s) => s.seq)).toEqual([1, 2]);
    expect(redo.map((s) => s.seq)).toEqual([4, 3]);
    expect(undo[0]).toEqual(step(1));
  });
  it('drops redo steps below a done step (inconsistent) and applies the limits', () => {
    expect(stacksFromRows([row(1, 'undone'), row(2, 'done')]).redo).toEqual([]);
    const many = Array.from({ length: 10 }, (_, i) => row(i, i < 8 ? 'done' : 'undone'));
    const { undo, redo } = stacksFromRows(many, { steps: 5, changes: 1000 });
    expect(undo.map((s) => s.seq)).toEqual([5, 6, 7]);
    expect(redo.map((s) => s.seq)).toEqual([9, 8]);
  });
});

describe('history persistence', () => {
  const rows = (sessionId: string) => getDb().history.where('sessionId').equals(sessionId).sortBy('seq');

  it('survives a reload: undo and redo work on the restored stacks', async () => {
    const sid = 'persist-1';
    await getDb().sessions.put({ id: sid } as never);
    store().reset(sid, {});
    await historyReady();
    await store().decide(['a'], 'accepted', 'Accept');
    await store().decide(['b', 'c'], 'rejected', 'Reject filtered');
    await store().decide(['d'], 'accepted', 'Accept');
    await store().undo();
    expect((await rows(sid)).map((r) => [r.seq, r.state])).toEqual([
      [0, 'done'],
      [1, 'done'],
      [2, 'undone'],
    ]);

    // "Reload": the session is activated again with the decisions stored in IndexedDB.
    const stored = await getDb().decisions.where('sessionId').equals(sid).toArray();
    const decisions = Object.fromEntries(stored.map((d) => [d.sampleId, d.decision]));
    expect(decisions).toEqual({ a: 'accepted', b: 'rejected', c: 'rejected' });
    store().reset(null, {});
    store().reset(sid, decisions);
    expect(store().historyLoading).toBe(true);
    await store().undo(); // waits for the history, then undoes the bulk step
    expect(store().decisions).toEqual({ a: 'accepted' });
    expect(store().undoStack.map((s) => s.label)).toEqual(['Accept']);
    expect(store().redoStack.map((s) => s.label)).toEqual(['Accept', 'Reject filtered']);
    await store().redo();
    await store().redo();
    expect(store().decisions).toEqual({ a: 'accepted', b: 'rejected', c: 'rejected', d: 'accepted' });

    // A new decision drops the redo stack, in memory and on disk; it is numbered above the step it
    // replaces (2), so a step number never names two steps.
    await store().undo();
    expect(await store().decide(['e'], 'rejected', 'Reject')).toBe(3);
    expect(store().redoStack).toEqual([]);
    expect((await rows(sid)).map((r) => [r.seq, r.state, r.label])).toEqual([
      [0, 'done', 'Accept'],
      [1, 'done', 'Reject filtered'],
      [3, 'done', 'Reject'],
    ]);
  });

  it('decide names the step it recorded; undoStep undoes that step only while it is the latest', async () => {
    const sid = 'marks-1';
    await getDb().sessions.put({ id: sid } as never);
    store().reset(sid, {});
    await historyReady();
    const a = await store().decideMany([{ ids: ['a', 'b'], to: 'accepted' }], 'Policy');
    expect(a).toBe(0);
    expect(await store().decide(['a'], 'accepted')).toBeNull(); // nothing changed: no step
    const b = await store().decide(['c'], 'rejected', 'Policy'); // same label, another step
    expect(b).toBe(1);
    expect(store().canUndo()).toBe(true);
    expect(store().canUndo(a!)).toBe(false);
    expect(await store().undoStep(a!)).toBe(false);
    expect(store().decisions).toEqual({ a: 'accepted', b: 'accepted', c: 'rejected' });
    expect(store().canUndo(b!)).toBe(true);
    expect(await store().undoStep(b!)).toBe(true);
    expect(store().canUndo(a!)).toBe(true);
    expect(await store().undoStep(a!)).toBe(true);
    expect(store().decisions).toEqual({});
    expect(store().canUndo()).toBe(false);

    // Redone, a step is the latest again under the same id.
    await store().redo();
    expect(store().canUndo(a!)).toBe(true);
    // After a reload, new steps are numbered above every stored one (the redo row 1 included).
    store().reset(null, {});
    store().reset(sid, { a: 'accepted', b: 'accepted' });
    expect(await store().decide(['d'], 'accepted')).toBe(2);
    expect(store().canUndo(a!)).toBe(false);
  });

  it('a step whose write failed leaves its number unused', async () => {
    const sid = 'marks-2';
    const db = getDb();
    await db.sessions.put({ id: sid } as never);
    store().reset(sid, {});
    await historyReady();
    expect(await store().decide(['a'], 'accepted')).toBe(0);
    await store().undo(); // step 0 on the redo stack
    const original = db.transaction.bind(db);
    (db as unknown as { transaction: unknown }).transaction = () => Promise.reject(new DOMException('Quota exceeded', 'QuotaExceededError'));
    try {
      await expect(store().decide(['b'], 'accepted')).rejects.toThrow(/quota/i); // step 1, rolled back
    } finally {
      (db as unknown as { transaction: unknown }).transaction = original;
    }
    expect(store().undoStack).toEqual([]);
    expect(await store().decide(['c'], 'accepted')).toBe(2);
  });

  it('keeps at most the step limit on disk', async () => {
    const sid = 'persist-2';
    await getDb().sessions.put({ id: sid } as never);
    store().reset(sid, {});
    await historyReady();
    const n = HISTORY_LIMITS.steps + 5;
    for (let i = 0; i < n; i++) await store().decide([`x${i}`], 'accepted');
    expect(store().undoStack).toHaveLength(HISTORY_LIMITS.steps);
    const stored = await rows(sid);
    expect(stored).toHaveLength(HISTORY_LIMITS.steps);
    expect(stored[0]!.seq).toBe(5);
    expect(Object.keys(store().decisions)).toHaveLength(n); // forgetting history never forgets decisions
  });

  it('forgets the history of deleted sessions', async () => {
    const sid = 'persist-3';
    await getDb().sessions.put({ id: sid } as never);
    store().reset(sid, {});
    await historyReady();
    await store().decide(['a'], 'accepted');
    expect(await rows(sid)).toHaveLength(1);
    await getDb().deleteSession(sid);
    store().reset(null, {});
    await expect.poll(async () => (await rows(sid)).length).toBe(0);
  });
});

describe('a decision write IndexedDB rejects', () => {
  it('is rolled back on screen, reported, and never shown as made', async () => {
    const { useWriteFailures } = await import('./writeFailures');
    const db = getDb();
    await db.sessions.put({ id: 'q' } as never);
    store().reset('q', {});
    await historyReady();
    await store().decide(['keep'], 'accepted');
    const original = db.transaction.bind(db);
    (db as unknown as { transaction: unknown }).transaction = () => Promise.reject(new DOMException('Quota exceeded', 'QuotaExceededError'));
    try {
      await expect(store().decide(['lost'], 'rejected')).rejects.toThrow(/quota/i);
      // The screen shows only what is stored: 'lost' is undecided again, its step is gone.
      expect(store().decisions).toEqual({ keep: 'accepted' });
      expect(store().undoStack.map((s) => s.label)).toEqual(['accepted']);
      await expect(store().undo()).rejects.toThrow(/quota/i);
      expect(store().decisions).toEqual({ keep: 'accepted' });
      expect(store().undoStack).toHaveLength(1);
      expect(store().redoStack).toHaveLength(0);
    } finally {
      (db as unknown as { transaction: unknown }).transaction = original;
    }
    const failures = useWriteFailures.getState().failures;
    expect(failures.some((f) => f.quota && /decision/.test(f.what))).toBe(true);
    expect((await db.decisions.where('sessionId').equals('q').toArray()).map((d) => d.sampleId)).toEqual(['keep']);
  });

  it('a read-only session (another tab writes it) takes no decisions', async () => {
    store().reset('r', {});
    await historyReady();
    store().setReadOnly('open in another tab');
    await store().decide(['x'], 'accepted');
    expect(store().decisions).toEqual({});
    store().setReadOnly(null);
  });
});
