import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fixture, loadFile, openApp, readDownload } from './helpers';

test('JSONL export round-trips every original record, with id and decision', async ({ page }) => {
  await openApp(page, { demo: false });
  await loadFile(page, fixture('alpaca.jsonl'));
  await expect(page.getByTestId('row-count')).toHaveText('8');
  const rows = page.getByTestId('sample-row');
  await rows.nth(1).getByTestId('accept-button').click();
  await rows.nth(4).getByTestId('reject-button').click();

  const { name, text } = await readDownload(page, () => page.getByTestId('export-jsonl').click());
  expect(name).toMatch(/\.jsonl$/);
  const input = readFileSync(fixture('alpaca.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const output = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  expect(output).toHaveLength(input.length);
  const decisions = output.map((o) => o.quarry.decision);
  expect(decisions).toEqual([null, 'accepted', null, null, 'rejected', null, null, null]);
  const ids = new Set(output.map((o) => o.quarry.id));
  expect(ids.size).toBe(input.length);
  for (const [i, o] of output.entries()) {
    const { quarry, ...raw } = o;
    expect(raw).toEqual(input[i]);
    expect(typeof quarry.id).toBe('string');
  }
});

test('accepted-only and rejected-only exports, and CSV with formula cells escaped', async ({ page }) => {
  await openApp(page, { demo: false });
  await loadFile(page, fixture('qa.csv'));
  await expect(page.getByTestId('row-count')).toHaveText('7');
  const rows = page.getByTestId('sample-row');
  await rows.nth(0).getByTestId('accept-button').click();
  await rows.nth(1).getByTestId('reject-button').click();
  await rows.nth(2).getByTestId('reject-button').click();

  await page.getByTestId('export-menu').click();
  const rejected = await readDownload(page, () => page.getByTestId('export-rejected-jsonl').click());
  const rejectedRows = rejected.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  expect(rejectedRows.map((r) => r.quarry.decision)).toEqual(['rejected', 'rejected']);

  await page.getByTestId('export-menu').click();
  const accepted = await readDownload(page, () => page.getByTestId('export-accepted-jsonl').click());
  expect(accepted.text.split('\n').filter(Boolean).map((l) => JSON.parse(l).quarry.decision)).toEqual(['accepted']);

  await page.getByTestId('export-menu').click();
  const csv = await readDownload(page, () => page.getByTestId('export-all-csv').click());
  expect(csv.name).toMatch(/\.csv$/);
  expect(csv.text).toContain("'=SUM(1,2)");
  expect(csv.text).not.toMatch(/(^|,)=SUM/m);
  expect(csv.text.split(/\r?\n/)[0]).toMatch(/^question,answer,topic,quarry_id,quarry_decision/);
});
