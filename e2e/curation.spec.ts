import { expect, test, type Page } from '@playwright/test';
import { openApp } from './helpers';

// Keyboard-first curation on the demo dataset (60 samples; 7 of them mention "python").

const rowById = (page: Page, id: string) => page.locator(`[data-testid=sample-row][data-sample-id="${id}"]`);

/** 'accepted' | 'rejected' | 'undecided', read from the row's toggle buttons. */
async function decisionOf(page: Page, id: string): Promise<string> {
  const row = rowById(page, id);
  if ((await row.getByTestId('accept-button').getAttribute('aria-pressed')) === 'true') return 'accepted';
  if ((await row.getByTestId('reject-button').getAttribute('aria-pressed')) === 'true') return 'rejected';
  return 'undecided';
}

async function expectDecisions(page: Page, expected: Record<string, string>): Promise<void> {
  for (const [id, d] of Object.entries(expected)) await expect.poll(() => decisionOf(page, id), { message: `decision of ${id}` }).toBe(d);
}

async function expectSelected(page: Page, id: string): Promise<void> {
  await expect(rowById(page, id)).toHaveAttribute('aria-selected', 'true');
}

async function firstIds(page: Page, n: number): Promise<string[]> {
  const ids = await page.getByTestId('sample-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id') ?? ''));
  return ids.slice(0, n);
}

test('decide, undo and redo by keyboard; bulk-reject the filtered rows as one step; history survives reload', async ({ page }) => {
  await openApp(page);
  await expect(page.getByTestId('auto-advance')).toBeChecked();
  const ids = await firstIds(page, 8);
  const [id0, id1, id2, id3, id4, id5] = ids as [string, string, string, string, string, string];
  await expect(page.getByTestId('undo-button')).toBeDisabled();
  await expect(page.getByTestId('redo-button')).toBeDisabled();

  // j selects the first row; a/r decide and auto-advance.
  await page.keyboard.press('j');
  await expectSelected(page, id0);
  for (const k of ['a', 'r', 'a', 'r', 'a']) await page.keyboard.press(k);
  await expectDecisions(page, { [id0]: 'accepted', [id1]: 'rejected', [id2]: 'accepted', [id3]: 'rejected', [id4]: 'accepted', [id5]: 'undecided' });
  await expectSelected(page, id5);
  await expect(page.locator('.tally.accepted')).toHaveText('3 accepted');
  await expect(page.locator('.tally.rejected')).toHaveText('2 rejected');
  await expect(page.getByTestId('undo-button')).toContainText('Undo Accept (1)');

  // u undoes the last decision and returns to its sample; so does Ctrl+Z; Shift+U redoes.
  await page.keyboard.press('u');
  await expectDecisions(page, { [id4]: 'undecided' });
  await expectSelected(page, id4);
  await page.keyboard.press('Control+z');
  await expectDecisions(page, { [id3]: 'undecided' });
  await expectSelected(page, id3);
  await expect(page.getByTestId('redo-button')).toContainText('Redo Reject (1)');
  await page.keyboard.press('Shift+U');
  await expectDecisions(page, { [id3]: 'rejected', [id4]: 'undecided' });
  await expect(page.getByTestId('redo-button')).toContainText('Redo Accept (1)');
  await page.keyboard.press('k');
  await expectSelected(page, id2);

  // Filter by typing: the letters are text, not shortcuts (t would toggle auto-advance, a accept…).
  await page.keyboard.press('/');
  await expect(page.getByTestId('filter-input')).toBeFocused();
  await page.keyboard.type('python');
  await expect(page.getByTestId('shown-count')).toHaveText('7 of 60 shown');
  await expect(page.getByTestId('auto-advance')).toBeChecked();
  await expect(page.getByTestId('shortcuts-overlay')).toHaveCount(0);
  await page.keyboard.press('Escape'); // leaves the field, keeps the text
  await expect(page.getByTestId('filter-input')).not.toBeFocused();
  await expect(page.getByTestId('filter-input')).toHaveValue('python');

  // Bulk-reject the 7 shown rows: confirm shows the count; one undo step.
  const shown = await page.getByTestId('sample-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id') ?? ''));
  expect(shown).toHaveLength(7);
  expect(shown).toContain(id2); // accepted above: the bulk step changes it, undo restores it
  let message = '';
  page.once('dialog', (d) => {
    message = d.message();
    void d.accept();
  });
  await page.getByTestId('reject-filtered').click();
  await expectDecisions(page, Object.fromEntries(shown.map((id) => [id, 'rejected'])));
  expect(message).toContain('7');
  await expect(page.getByTestId('undo-button')).toContainText('Undo Reject filtered (7)');
  await page.keyboard.press('u');
  await expectDecisions(page, Object.fromEntries(shown.map((id) => [id, id === id2 ? 'accepted' : 'undecided'])));
  await expect(page.getByTestId('redo-button')).toContainText('Redo Reject filtered (7)');
  await expect(page.getByTestId('undo-button')).toContainText('Undo Reject (1)');

  // Reload: every decision is back, and so is the history.
  await page.getByTestId('filter-input').fill('');
  await expect(page.getByTestId('shown-count')).toHaveText('60 shown');
  await page.reload();
  await expect(page.getByTestId('row-count')).toHaveText('60');
  const after = { [id0]: 'accepted', [id1]: 'rejected', [id2]: 'accepted', [id3]: 'rejected', [id4]: 'undecided' };
  await expectDecisions(page, after);
  // The python rows lie beyond the virtualised table's window: filter to see them.
  await page.getByTestId('filter-input').fill('python');
  await expect(page.getByTestId('shown-count')).toHaveText('7 of 60 shown');
  await expectDecisions(page, Object.fromEntries(shown.map((id) => [id, id === id2 ? 'accepted' : 'undecided'])));
  await page.getByTestId('filter-input').fill('');
  await page.getByTestId('filter-input').press('Escape');
  await expect(page.getByTestId('shown-count')).toHaveText('60 shown');
  await expect(page.getByTestId('undo-button')).toContainText('Undo Reject (1)');
  await expect(page.getByTestId('redo-button')).toContainText('Redo Reject filtered (7)');
  await page.keyboard.press('u');
  await expectDecisions(page, { [id3]: 'undecided', [id0]: 'accepted', [id1]: 'rejected', [id2]: 'accepted' });
  await expect(page.getByTestId('undo-button')).toContainText('Undo Accept (1)');
  await expect(page.getByTestId('redo-button')).toContainText('Redo Reject (1)');

  // …and that undo was itself saved.
  await page.reload();
  await expect(page.getByTestId('row-count')).toHaveText('60');
  await expectDecisions(page, { [id3]: 'undecided', [id2]: 'accepted' });
  await expect(page.getByTestId('redo-button')).toContainText('Redo Reject (1)');
  await page.keyboard.press('Shift+U');
  await expectDecisions(page, { [id3]: 'rejected' });
});

