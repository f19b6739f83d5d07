import { expect, test } from '@playwright/test';
import { fixture, loadFile, openApp } from './helpers';

test('reload restores the dataset, decisions and view exactly', async ({ page }) => {
  await openApp(page, { demo: false });
  await loadFile(page, fixture('alpaca.jsonl'));
  await expect(page.getByTestId('row-count')).toHaveText('8');
  const rows = page.getByTestId('sample-row');
  await rows.nth(0).getByTestId('accept-button').click();
  await rows.nth(2).getByTestId('reject-button').click();
  await rows.nth(3).getByTestId('accept-button').click();
  const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id')));
  // View: sort by response length descending, select a sample.
  await page.getByRole('columnheader', { name: 'A len' }).click();
  await page.getByRole('columnheader', { name: /A len/ }).click();
  // The sort runs in time slices: wait for its result (longest response first) before reading the order.
  await expect(page.getByRole('columnheader', { name: /A len ▼/ })).toBeVisible();
  await expect(rows.nth(1)).toContainText('travel tagline');
  await expect(rows.last()).toContainText('antonym');
  await rows.nth(1).click();
  const selected = await rows.nth(1).getAttribute('data-sample-id');
  const order = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id')));

  await page.reload();
  await expect(page.getByTestId('row-count')).toHaveText('8');
  await expect(rows).toHaveCount(8);
  expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id')))).toEqual(order);
  await expect(page.getByRole('columnheader', { name: /A len ▼/ })).toBeVisible();
  await expect(page.locator(`[data-sample-id="${selected}"]`)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('sample-detail')).toBeVisible();
  const pressed = async (id: string | null, which: 'accept-button' | 'reject-button') =>
    page.locator(`[data-testid=sample-row][data-sample-id="${id}"]`).getByTestId(which).getAttribute('aria-pressed');
  expect(await pressed(ids[0]!, 'accept-button')).toBe('true');
  expect(await pressed(ids[2]!, 'reject-button')).toBe('true');
  expect(await pressed(ids[3]!, 'accept-button')).toBe('true');
  expect(await pressed(ids[1]!, 'accept-button')).toBe('false');
});

test('the text filter persists, and a decision made just before a reload is kept', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('filter-input').fill('python');
  await expect(page.getByTestId('shown-count')).toContainText('of 60 shown');
  await expect(page.getByTestId('shown-count')).not.toContainText('60 of 60');
  const shown = await page.getByTestId('sample-row').count();
  expect(shown).toBeGreaterThan(0);
  // The click and the reload run in one task, so the decision's IndexedDB transaction cannot commit
  // before the page goes away: only the write-ahead journal (persist/decisionJournal) can keep it.
  const firstId = await page.getByTestId('sample-row').first().getAttribute('data-sample-id');
  await page.getByTestId('sample-row').first().getByTestId('reject-button').evaluate((button: HTMLElement) => {
    button.click();
    location.reload();
  });
  await page.waitForLoadState('load');
  await expect(page.getByTestId('row-count')).toHaveText('60');
  await expect(page.getByTestId('sample-row').first()).toHaveAttribute('data-sample-id', firstId!);
  await expect(page.getByTestId('filter-input')).toHaveValue('python');
  await expect(page.getByTestId('sample-row')).toHaveCount(shown);
  await expect(page.getByTestId('sample-row').first().getByTestId('reject-button')).toHaveAttribute('aria-pressed', 'true');
});

test('saved sessions can be reopened and deleted', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('sample-row').first().getByTestId('accept-button').click();
  await loadFile(page, fixture('chat.jsonl'));
  await expect(page.getByTestId('row-count')).toHaveText('6');
  await page.getByTestId('sessions-button').click();
  const items = page.getByTestId('session-item');
  await expect(items).toHaveCount(2);
  await items.filter({ hasText: 'demo.jsonl' }).getByTestId('session-open').click();
  await expect(page.getByTestId('row-count')).toHaveText('60');
  await expect(page.getByTestId('sample-row').first().getByTestId('accept-button')).toHaveAttribute('aria-pressed', 'true');

  await page.getByTestId('sessions-button').click();
  page.once('dialog', (d) => void d.accept());
  await items.filter({ hasText: 'chat.jsonl' }).getByTestId('session-delete').click();
  await expect(items).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId('row-count')).toHaveText('60');
  await page.getByTestId('sessions-button').click();
  await expect(page.getByTestId('session-item')).toHaveCount(1);
});

test('a view change made just before a reload is kept, like a decision', async ({ page }) => {
  await openApp(page, { demo: false });
  await loadFile(page, fixture('alpaca.jsonl'));
  await expect(page.getByTestId('row-count')).toHaveText('8');
  // The sort and the reload run in one task: the IndexedDB write cannot commit before the page goes
  // away, only the synchronous view journal can keep it.
  await page.getByRole('columnheader', { name: 'A len' }).evaluate((header: HTMLElement) => {
    header.click();
    location.reload();
  });
  await page.waitForLoadState('load');
  await expect(page.getByTestId('row-count')).toHaveText('8');
  await expect(page.getByRole('columnheader', { name: /A len ▲/ })).toBeVisible();
  await expect(page.getByTestId('sample-row').first()).toContainText('antonym');
});
