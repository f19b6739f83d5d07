// Charts and score filters: histograms, the IFD × AIFD scatter with brushing, per-attack
// AIFD rise, acceptance; range filters on every score column, score sorts, persistence; and a
// 100k-sample test that brushes, filters and sorts while watching that the main thread never freezes.
// How long each step's tasks take is measured by `npm run bench:ui` (scripts/bench-ui.ts), not here.
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixture, loadFile, openApp } from './helpers';
import { FROZEN_MS, LONG_TASK_OBSERVER, takeLongTasks } from './longTasks';
import { brush, clickBar, inRanges, readRanges, setRange, shownText, type Ranges, type ScoreKey } from './scoreFilters';

interface Rec {
  id: string;
  /** instruction, input and response, lower-cased (for the text filter). */
  text: string;
  scores: Record<ScoreKey, number | null> | null;
  decision: 'accepted' | 'rejected' | null;
}

const SMALL_N = 400;
const LARGE_N = 100_000;
let TMP = '';
let SMALL = '';
const LARGE = path.join(os.tmpdir(), `quarry-e2e-scored-${LARGE_N}.jsonl`);

function generate(out: string, n: number): Rec[] {
  execFileSync('node', ['scripts/make-large-scored.mjs', out, String(n)], { stdio: 'inherit' });
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const r = JSON.parse(line) as { instruction: string; input: string; output: string; quarry: Omit<Rec, 'text'> };
      return { ...r.quarry, text: `${r.instruction}\n${r.input}\n${r.output}`.toLowerCase() };
    });
}

function matching(recs: Rec[], ranges: Ranges): Rec[] {
  return recs.filter((r) => inRanges(r.scores, ranges));
}

/** Whether the virtualised table has rendered rows covering its whole viewport (after a scroll). */
function viewportRendered(page: Page): Promise<boolean> {
  return page.getByTestId('table-body').evaluate((el) => {
    const box = el.getBoundingClientRect();
    const top = box.top;
    const bottom = Math.min(top + el.clientHeight, top + el.scrollHeight - el.scrollTop);
    const rows = Array.from(el.querySelectorAll('[data-testid=sample-row]')).map((r) => r.getBoundingClientRect());
    return rows.some((r) => r.top <= top + 1 && r.bottom > top) && rows.some((r) => r.top < bottom && r.bottom >= bottom - 1);
  });
}

/** Scrolls the virtualised table from top to bottom and returns every row's sample id. */
async function allRowIds(page: Page): Promise<string[]> {
  const body = page.getByTestId('table-body');
  await body.evaluate((el) => (el.scrollTop = 0));
  const ids = new Set<string>();
  for (;;) {
    await expect.poll(() => viewportRendered(page), { message: 'the rows in view are rendered' }).toBe(true);
    for (const id of await page.getByTestId('sample-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id')!))) ids.add(id);
    const done = await body.evaluate((el) => {
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return true;
      el.scrollTop += el.clientHeight - 40;
      return false;
    });
    if (done) break;
  }
  return [...ids];
}

/** The view saved in the open session's record (IndexedDB `quarry`, store `sessions`). */
async function storedView(page: Page): Promise<unknown> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('quarry');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const get = db.transaction('sessions').objectStore('sessions').get(localStorage.getItem('quarry.lastSession') ?? '');
          get.onerror = () => reject(get.error);
          get.onsuccess = () => {
            db.close();
            resolve((get.result as { view?: unknown } | undefined)?.view ?? null);
          };
        };
      }),
  );
}

async function cellValues(page: Page, key: ScoreKey): Promise<number[]> {
  return (await page.getByTestId(`cell-${key}`).allTextContents()).map((t) => (t === '—' ? Number.NaN : Number(t)));
}

