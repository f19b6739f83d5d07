import { expect, test, type Page } from '@playwright/test';
import { LOCAL_EMBEDDER, openApp, readDownload, startScoring, storedScores } from './helpers';

test.describe.configure({ timeout: 300_000 });

const MODEL = 'llama2c-stories260K';

/** Waits for the scoring run to finish, failing at once with its message if it errors. */
async function waitForRun(page: Page) {
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', /done|error/, { timeout: 240_000 });
  await expect(page.getByTestId('score-error')).toHaveCount(0);
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', 'done');
}


test('scores the demo data with a model from the local server and shows scores in the table', async ({ page }) => {
  await openApp(page);
  await startScoring(page, { model: MODEL });
  await waitForRun(page);
  await expect(page.getByTestId('engine-device')).toContainText('WASM');
  const ifd = await page.getByTestId('cell-ifd').allTextContents();
  expect(ifd.length).toBeGreaterThan(0);
  for (const v of ifd) expect(Number(v)).toBeGreaterThan(0);
  await page.getByTestId('sample-row').first().click();
  await expect(page.getByTestId('score-ifd')).not.toHaveText('—');

  await page.getByTestId('sample-row').nth(2).getByTestId('accept-button').click();
  const { text } = await readDownload(page, () => page.getByTestId('export-jsonl').click());
  const rows = text.trim().split('\n').map((l) => JSON.parse(l));
  expect(rows).toHaveLength(60);
  for (const r of rows) {
    expect(r.quarry.template).toBe('alpaca');
    expect(r.quarry.model).toBe(MODEL);
    expect(r.quarry.scores.ifd).toBeCloseTo(r.quarry.scores.s_a_given_q / r.quarry.scores.s_a, 6);
    expect(r.quarry.scores.aifd).toBeNull();
  }

  // The exported file loads back with its ids, scores and decisions (e.g. CLI shards curated in the browser).
  await page.getByTestId('dataset-file-input').setInputFiles({ name: 'scored.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
  await expect(page.getByTestId('load-progress')).toHaveCount(0);
  await expect(page.getByTestId('row-count')).toHaveText('60');
  const ids = await page.getByTestId('sample-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id')));
  expect(ids).toEqual(rows.slice(0, ids.length).map((r) => r.quarry.id));
  // the imported scores are restored just after the rows are shown
  await expect(page.getByTestId('cell-ifd').first()).not.toHaveText('—');
  const reloadedIfd = await page.getByTestId('cell-ifd').allTextContents();
  expect(reloadedIfd).toEqual(rows.slice(0, reloadedIfd.length).map((r) => r.quarry.scores.ifd.toFixed(3)));
  await expect(page.getByTestId('sample-row').nth(2).getByTestId('accept-button')).toHaveAttribute('aria-pressed', 'true');
  const again = await readDownload(page, () => page.getByTestId('export-jsonl').click());
  expect(again.text.trim().split('\n').map((l) => JSON.parse(l))).toEqual(rows);
});

test('loads the model through the hub URL layout and resumes after a reload mid-run without re-scoring', async ({ page }) => {
  await openApp(page);
  // The real hub-loading code, pointed at the preview server's mirror of ../shared/models.
  await startScoring(page, { model: { hub: MODEL, host: new URL('/hf/', page.url()).href } });
  // Wait until some, but not all, samples are scored, then reload.
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  await expect.poll(async () => Number(await page.getByTestId('score-status').getAttribute('data-done')), { timeout: 120_000 }).toBeGreaterThan(0);
  // What the run bar says and what IndexedDB holds, right before the reload.
  const at = await page.evaluate(() => {
    const el = document.querySelector('[data-testid=score-status]')!;
    return { status: el.getAttribute('data-status'), done: Number(el.getAttribute('data-done')), total: Number(el.getAttribute('data-total')) };
  });
  const scoredBefore = await storedScores(page);
  expect(at.status).toBe('running');
  expect(at.total).toBe(60);
  expect(at.done).toBeLessThan(at.total);
  expect(scoredBefore.length).toBeGreaterThanOrEqual(at.done);
  expect(scoredBefore.length).toBeLessThan(60);
  await page.reload();
  await expect(page.getByTestId('row-count')).toHaveText('60');
  await waitForRun(page);
  const after = await storedScores(page);
  expect(after).toHaveLength(60);
  // Every result stored before the reload is still there, unchanged ...
  for (const r of scoredBefore) expect(after).toContain(r);
  // ... and the resumed run scored only what was missing (nothing stored before was scored again).
  const status = page.getByTestId('score-status');
  await expect(status).toHaveAttribute('data-done', '60');
  const scoredAfterReload = Number(await status.getAttribute('data-run-scored'));
  expect(scoredAfterReload).toBeLessThanOrEqual(60 - scoredBefore.length);
});

test('prompt attacks run inside the scoring run: variants, AIFD and consistency in the table and the export', async ({ page }) => {
  await openApp(page, { demo: false });
  await page.getByTestId('dataset-file-input').setInputFiles('e2e/fixtures/alpaca.jsonl');
  await expect(page.getByTestId('row-count')).toHaveText('8');
  await startScoring(page, { model: MODEL, attacks: ['textbugger', 'checklist'], variants: 2, embedModel: LOCAL_EMBEDDER });
  await waitForRun(page);
  const attackRate = Number(await page.getByTestId('score-attack-rate').getAttribute('data-rate'));
  expect(attackRate).toBeGreaterThan(0);
  console.log(`attack throughput in the browser (WASM, llama2c fp32 + USE-lite): ${attackRate.toFixed(2)} variants/s`);
  const aifd = (await page.getByTestId('cell-aifd').allTextContents()).map(Number);
  expect(aifd).toHaveLength(8);
  for (const v of aifd) expect(v).toBeGreaterThan(0);

  const { text } = await readDownload(page, () => page.getByTestId('export-jsonl').click());
  const rows = text.trim().split('\n').map((l) => JSON.parse(l));
  for (const r of rows) {
    const { scores, variants } = r.quarry;
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) {
      expect(['textbugger', 'checklist']).toContain(v.attack);
      expect(v.instruction).not.toBe(r.instruction);
      expect(v.similarity).toBeGreaterThanOrEqual(0.8);
      expect(v.aifd).toBeCloseTo(v.s_a_given_q / scores.s_a, 6);
      expect(v.dist_consistency).toBeGreaterThan(0);
      expect(v.dist_consistency).toBeLessThanOrEqual(1);
      expect(v.edits.length).toBeGreaterThan(0);
    }
    const mean = variants.reduce((a: number, v: { aifd: number }) => a + v.aifd, 0) / variants.length;
    expect(scores.aifd).toBeCloseTo(mean, 6);
    expect(scores.aifd_gap).toBeCloseTo(scores.aifd - scores.ifd, 6);
  }
});
