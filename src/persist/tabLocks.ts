// Which tab writes a session. Each open session is owned by one tab, which holds the Web Lock
// `quarry.session.<id>` for as long as it has the session open (a load holds it for the session it is
// writing). A second tab that opens the same session gets it read-only and can take it over (the lock
// is stolen: the first tab is told and becomes read-only). Boot asks the lock before it deletes a
// half-loaded session or replays a session's journal, so it never touches what a live tab is writing.
// Locks are released by the browser when a tab closes or crashes, so nothing is ever left locked.
//
// Without Web Locks (Node tests, very old browsers) every tab acts as the owner.

export function sessionLockName(sessionId: string): string {
  return `quarry.session.${sessionId}`;
}

function locks(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}

/** A held session lock: `release()` gives it back; `lost` resolves if another tab steals it. */
export interface SessionLock {
  readonly sessionId: string;
  release(): void;
  readonly lost: Promise<void>;
}

/**
 * Takes the session's lock: `steal` takes it from the tab that holds it. Resolves null when another
 * tab holds it (and `steal` is false).
 */
export async function acquireSessionLock(sessionId: string, { steal = false } = {}): Promise<SessionLock | null> {
  const manager = locks();
  if (!manager) return { sessionId, release: () => undefined, lost: new Promise<void>(() => undefined) };
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let onLost!: () => void;
  const lost = new Promise<void>((r) => (onLost = r));
  const granted = await new Promise<boolean>((resolveGranted) => {
    const options: LockOptions = steal ? { mode: 'exclusive', steal: true } : { mode: 'exclusive', ifAvailable: true };
    manager
      .request(sessionLockName(sessionId), options, async (lock) => {
        resolveGranted(lock !== null);
        if (lock) await released;
      })
      .catch((err: unknown) => {
        // Another tab stole the lock: the request's promise rejects with AbortError.
        if ((err as Error)?.name === 'AbortError') onLost();
        resolveGranted(false);
      });
  });
  return granted ? { sessionId, release, lost } : null;
}

/** True when some tab (this one included) holds the session's lock right now. */
export async function isSessionLocked(sessionId: string): Promise<boolean> {
  const manager = locks();
  if (!manager) return false;
  const state = await manager.query();
  return (state.held ?? []).some((l) => l.name === sessionLockName(sessionId));
}

/**
 * Runs `fn` while holding the session's lock if no other tab holds it; returns false (without running
 * it) when one does.
 */
export async function withSessionLockIfFree(sessionId: string, fn: () => Promise<void>): Promise<boolean> {
  const manager = locks();
  if (!manager) {
    await fn();
    return true;
  }
  return manager.request(sessionLockName(sessionId), { mode: 'exclusive', ifAvailable: true }, async (lock) => {
    if (!lock) return false;
    await fn();
    return true;
  });
}
