// One writer per session across tabs (see persist/tabLocks). The tab that opens a session takes its
// lock and writes it; a tab that finds the lock held shows the session read-only, follows the owner's
// decisions live (BroadcastChannel), and can take the session over. The tab it was taken from becomes
// read-only at once (its lock request is aborted by the steal) and stops writing.
import { getDb } from '../persist/db';
import { acquireSessionLock, isSessionLocked, type SessionLock } from '../persist/tabLocks';
import { onDecisionsCommitted, useDecisionStore, type FinalDecision } from './decisionStore';

export const READ_ONLY_OTHER_TAB = 'This session is open in another tab, which saves its decisions. Here it is read-only.';
export const READ_ONLY_TAKEN = 'Another tab took this session over. Here it is now read-only.';

type TabMessage = { type: 'changed'; sessionId: string } | { type: 'deleted'; sessionId: string };

let held: SessionLock | null = null;
let channel: BroadcastChannel | null = null;
const deletedListeners = new Set<(sessionId: string) => void>();

function bus(): BroadcastChannel | null {
  if (channel || typeof BroadcastChannel === 'undefined') return channel;
  channel = new BroadcastChannel('quarry.tabs');
  channel.onmessage = (ev: MessageEvent<TabMessage>) => {
    const msg = ev.data;
    const { sessionId, readOnly } = useDecisionStore.getState();
    if (msg.type === 'changed' && msg.sessionId === sessionId && readOnly) void reloadDecisions(sessionId);
    if (msg.type === 'deleted') for (const l of deletedListeners) l(msg.sessionId);
  };
  return channel;
}

export function onSessionDeletedElsewhere(listener: (sessionId: string) => void): void {
  bus();
  deletedListeners.add(listener);
}

export function announceDeleted(sessionId: string): void {
  bus()?.postMessage({ type: 'deleted', sessionId } satisfies TabMessage);
}

/** Reads a session's decisions back from IndexedDB into the store (and its undo history). */
async function reloadDecisions(sessionId: string): Promise<void> {
  const decisions: Record<string, FinalDecision> = {};
  await getDb()
    .decisions.where('sessionId')
    .equals(sessionId)
    .each((d) => void (decisions[d.sampleId] = d.decision));
  if (useDecisionStore.getState().sessionId !== sessionId) return;
  const readOnly = useDecisionStore.getState().readOnly;
  useDecisionStore.getState().reset(sessionId, decisions);
  useDecisionStore.getState().setReadOnly(readOnly);
}

function watchLoss(lock: SessionLock): void {
  void lock.lost.then(() => {
    if (held !== lock) return;
    held = null;
    if (useDecisionStore.getState().sessionId === lock.sessionId) useDecisionStore.getState().setReadOnly(READ_ONLY_TAKEN);
  });
}

/**
 * Makes this tab the writer of `sessionId` if no other tab is (releasing the session it held before).
 * `lock` is one the caller already holds for it (a load). Returns whether this tab owns it.
 */
export async function claimSession(sessionId: string, lock: SessionLock | null = null): Promise<boolean> {
  bus();
  if (held && held.sessionId !== sessionId) {
    held.release();
    held = null;
  }
  if (!held) {
    held = lock ?? (await acquireSessionLock(sessionId));
    if (held) watchLoss(held);
  } else if (lock && lock !== held) lock.release();
  return held !== null;
}

/** Releases the session this tab writes (it was closed or deleted). */
export function releaseSession(sessionId: string): void {
  if (held?.sessionId === sessionId) {
    held.release();
    held = null;
  }
}

/** Takes the open session from the tab that writes it; this tab then writes it, with its latest state. */
export async function takeOver(sessionId: string): Promise<void> {
  const lock = await acquireSessionLock(sessionId, { steal: true });
  if (!lock) return;
  held?.release();
  held = lock;
  watchLoss(lock);
  // Wait for the other tab's last writes to land (a stolen tab stops writing at once), then reload.
  await new Promise((r) => setTimeout(r, 50));
  await reloadDecisions(sessionId);
  useDecisionStore.getState().setReadOnly(null);
}

/** True when another tab holds the session (this tab's own lock does not count). */
export async function heldByAnotherTab(sessionId: string): Promise<boolean> {
  if (held?.sessionId === sessionId) return false;
  return isSessionLocked(sessionId);
}

/**
 * After each of this tab's decision writes lands, the read-only tabs on the session reload it
 * (state/connectStores). Returns the unsubscribe.
 */
export function connectTabSync(): () => void {
  return onDecisionsCommitted((sessionId) => bus()?.postMessage({ type: 'changed', sessionId } satisfies TabMessage));
}