test.describe('charts and score filters', () => {
  let recs: Rec[] = [];
  test.beforeAll(() => {
    TMP = mkdtempSync(path.join(os.tmpdir(), 'quarry-charts-'));
    SMALL = path.join(TMP, `scored-${SMALL_N}.jsonl`);
    recs = generate(SMALL, SMALL_N);
  });
  test.afterAll(() => rmSync(TMP, { recursive: true, force: true }));

  test('charts show the scores; brushing, bars and column ranges filter the table; sorts; reload keeps the ranges', async ({ page }) => {
    await openApp(page, { demo: false });
    await loadFile(page, SMALL);
    await expect(page.getByTestId('row-count')).toHaveText(String(SMALL_N));

    // Charts reflect the scored samples.
    const scored = recs.filter((r) => r.scores).length;
    await expect(page.getByTestId('charts-scored')).toHaveText(`${scored} of ${SMALL_N} samples scored`);
    for (const id of ['scatter', 'hist-ifd', 'hist-aifd', 'hist-aifd_gap', 'hist-dist_consistency', 'hist-embed_consistency', 'attack-chart', 'acceptance'])
      await expect(page.getByTestId(id)).toBeVisible();
    await expect(page.getByTestId('hist-ifd')).toContainText(`${scored} scored`);
    await expect(page.getByTestId('scatter-sample-note')).toHaveText(`${scored} points`);
    await expect(page.getByTestId('acceptance-accepted')).toContainText(String(recs.filter((r) => r.decision === 'accepted').length));
    await expect(page.getByTestId('acceptance-rejected')).toContainText(String(recs.filter((r) => r.decision === 'rejected').length));
    await expect(page.getByTestId('acceptance-undecided')).toContainText(String(recs.filter((r) => !r.decision).length));
    // textbugger is generated to hurt most, checklist least.
    await expect(page.getByTestId('attack-chart')).toContainText('textbugger');
    await expect(page.getByTestId('attack-chart')).toHaveAttribute('data-order', /^textbugger( \S+)* checklist$/);

    // Brush the scatter: the table shows exactly the samples inside the IFD and AIFD ranges.
    await brush(page, [0.2, 0.15], [0.65, 0.75]);
    await expect(page.getByTestId('range-chip-ifd')).toBeVisible();
    await expect(page.getByTestId('range-chip-aifd')).toBeVisible();
    const brushed = await readRanges(page);
    expect(Object.keys(brushed).sort()).toEqual(['aifd', 'ifd']);
    const inBrush = matching(recs, brushed);
    expect(inBrush.length).toBeGreaterThan(10);
    expect(inBrush.length).toBeLessThan(scored);
    await expect(page.getByTestId('shown-count')).toHaveText(shownText(inBrush.length, SMALL_N));
    expect((await allRowIds(page)).sort()).toEqual(inBrush.map((r) => r.id).sort());
    for (const v of await cellValues(page, 'ifd')) expect(v).toBeGreaterThanOrEqual(brushed.ifd!.min! - 5e-4);
    await expect(page.getByTestId('scatter-brush-rect')).toBeVisible();
    await page.getByTestId('table-body').evaluate((el) => (el.scrollTop = 0));
    mkdirSync('test-results/screenshots', { recursive: true });
    await page.screenshot({ path: 'test-results/screenshots/charts.png' });

    // A click (no drag) on the scatter selects the grid cell under the pointer.
    const plot = (await page.getByTestId('scatter-brush').boundingBox())!;
    await page.mouse.click(plot.x + plot.width * 0.45, plot.y + plot.height * 0.45);
    await expect.poll(async () => (await readRanges(page)).ifd?.min).not.toBe(brushed.ifd!.min);
    const cell = await readRanges(page);
    expect(cell.ifd!.min).toBeLessThan(cell.ifd!.max!);
    expect(cell.aifd!.min).toBeLessThan(cell.aifd!.max!);
    await expect(page.getByTestId('shown-count')).toHaveText(shownText(matching(recs, cell).length, SMALL_N));

    // Clear the brush; click a histogram bar: that score's range.
    await page.getByTestId('scatter-clear').click();
    await expect(page.getByTestId('range-chips')).toHaveCount(0);
    await expect(page.getByTestId('shown-count')).toHaveText(shownText(SMALL_N, SMALL_N));
    await clickBar(page, 'hist-aifd_gap', 0.3);
    await expect(page.getByTestId('range-chip-aifd_gap')).toBeVisible();
    const barRange = await readRanges(page);
    await expect(page.getByTestId('shown-count')).toHaveText(shownText(matching(recs, barRange).length, SMALL_N));
    await page.getByTestId('range-chip-clear-aifd_gap').click();
    await expect(page.getByTestId('range-chips')).toHaveCount(0);

    // A range typed in a column header.
    await setRange(page, 'dist_consistency', '0.9', '');
    await expect(page.getByTestId('range-chip-dist_consistency')).toContainText('Dist. consistency ≥ 0.9');
    const dist = matching(recs, { dist_consistency: { min: 0.9, max: null } });
    await expect(page.getByTestId('shown-count')).toHaveText(shownText(dist.length, SMALL_N));
    for (const v of await cellValues(page, 'dist_consistency')) expect(v).toBeGreaterThanOrEqual(0.9 - 5e-4);
    await setRange(page, 's_a', '1', '3');
    const both = matching(recs, { dist_consistency: { min: 0.9, max: null }, s_a: { min: 1, max: 3 } });
    await expect(page.getByTestId('shown-count')).toHaveText(shownText(both.length, SMALL_N));

    // Sort by a score column: ascending, then descending (the sort runs in time slices: wait for the
    // expected first value, then check the order).
    const gaps = both.map((r) => r.scores!.aifd_gap!);
    const isSorted = (v: number[], dir: 1 | -1) => v.every((x, i) => i === 0 || dir * (x - v[i - 1]!) >= 0);
    await page.getByTestId('header-aifd_gap').click();
    await expect(page.getByTestId('header-aifd_gap')).toHaveAttribute('aria-sort', 'ascending');
    await expect.poll(async () => (await cellValues(page, 'aifd_gap'))[0]).toBeCloseTo(Math.min(...gaps), 3);
    await expect.poll(async () => isSorted(await cellValues(page, 'aifd_gap'), 1)).toBe(true);
    expect((await cellValues(page, 'aifd_gap')).length).toBeGreaterThan(5);
    await page.getByTestId('header-aifd_gap').click();
    await expect(page.getByTestId('header-aifd_gap')).toHaveAttribute('aria-sort', 'descending');
    await expect.poll(async () => (await cellValues(page, 'aifd_gap'))[0]).toBeCloseTo(Math.max(...gaps), 3);
    await expect.poll(async () => isSorted(await cellValues(page, 'aifd_gap'), -1)).toBe(true);
    const desc = await cellValues(page, 'aifd_gap');

    // Reload: the ranges (and the sort) come back with the session, once the view is stored.
    const ranges = { s_a: { min: 1, max: 3 }, dist_consistency: { min: 0.9, max: null } };
    await expect.poll(() => storedView(page)).toMatchObject({ sort: { key: 'aifd_gap', dir: 'desc' }, ranges });
    await page.reload();
    await expect(page.getByTestId('row-count')).toHaveText(String(SMALL_N));
    await expect(page.getByTestId('range-chip-dist_consistency')).toBeVisible();
    await expect(page.getByTestId('range-chip-s_a')).toBeVisible();
    await expect.poll(() => readRanges(page)).toEqual(ranges);
    await expect(page.getByTestId('shown-count')).toHaveText(shownText(both.length, SMALL_N));
    await expect(page.getByTestId('header-aifd_gap')).toHaveAttribute('aria-sort', 'descending');
    await expect.poll(() => cellValues(page, 'aifd_gap')).toEqual(desc);
  });

  test('unscored rows sort last; columns can be hidden; the panel remembers it is closed; no scores: a hint', async ({ page }) => {
    await openApp(page, { demo: false });
    await loadFile(page, SMALL);
    await expect(page.getByTestId('row-count')).toHaveText(String(SMALL_N));
    await page.getByTestId('header-ifd').click();
    await page.getByTestId('header-ifd').click();
    await expect(page.getByTestId('header-ifd')).toHaveAttribute('aria-sort', 'descending');
    await page.getByTestId('table-body').evaluate((el) => (el.scrollTop = el.scrollHeight));
    const unscored = recs.filter((r) => !r.scores).length;
    expect(unscored).toBeGreaterThan(0);
    await expect.poll(async () => (await cellValues(page, 'ifd')).slice(-unscored).every(Number.isNaN)).toBe(true);

    await page.getByTestId('columns-button').click();
    await page.getByTestId('column-toggle-s_a_given_q').uncheck();
    await expect(page.getByTestId('header-s_a_given_q')).toHaveCount(0);
    await page.keyboard.press('Escape');

    await page.getByTestId('charts-toggle').click();
    await expect(page.getByTestId('charts-body')).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId('row-count')).toHaveText(String(SMALL_N));
    await expect(page.getByTestId('charts-panel')).toBeVisible();
    await expect(page.getByTestId('charts-body')).toHaveCount(0);
    await expect(page.getByTestId('header-s_a_given_q')).toHaveCount(0);
    await page.getByTestId('charts-toggle').click();
    await expect(page.getByTestId('scatter')).toBeVisible();

    await loadFile(page, fixture('alpaca.jsonl'));
    await expect(page.getByTestId('row-count')).toHaveText('8');
    await expect(page.getByTestId('charts-hint')).toBeVisible();
  });
});

