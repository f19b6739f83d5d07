// The one writer of the open session's record. The record in `useDatasetStore` is immutable: every
// change goes through `updateSession`, which writes IndexedDB first and then replaces the store's
// record with a new object, so components that select it re-render, nothing mutates it in place, and
// what the screen shows is what a reload would read back.
import { getDb, type SessionRecord } from '../persist/db';
import { useDatasetStore } from './datasetStore';
import { reportWriteFailure } from './writeFailures';

export type SessionPatch = Partial<Omit<SessionRecord, 'id'>>;

/**
 * Applies `patch` (or the patch computed from the stored record) to session `sessionId` in one
 * IndexedDB transaction, then to the store (when that session is open). Rejects, after reporting the
 * failure on screen, when the write fails: the store is then left as it was.
 */
export async function updateSession(
  sessionId: string,
  patch: SessionPatch | ((stored: SessionRecord) => SessionPatch | null),
  what = 'session settings',
): Promise<SessionRecord | null> {
  const db = getDb();
  let next: SessionRecord | null = null;
  try {
    await db.transaction('rw', db.sessions, async () => {
      const stored = await db.sessions.get(sessionId);
      if (!stored) return;
      const p = typeof patch === 'function' ? patch(stored) : patch;
      if (!p) return;
      next = { ...stored, ...p, id: sessionId };
      await db.sessions.put(next);
    });
  } catch (err) {
    reportWriteFailure(what, err);
    throw err;
  }
  if (next) {
    const state = useDatasetStore.getState();
    if (state.session?.id === sessionId) state.replaceSession(next);
  }
  return next;
}
