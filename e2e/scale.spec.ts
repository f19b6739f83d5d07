// A 100k-sample JSONL loads with progress, can be scrolled and filtered, and is restored on reload,
// without ever freezing the page. How long that takes and how long the main thread is busy are
// measured by `npm run bench:ui` (scripts/bench-ui.ts), not here.
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { openApp } from './helpers';
import { FROZEN_MS, LONG_TASK_OBSERVER, takeLongTasks } from './longTasks';

const N = 100_000;
const LARGE = path.join(os.tmpdir(), `quarry-e2e-${N}.jsonl`);

test.describe.configure({ timeout: 600_000 });

test.beforeAll(() => {
  execFileSync('node', ['scripts/make-large.mjs', LARGE, String(N)], { stdio: 'inherit' });
});

test(`a ${N.toLocaleString('en-US')}-sample JSONL loads with progress, the page stays responsive, and reload restores it`, async ({ page }) => {
  await page.addInitScript({ content: LONG_TASK_OBSERVER });
  await openApp(page, { demo: false });

  await page.getByTestId('dataset-file-input').setInputFiles(LARGE);
  await expect(page.getByTestId('load-progress')).toBeVisible();
  await expect(page.getByTestId('row-count')).toHaveText(String(N), { timeout: 300_000 });
  await expect(page.getByTestId('sample-row').first()).toBeVisible();
  // Scroll and filter the full table.
  await page.getByTestId('table-body').evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  await page.getByTestId('filter-input').fill('ancient engine');
  await expect(page.getByTestId('shown-count')).toHaveText(new RegExp(`^[\\d,]+ of ${N.toLocaleString('en-US')} shown$`));
  const loadTasks = await takeLongTasks(page);
  expect(Math.max(0, ...loadTasks), `longest main-thread task (ms) while loading, of ${loadTasks.length} long tasks`).toBeLessThan(FROZEN_MS);

  await page.reload();
  await expect(page.getByTestId('row-count')).toHaveText(String(N), { timeout: 300_000 });
  await expect(page.getByTestId('filter-input')).toHaveValue('ancient engine');
  await expect(page.getByTestId('shown-count')).toHaveText(new RegExp(`^[\\d,]+ of ${N.toLocaleString('en-US')} shown$`));
  await expect(page.getByTestId('sample-row').first()).toBeVisible();
  const restoreTasks = await takeLongTasks(page);
  expect(Math.max(0, ...restoreTasks), `longest main-thread task (ms) while restoring, of ${restoreTasks.length} long tasks`).toBeLessThan(FROZEN_MS);
});
