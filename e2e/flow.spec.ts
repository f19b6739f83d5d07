import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { configureScoring, fixture, LOCAL_EMBEDDER, openApp, readDownload } from './helpers';

// The whole curation flow in one browser session, with the real local models: score with
// attacks, open a sample and see its diffs, decide five samples by keyboard, undo one, bulk-reject
// a score range, reload and find every decision, export and verify decisions and scores.
// Screenshots of the main views are kept in test-results/screenshots/.

test.describe.configure({ timeout: 300_000 });
test.use({ actionTimeout: 20_000 });
const SHOTS = 'test-results/screenshots';

async function decisionsById(page: Page): Promise<Record<string, string>> {
  const rows = page.getByTestId('sample-row');
  const out: Record<string, string> = {};
  for (const row of await rows.all()) {
    const id = (await row.getAttribute('data-sample-id'))!;
    const accepted = (await row.getByTestId('accept-button').getAttribute('aria-pressed')) === 'true';
    const rejected = (await row.getByTestId('reject-button').getAttribute('aria-pressed')) === 'true';
    out[id] = accepted ? 'accepted' : rejected ? 'rejected' : 'undecided';
  }
  return out;
}

const decidedCount = async (page: Page) => Object.values(await decisionsById(page)).filter((d) => d !== 'undecided').length;

/** Each sample's stored IFD (IndexedDB `quarry`, store `scores`, of the open session): exact, unlike the table's rounded cells. */
async function storedIfd(page: Page): Promise<Record<string, number | null>> {
  return page.evaluate(
    () =>
      new Promise<Record<string, number | null>>((resolve, reject) => {
        const open = indexedDB.open('quarry');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('scores').objectStore('scores').getAll();
          all.onerror = () => reject(all.error);
          all.onsuccess = () => {
            const session = localStorage.getItem('quarry.lastSession');
            const out: Record<string, number | null> = {};
            for (const r of all.result as { sessionId: string; sampleId: string; result: { scores: { ifd: number | null } } }[])
              if (r.sessionId === session) out[r.sampleId] = r.result.scores.ifd;
            db.close();
            resolve(out);
          };
        };
      }),
  );
}

test('score with attacks, review the diffs, decide by keyboard, undo, bulk-reject a range, reload, export', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  await openApp(page, { demo: false });
  await page.getByTestId('dataset-file-input').setInputFiles(fixture('alpaca.jsonl'));
  await expect(page.getByTestId('row-count')).toHaveText('8');

  // Score with two attacks (local llama2c + USE-lite embedder, WASM).
  await configureScoring(page, { attacks: ['textbugger', 'checklist'], variants: 2, embedModel: LOCAL_EMBEDDER });
  await page.screenshot({ path: `${SHOTS}/flow-score-settings.png` });
  await page.getByTestId('score-start').click();
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', /done|error/, { timeout: 240_000 });
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', 'done');

  // Open a sample: its variants with diffs.
  await page.getByTestId('sample-row').first().click();
  await expect(page.getByTestId('variant-card').first()).toBeVisible();
  await expect(page.getByTestId('variant-diff').first()).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/flow-table-and-sample.png` });
  await page.getByTestId('sample-detail').screenshot({ path: `${SHOTS}/flow-sample-variants.png` });

  // Decide five samples by keyboard (auto-advance moves on after each decision), then undo one.
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  for (const key of ['a', 'r', 'a', 'a', 'r']) await page.keyboard.press(key);
  await expect.poll(() => decidedCount(page)).toBe(5);
  await page.keyboard.press('u');
  await expect.poll(() => decidedCount(page)).toBe(4);
  const afterKeyboard = await decisionsById(page);

  // Bulk-reject every sample in an IFD range (one undo step).
  const ifd = await storedIfd(page);
  expect(Object.keys(ifd)).toHaveLength(8);
  const inRange = Object.entries(ifd)
    .filter(([, v]) => v !== null && v >= 0 && v <= 0.999)
    .map(([id]) => id)
    .sort();
  expect(inRange.length).toBeGreaterThan(0);
  await page.getByTestId('range-button-ifd').click();
  await page.getByTestId('range-min').fill('0');
  await page.getByTestId('range-max').fill('0.999');
  await page.getByTestId('range-apply').click();
  await expect(page.getByTestId('range-chip-ifd')).toBeVisible();
  await expect(page.getByTestId('shown-count')).toHaveText(inRange.length === 8 ? '8 shown' : `${inRange.length} of 8 shown`);
  await expect.poll(async () => (await page.getByTestId('sample-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id')!))).sort()).toEqual(inRange);
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('reject-filtered').click();
  await expect(page.getByTestId('sample-row').first().getByTestId('reject-button')).toHaveAttribute('aria-pressed', 'true');
  await page.screenshot({ path: `${SHOTS}/flow-bulk-rejected.png` });
  await page.getByTestId('range-chip-clear-ifd').click();
  await expect(page.getByTestId('sample-row')).toHaveCount(8);
  const expected = { ...afterKeyboard };
  for (const id of inRange) expected[id] = 'rejected';
  await expect.poll(() => decisionsById(page)).toEqual(expected);

  // Reload: every decision is still there.
  await page.reload();
  await expect(page.getByTestId('row-count')).toHaveText('8');
  await expect(page.getByTestId('sample-row')).toHaveCount(8);
  await expect.poll(() => decisionsById(page)).toEqual(expected);
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts-overlay')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/flow-shortcuts.png` });
  await page.keyboard.press('Escape');

  // Export: decisions and scores in the file.
  const { text } = await readDownload(page, () => page.getByTestId('export-jsonl').click());
  const rows = text.trim().split('\n').map((l) => JSON.parse(l));
  expect(rows).toHaveLength(8);
  for (const r of rows) {
    const want = expected[r.quarry.id];
    expect(r.quarry.decision).toBe(want === 'undecided' ? null : want);
    expect(r.quarry.scores.ifd).toBeCloseTo(r.quarry.scores.s_a_given_q / r.quarry.scores.s_a, 6);
    expect(r.quarry.variants.length).toBeGreaterThan(0);
    expect(r.quarry.scores.aifd).not.toBeNull();
    if (inRange.includes(r.quarry.id)) expect(r.quarry.scores.ifd).toBeLessThanOrEqual(0.999);
  }
});