test.describe('charts at scale', () => {
  test.describe.configure({ timeout: 600_000 });
  let recs: Rec[] = [];
  test.beforeAll(() => {
    recs = generate(LARGE, LARGE_N);
  });

  test(`${LARGE_N.toLocaleString('en-US')} scored samples: brushing, range filters and score sorts show the right rows and never freeze the page`, async ({ page }) => {
    await page.addInitScript({ content: LONG_TASK_OBSERVER });
    await openApp(page, { demo: false });
    await loadFile(page, LARGE);
    await expect(page.getByTestId('row-count')).toHaveText(String(LARGE_N), { timeout: 400_000 });
    const scored = recs.filter((r) => r.scores).length;
    await expect(page.getByTestId('charts-scored')).toHaveText(`${scored.toLocaleString('en-US')} of ${LARGE_N.toLocaleString('en-US')} samples scored`, { timeout: 60_000 });
    await expect(page.getByTestId('scatter-sample-note')).toContainText(`of ${scored.toLocaleString('en-US')} shown`);
    const shownPoints = Number((await page.getByTestId('scatter-sample-note').textContent())!.split(' of ')[0]!.replace(/,/g, ''));
    expect(shownPoints).toBeLessThanOrEqual(2000);
    const tasks: number[] = await takeLongTasks(page);

    const expectShown = (ranges: Ranges) => expect(page.getByTestId('shown-count')).toHaveText(shownText(matching(recs, ranges).length, LARGE_N), { timeout: 30_000 });
    // Brushing the scatter.
    await brush(page, [0.25, 0.2], [0.6, 0.7]);
    await expect(page.getByTestId('range-chip-aifd')).toBeVisible();
    const firstBrush = await readRanges(page);
    await expectShown(firstBrush);
    await brush(page, [0.3, 0.25], [0.75, 0.8]);
    await expect.poll(() => readRanges(page)).not.toEqual(firstBrush);
    await expectShown(await readRanges(page));
    // A score sort, a range typed in a header, another sort.
    await page.getByTestId('header-ifd').click();
    await expect(page.getByTestId('header-ifd')).toHaveAttribute('aria-sort', 'ascending');
    await setRange(page, 'dist_consistency', '0.8', '0.98');
    await expect(page.getByTestId('range-chip-dist_consistency')).toBeVisible();
    await expectShown(await readRanges(page));
    await page.getByTestId('header-aifd_gap').click();
    await expect(page.getByTestId('header-aifd_gap')).toHaveAttribute('aria-sort', 'ascending');
    await expect(page.getByTestId('sample-row').first()).toBeVisible();
    // A histogram bar, then a text filter on top of its range.
    await page.getByTestId('range-clear-all').click();
    await expectShown({});
    await clickBar(page, 'hist-ifd', 0.5);
    await expect(page.getByTestId('range-chip-ifd')).toBeVisible();
    await expectShown(await readRanges(page));
    await page.getByTestId('filter-input').fill('ocean energy');
    const inRange = matching(recs, await readRanges(page)).filter((r) => r.text.includes('ocean energy'));
    await expect(page.getByTestId('shown-count')).toHaveText(shownText(inRange.length, LARGE_N), { timeout: 30_000 });
    // Clear everything; scroll through the table.
    await page.getByTestId('filter-input').fill('');
    await page.getByTestId('range-chip-clear-ifd').click();
    await expectShown({});
    for (let i = 1; i <= 5; i++) await page.getByTestId('table-body').evaluate((el, f) => (el.scrollTop = el.scrollHeight * f), i / 6);
    await expect.poll(() => viewportRendered(page)).toBe(true);

    mkdirSync('test-results/screenshots', { recursive: true });
    await page.screenshot({ path: 'test-results/screenshots/charts-scale.png' });
    tasks.push(...(await takeLongTasks(page)));
    expect(Math.max(0, ...tasks), `longest main-thread task (ms) of ${tasks.length} long tasks`).toBeLessThan(FROZEN_MS);
  });
});
