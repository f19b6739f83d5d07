// The main thread's long tasks, recorded from the page's first script on: shared by the frozen-page
// guards of e2e/scale.spec.ts and e2e/charts.spec.ts and by the UI benchmark (scripts/bench-ui.ts).
// Page-side code is plain JS in strings: under tsx (the benchmark) esbuild's keepNames would wrap a
// named function in a `__name` helper that does not exist in the page.
import type { Page } from '@playwright/test';

/** Init script (runs before any page script, on every navigation): records the durations of long tasks. */
export const LONG_TASK_OBSERVER = `(() => {
  const tasks = [];
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e.duration); });
  observer.observe({ type: 'longtask' });
  window.__longTasks = () => { for (const e of observer.takeRecords()) tasks.push(e.duration); return tasks.splice(0); };
})()`;

/** Takes (and clears) the durations (ms) of the long tasks seen since the last call. */
export const takeLongTasks = (page: Page) => page.evaluate('window.__longTasks()') as Promise<number[]>;

/**
 * A main-thread task this long means a frozen page, not a slow machine: the app is built to keep
 * every task under 200 ms (measured by `npm run bench:ui`), and the e2e guards only catch an
 * order-of-magnitude regression, so a busy shared machine never fails them.
 */
export const FROZEN_MS = 5_000;
