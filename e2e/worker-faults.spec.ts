// The model worker dies in the middle of a scoring run (as a WASM abort or an out-of-memory kill
// would end it). The run must stop with a clear error instead of hanging, and Resume must carry on
// in a fresh worker, without a page reload, scoring only what is missing.
//
// The worker is killed through `window.__quarryTest.killModelWorker()`, a hook the app installs only
// when the URL has `?testhooks`: it terminates the worker and fires the Worker's 'error' event, the
// same path a real crash takes.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { startScoring, storedScores } from './helpers';

test.describe.configure({ timeout: 400_000 });

const N = 160; // 5 chunks of 32: the kill lands while later chunks are still to come

async function runState(page: Page) {
  const el = page.getByTestId('score-status');
  return {
    status: await el.getAttribute('data-status'),
    done: Number(await el.getAttribute('data-done')),
    total: Number(await el.getAttribute('data-total')),
    runScored: Number(await el.getAttribute('data-run-scored')),
  };
}

test('the model worker is killed mid-run: the run stops with an error and Resume finishes it without a reload', async ({ page }) => {
  const demo = readFileSync('public/demo/demo.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { instruction: string });
  const rows = Array.from({ length: N }, (_, i) => JSON.stringify({ ...demo[i % demo.length], instruction: `${demo[i % demo.length]!.instruction} (${i + 1})` }));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto('/?nodemo&testhooks');
  await page.getByTestId('dataset-file-input').setInputFiles({ name: 'many.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(rows.join('\n') + '\n') });
  await expect(page.getByTestId('row-count')).toHaveText(String(N));
  await startScoring(page);

  // Some chunks are scored, others not yet: kill the worker now.
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', 'running', { timeout: 240_000 });
  await expect.poll(async () => (await runState(page)).done, { timeout: 240_000 }).toBeGreaterThan(0);
  const killed = await page.evaluate(() => {
    const el = document.querySelector('[data-testid=score-status]')!;
    const at = { status: el.getAttribute('data-status'), done: Number(el.getAttribute('data-done')) };
    const hooks = (window as unknown as { __quarryTest?: { killModelWorker(reason?: string): boolean } }).__quarryTest;
    return { at, killed: hooks!.killModelWorker('killed by the e2e test (simulated out-of-memory abort)') };
  });
  expect(killed.killed).toBe(true);
  expect(killed.at.status).toBe('running');
  expect(killed.at.done).toBeLessThan(N);

  // The run stops, visibly, instead of showing "running" forever.
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', 'error', { timeout: 30_000 });
  await expect(page.getByTestId('score-error')).toContainText('model worker stopped');
  await expect(page.getByTestId('score-error')).toContainText('killed by the e2e test');
  const before = await storedScores(page);
  const stopped = await runState(page);
  expect(before.length).toBe(stopped.done);
  expect(stopped.done).toBeLessThan(N);

  // Resume: a fresh worker, the model loaded again, only the missing samples scored.
  await page.getByTestId('score-resume').click();
  // The stopped run's 'error' must give way to the resumed run first, or the wait below would match it.
  await expect(page.getByTestId('score-status')).not.toHaveAttribute('data-status', 'error', { timeout: 30_000 });
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', /done|error/, { timeout: 300_000 });
  await expect(page.getByTestId('score-error')).toHaveCount(0);
  const end = await runState(page);
  expect(end).toMatchObject({ status: 'done', done: N, total: N, runScored: N - before.length });
  const after = await storedScores(page);
  expect(after).toHaveLength(N);
  for (const r of before) expect(after).toContain(r);
  expect(errors).toEqual([]);
});
