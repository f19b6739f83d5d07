// How this page was opened. Read once at start.
//
// `?safe` opens without replaying journals, resuming runs or opening any session automatically: the
// way in after a crash that repeats on every load. `uncleanExit` is true when the previous page of this
// origin did not reach `pagehide` (a renderer crash, a killed tab, a power cut): a run it left
// "running" then comes back paused instead of resuming by itself.
const CLEAN_KEY = 'quarry.cleanExit';

function readUnclean(): boolean {
  try {
    const was = localStorage.getItem(CLEAN_KEY);
    // Marked dirty while this page lives; pagehide marks it clean again.
    localStorage.setItem(CLEAN_KEY, '0');
    addEventListener('pagehide', () => {
      try {
        localStorage.setItem(CLEAN_KEY, '1');
      } catch {
        /* storage unavailable: nothing to record */
      }
    });
    return was === '0';
  } catch {
    return false;
  }
}

const params = typeof location === 'undefined' ? new URLSearchParams() : new URLSearchParams(location.search);

export const bootFlags = {
  safe: params.has('safe'),
  demo: !params.has('nodemo'),
  uncleanExit: typeof localStorage === 'undefined' ? false : readUnclean(),
};
