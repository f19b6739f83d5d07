// The open session's record is immutable: updateSession writes IndexedDB, then swaps in a new object.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW } from '../core/view';
import { getDb, type SessionRecord } from '../persist/db';
import { useDatasetStore } from './datasetStore';
import { updateSession } from './sessionRecord';
import { useWriteFailures } from './writeFailures';

const record = (id: string): SessionRecord => ({
  id, name: 'x.jsonl', fileName: 'x.jsonl', fileSize: 1, format: 'jsonl', shape: 'alpaca', mapping: null, status: 'ready',
  sampleCount: 0, issueCount: 0, createdAt: 1, updatedAt: 1, view: DEFAULT_VIEW,
});

describe('updateSession', () => {
  it('writes the record and replaces (never mutates) the one in the store', async () => {
    const original = Object.freeze(record('u1'));
    await getDb().sessions.put(original);
    useDatasetStore.getState().show(original, [], []);
    let renders = 0;
    const unsubscribe = useDatasetStore.subscribe((s, prev) => void (s.session !== prev.session && renders++));
    const next = await updateSession('u1', { name: 'renamed' });
    unsubscribe();
    expect(next?.name).toBe('renamed');
    expect(useDatasetStore.getState().session).not.toBe(original);
    expect(useDatasetStore.getState().session?.name).toBe('renamed');
    expect(original.name).toBe('x.jsonl');
    expect(renders).toBe(1); // subscribers (components) see the change
    expect((await getDb().sessions.get('u1'))?.name).toBe('renamed');
  });

  it('a patch computed from the stored record sees the latest write', async () => {
    await getDb().sessions.put(record('u2'));
    await Promise.all([
      updateSession('u2', (s) => ({ sampleCount: s.sampleCount + 1 })),
      updateSession('u2', (s) => ({ sampleCount: s.sampleCount + 1 })),
    ]);
    expect((await getDb().sessions.get('u2'))?.sampleCount).toBe(2);
  });

  it('a failed write leaves the store as it was and is shown', async () => {
    const original = record('u3');
    await getDb().sessions.put(original);
    useDatasetStore.getState().show(original, [], []);
    const db = getDb();
    const saved = db.transaction.bind(db);
    (db as unknown as { transaction: unknown }).transaction = () => Promise.reject(new DOMException('full', 'QuotaExceededError'));
    try {
      await expect(updateSession('u3', { name: 'lost' }, 'the session name')).rejects.toThrow();
    } finally {
      (db as unknown as { transaction: unknown }).transaction = saved;
    }
    expect(useDatasetStore.getState().session).toBe(original);
    expect(useWriteFailures.getState().failures.some((f) => f.what === 'the session name' && f.quota)).toBe(true);
  });
});