test('the ? overlay lists every action with its keys and closes with Escape or ?', async ({ page }) => {
  await openApp(page);
  await page.keyboard.press('j');
  const first = (await firstIds(page, 1))[0]!;
  await page.keyboard.press('?');
  const overlay = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(overlay).toBeVisible();
  await expect(overlay).toHaveAttribute('data-testid', 'shortcuts-overlay');
  const row = (id: string) => overlay.locator(`[data-action-id="${id}"]`);
  await expect(overlay.getByTestId('shortcut-row')).toHaveCount(18);
  await expect(row('next')).toContainText('Next sample');
  await expect(row('next').locator('kbd')).toHaveText(['j']);
  await expect(row('undo').locator('kbd')).toHaveText(['u', /Ctrl|⌘/, 'Z']);
  await expect(row('redo').locator('kbd')).toHaveText(['Shift', 'U', /Ctrl|⌘/, 'Shift', 'Z']);
  await expect(row('accept').locator('kbd')).toHaveText(['a']);
  await expect(row('showShortcuts').locator('kbd')).toHaveText(['?']);
  // The policy review queue's actions are listed too (they act only while a review is open).
  await expect(row('reviewAccept').locator('kbd')).toHaveText(['p']);
  await expect(row('reviewStop').locator('kbd')).toHaveText(['q']);
  // The dialog is modal: other shortcuts do nothing while it is open.
  await page.keyboard.press('a');
  await page.keyboard.press('j');
  await expect(rowById(page, first)).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => decisionOf(page, first)).toBe('undecided');
  await page.keyboard.press('Escape');
  await expect(overlay).toHaveCount(0);
  await expect(rowById(page, first)).toHaveAttribute('aria-selected', 'true'); // Escape closed the overlay only
  await page.keyboard.press('?');
  await expect(overlay).toBeVisible();
  await page.keyboard.press('?');
  await expect(overlay).toHaveCount(0);
  await page.getByTestId('shortcuts-button').click();
  await expect(overlay).toBeVisible();
  await overlay.getByRole('button', { name: 'Close shortcuts' }).click();
  await expect(overlay).toHaveCount(0);
  await page.keyboard.press('Escape'); // now clears the selection
  await expect(page.locator('[data-testid=sample-row][aria-selected=true]')).toHaveCount(0);
});

test('buttons run the same actions: row buttons keep the selection, the detail pane auto-advances, the toggle persists', async ({ page }) => {
  await openApp(page);
  const [id0, id1, id2] = (await firstIds(page, 3)) as [string, string, string];
  await rowById(page, id0).click();
  await expectSelected(page, id0);
  // A row's own button decides that row and leaves the selection alone.
  await rowById(page, id2).getByTestId('reject-button').click();
  await expectDecisions(page, { [id2]: 'rejected' });
  await expectSelected(page, id0);
  // The detail pane's button advances.
  await page.getByTestId('sample-detail').getByTestId('accept-button').click();
  await expectDecisions(page, { [id0]: 'accepted' });
  await expectSelected(page, id1);
  await expect(page.getByTestId('undo-button')).toContainText('Undo Accept (1)');
  await page.getByTestId('undo-button').click();
  await expectDecisions(page, { [id0]: 'undecided' });
  await page.getByTestId('redo-button').click();
  await expectDecisions(page, { [id0]: 'accepted' });

  // Auto-advance off: a decision keeps the selection; the preference survives a reload.
  await page.getByTestId('auto-advance').uncheck();
  await rowById(page, id1).click();
  await page.keyboard.press('r');
  await expectDecisions(page, { [id1]: 'rejected' });
  await expectSelected(page, id1);
  await page.reload();
  await expect(page.getByTestId('row-count')).toHaveText('60');
  await expect(page.getByTestId('auto-advance')).not.toBeChecked();
  await page.keyboard.press('t');
  await expect(page.getByTestId('auto-advance')).toBeChecked();
});
