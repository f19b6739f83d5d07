// The decision journal: what a reload or crash before IndexedDB commits leaves behind is replayed,
// and replaying is idempotent whatever part of it had already committed.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { QuarryDB } from './db';
import { applyDecisionWrite, journalAppend, journalCommitted, journalForget, journalPending, replayDecisionJournals, replaySessionJournal, type DecisionWrite } from './decisionJournal';

// Node has no localStorage; a Map-backed Storage with the same contract stands in for the browser's.
class MemoryStorage implements Storage {
  private map = new Map<string, string>();
  get length() {
    return this.map.size;
  }
  clear() {
    this.map.clear();
  }
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
  setItem(key: string, value: string) {
    this.map.set(key, String(value));
  }
}
const storage = new MemoryStorage();
Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true });

let dbCount = 0;
async function freshDb(sessionIds: string[]): Promise<QuarryDB> {
  const db = new QuarryDB(`journal-test-${dbCount++}`);
  for (const id of sessionIds) await db.sessions.put({ id } as never);
  return db;
}

const step = (sessionId: string, seq: number, label: string) => ({ sessionId, seq, state: 'done' as const, label, changes: [] });
const accept = (sessionId: string, seq: number, sampleId: string): DecisionWrite => ({
  sessionId,
  puts: [{ sessionId, sampleId, decision: 'accepted', at: 1 }],
  deletes: [],
  history: { put: step(sessionId, seq, `accept ${sampleId}`), clearFrom: seq },
});
const undoAccept = (sessionId: string, seq: number, sampleId: string): DecisionWrite => ({
  sessionId,
  puts: [],
  deletes: [[sessionId, sampleId]],
  history: { put: { ...step(sessionId, seq, `accept ${sampleId}`), state: 'undone' } },
});

async function state(db: QuarryDB, sessionId: string) {
  const decisions = await db.decisions.where('sessionId').equals(sessionId).toArray();
  const history = await db.history.where('sessionId').equals(sessionId).sortBy('seq');
  return {
    decisions: Object.fromEntries(decisions.map((d) => [d.sampleId, d.decision])),
    history: history.map((h) => [h.seq, h.state, h.label]),
  };
}

const writes = (sid: string) => [accept(sid, 0, 'a'), accept(sid, 1, 'b'), undoAccept(sid, 1, 'b'), accept(sid, 1, 'c')];

beforeEach(() => storage.clear());

