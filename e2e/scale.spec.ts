import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openApp } from './helpers';

const N = 100_000;
const LARGE = path.join(os.tmpdir(), `quarry-e2e-${N}.jsonl`);

test.describe.configure({ timeout: 600_000 });

test.beforeAll(() => {
  execFileSync('node', ['scripts/make-large.mjs', LARGE, String(N)], { stdio: 'inherit' });
});

/** Installs a long-task observer in the page; returns a getter for the longest task seen since. */
async function watchLongTasks(page: import('@playwright/test').Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  return () => page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
}

test(`a ${N.toLocaleString()}-sample JSONL loads with progress, the page stays responsive, and reload restores it`, async ({ page }) => {
  await openApp(page, { demo: false });
  const longTasks = await watchLongTasks(page);

  const t0 = Date.now();
  await page.getByTestId('dataset-file-input').setInputFiles(LARGE);
  await expect(page.getByTestId('load-progress')).toBeVisible();
  await expect(page.getByTestId('row-count')).toHaveText(String(N), { timeout: 300_000 });
  const loadMs = Date.now() - t0;
  await expect(page.getByTestId('sample-row').first()).toBeVisible();
  // Scroll and filter the full table while watching the main thread.
  await page.getByTestId('table-body').evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  await page.getByTestId('filter-input').fill('ancient engine');
  await expect(page.getByTestId('shown-count')).toContainText(`of ${N.toLocaleString('en-US')}`);
  const loadTasks = await longTasks();

  const t1 = Date.now();
  await page.reload();
  const reloadTasks = await watchLongTasks(page);
  await expect(page.getByTestId('row-count')).toHaveText(String(N), { timeout: 300_000 });
  const restoreMs = Date.now() - t1;
  const restoreLong = await reloadTasks();

  const result = {
    samples: N,
    loadMs,
    restoreMs,
    longestTaskWhileLoadingMs: Math.max(0, ...loadTasks),
    longTasksWhileLoading: loadTasks.length,
    longestTaskWhileRestoringMs: Math.max(0, ...restoreLong),
  };
  console.log('scale:', JSON.stringify(result));
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/scale.json', JSON.stringify(result, null, 2));
  expect(result.longestTaskWhileLoadingMs).toBeLessThan(200);
});
