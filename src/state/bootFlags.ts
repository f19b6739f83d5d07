// How this page was opened. Read once at start.
//
// `?safe` opens without replaying journals, resuming runs or opening any session automatically: the
// way in after a crash that repeats on every load. `uncleanExit` is true when an earlier page of this
// origin ended without reaching `pagehide` (a renderer crash, a killed tab, a power cut): a run it
// left "running" then comes back paused instead of resuming by itself.
//
// How an unclean exit is told apart from another tab that is simply still open: each page holds a
// Web Lock `quarry.tab.<id>` for its whole life and marks itself alive under `quarry.tabAlive.<id>`,
// removing the mark on `pagehide`. The browser releases a dead page's lock, so a mark whose lock no
// one holds belongs to a page that died without `pagehide`.
const ALIVE_PREFIX = 'quarry.tabAlive.';
const LEGACY_CLEAN_KEY = 'quarry.cleanExit';

const params = typeof location === 'undefined' ? new URLSearchParams() : new URLSearchParams(location.search);

export const bootFlags = {
  safe: params.has('safe'),
  demo: !params.has('nodemo'),
  /** Set by `detectUncleanExit` at boot. */
  uncleanExit: false,
};

const tabId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Boot: marks this page alive and finds out whether an earlier one died (sets `bootFlags.uncleanExit`). */
export async function detectUncleanExit(): Promise<boolean> {
  try {
    if (typeof localStorage === 'undefined' || typeof navigator === 'undefined' || !navigator.locks) return false;
    localStorage.removeItem(LEGACY_CLEAN_KEY);
    // Hold this page's lock before marking it alive, so no other tab ever sees the mark without the lock.
    await new Promise<void>((granted) => {
      void navigator.locks.request(`quarry.tab.${tabId}`, () => {
        granted();
        return new Promise<void>(() => undefined); // held until the page goes away
      });
    });
    const held = new Set(((await navigator.locks.query()).held ?? []).map((l) => l.name));
    let unclean = false;
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const key = localStorage.key(i);
      if (!key?.startsWith(ALIVE_PREFIX) || held.has(`quarry.tab.${key.slice(ALIVE_PREFIX.length)}`)) continue;
      unclean = true;
      localStorage.removeItem(key);
    }
    const mark = () => localStorage.setItem(ALIVE_PREFIX + tabId, '1');
    mark();
    addEventListener('pagehide', () => localStorage.removeItem(ALIVE_PREFIX + tabId));
    addEventListener('pageshow', (ev) => void ((ev as PageTransitionEvent).persisted && mark())); // back from the back/forward cache
    bootFlags.uncleanExit = unclean;
    return unclean;
  } catch {
    return false; // storage or locks unavailable: assume a clean start
  }
}