describe('decision journal', () => {
  it('replays writes whose transactions never ran (reload before commit), then clears itself', async () => {
    const db = await freshDb(['s1']);
    for (const w of writes('s1')) journalAppend(w);
    expect(storage.length).toBe(4); // one key per write: tabs never rewrite each other's entries
    expect((await replayDecisionJournals(db)).replayed).toBe(4);
    expect(await state(db, 's1')).toEqual({
      decisions: { a: 'accepted', c: 'accepted' },
      history: [
        [0, 'done', 'accept a'],
        [1, 'done', 'accept c'],
      ],
    });
    expect(storage.length).toBe(0);
    expect((await replayDecisionJournals(db)).replayed).toBe(0);
  });

  it('ends in the same state whichever prefix of the journal had already committed', async () => {
    const expected = await (async () => {
      const db = await freshDb(['s']);
      await db.transaction('rw', db.decisions, db.history, async () => {
        for (const w of writes('s')) await applyDecisionWrite(db, w);
      });
      return state(db, 's');
    })();
    for (let committed = 0; committed <= 4; committed++) {
      storage.clear();
      const db = await freshDb(['s']);
      for (const w of writes('s')) journalAppend(w);
      // The first `committed` transactions landed, but the page died before dropping them from the journal.
      await db.transaction('rw', db.decisions, db.history, async () => {
        for (const w of writes('s').slice(0, committed)) await applyDecisionWrite(db, w);
      });
      await replayDecisionJournals(db);
      expect(await state(db, 's')).toEqual(expected);
    }
  });

  it('drops committed writes, forgets deleted sessions, and ignores journals of sessions that are gone', async () => {
    const db = await freshDb(['kept']);
    const first = journalAppend(accept('kept', 0, 'x'))!;
    journalAppend(accept('kept', 1, 'y'));
    journalCommitted('kept', first);
    journalAppend(accept('gone', 0, 'z'));
    journalAppend(accept('deleted', 0, 'w'));
    journalForget('deleted');
    expect((await replayDecisionJournals(db)).replayed).toBe(1);
    expect((await state(db, 'kept')).decisions).toEqual({ y: 'accepted' });
    expect((await state(db, 'gone')).decisions).toEqual({});
    expect(storage.length).toBe(0);
  });

  it('a full or broken storage never blocks a decision', async () => {
    const full = Object.create(storage) as MemoryStorage;
    full.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    Object.defineProperty(globalThis, 'localStorage', { value: full, configurable: true });
    try {
      expect(journalAppend(accept('s', 0, 'a'))).toBeNull();
    } finally {
      Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true });
    }
    storage.setItem('quarry.decisionJournal.s', '{not json');
    const db = await freshDb(['s']);
    expect((await replayDecisionJournals(db)).replayed).toBe(0);
    expect(storage.length).toBe(0);
  });

  it("reads the previous version's one-array-per-session journal", async () => {
    storage.setItem('quarry.decisionJournal.s', JSON.stringify(writes('s').map((w, i) => ({ ...w, entry: i }))));
    const db = await freshDb(['s']);
    expect((await replayDecisionJournals(db)).replayed).toBe(4);
    expect((await state(db, 's')).decisions).toEqual({ a: 'accepted', c: 'accepted' });
    expect(storage.length).toBe(0);
  });

  it('a failing entry is kept with the ones after it and reported; other sessions and boot go on', async () => {
    const db = await freshDb(['bad', 'good']);
    for (const w of writes('bad')) journalAppend(w);
    journalAppend(accept('good', 0, 'g'));
    // The third write of 'bad' fails (as a full disk would): its transaction rejects.
    const original = db.transaction.bind(db);
    let calls = 0;
    (db as unknown as { transaction: unknown }).transaction = (...args: unknown[]) => {
      const fn = args[args.length - 1] as () => Promise<unknown>;
      return (original as (...a: unknown[]) => Promise<unknown>)(...args.slice(0, -1), async () => {
        const result = await fn();
        if (++calls === 3) throw new DOMException('Quota exceeded', 'QuotaExceededError');
        return result;
      });
    };
    const report = await replayDecisionJournals(db);
    (db as unknown as { transaction: unknown }).transaction = original;
    expect(report.replayed).toBe(3); // two of 'bad' and the one of 'good'
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]).toMatchObject({ sessionId: 'bad', pending: 2 });
    expect(journalPending('bad')).toBe(2);
    expect(journalPending('good')).toBe(0);
    expect((await state(db, 'good')).decisions).toEqual({ g: 'accepted' });
    // Next time (space freed) the kept entries replay and the state is as if nothing had failed.
    const retry = await replaySessionJournal(db, 'bad');
    expect(retry).toEqual({ replayed: 2, failure: null });
    expect((await state(db, 'bad')).decisions).toEqual({ a: 'accepted', c: 'accepted' });
  });

  it('skips the journal of a session another live tab holds', async () => {
    const db = await freshDb(['mine', 'theirs']);
    journalAppend(accept('mine', 0, 'm'));
    journalAppend(accept('theirs', 0, 't'));
    const report = await replayDecisionJournals(db, async (id) => id === 'theirs');
    expect(report).toMatchObject({ replayed: 1, skipped: ['theirs'] });
    expect(journalPending('theirs')).toBe(1);
    expect((await state(db, 'theirs')).decisions).toEqual({});
  });

  it('two tabs journaling the same session keep every entry (no key is rewritten from a stale copy)', async () => {
    // Both "tabs" share this module's storage; each append is its own key, so interleaving loses nothing.
    const handles = [journalAppend(accept('s', 0, 'a')), journalAppend(accept('s', 1, 'b')), journalAppend(accept('s', 2, 'c'))];
    journalCommitted('s', handles[1]!);
    expect(journalPending('s')).toBe(2);
    const db = await freshDb(['s']);
    await replayDecisionJournals(db);
    expect((await state(db, 's')).decisions).toEqual({ a: 'accepted', c: 'accepted' });
  });
});
