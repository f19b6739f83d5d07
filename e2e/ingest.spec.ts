import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fixture, forbidExternalRequests, loadFile, openApp } from './helpers';

test('first visit opens the built-in demo dataset, cross-origin isolated, with no external requests', async ({ page, baseURL }) => {
  const external = forbidExternalRequests(page, baseURL!);
  await openApp(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('sample-row').first()).toBeVisible();
  expect(external).toEqual([]);
});

// Each fixture's first record, as the table must show it (the fixtures are in e2e/fixtures; every
// first record has an empty input).
const formats: [file: string, rows: number, first: { instruction: string; response: string }][] = [
  [
    'alpaca.jsonl',
    8,
    {
      instruction: 'Name the largest planet in the Solar System.',
      response: 'Jupiter is the largest planet in the Solar System; its mass is more than twice that of all the other planets combined.',
    },
  ],
  ['sharegpt.json', 6, { instruction: 'What is the boiling point of water at sea level in Fahrenheit?', response: 'Water boils at 212 °F at sea level, which is 100 °C.' }],
  ['chat.jsonl', 6, { instruction: 'How many minutes are there in a week?', response: '7 × 24 × 60 = 10,080 minutes.' }],
  ['qa.csv', 7, { instruction: 'What is the capital of Portugal?', response: 'Lisbon' }],
  ['prompts.tsv', 6, { instruction: 'Give a word that rhymes with "light".', response: 'night' }],
  ['alpaca.parquet', 5, { instruction: 'What gas do plants absorb from the air for photosynthesis?', response: 'Carbon dioxide (CO2).' }],
];

for (const [file, rows, first] of formats) {
  test(`loads ${file} and shows its rows`, async ({ page }) => {
    await openApp(page, { demo: false });
    await loadFile(page, fixture(file));
    await expect(page.getByTestId('row-count')).toHaveText(String(rows));
    await expect(page.getByTestId('ingest-issue-count')).toHaveText('0');
    await expect(page.getByTestId('sample-row')).toHaveCount(rows);
    const row = page.getByTestId('sample-row').first();
    await expect(row).toContainText(first.instruction);
    await expect(row).toContainText(first.response);
    await row.click();
    await expect(page.getByTestId('detail-instruction')).toHaveText(first.instruction);
    await expect(page.getByTestId('detail-input')).toHaveCount(0);
    await expect(page.getByTestId('detail-response')).toHaveText(first.response);
  });
}

test('multi-turn ShareGPT: the last assistant turn is the response, earlier turns are context', async ({ page }) => {
  await openApp(page, { demo: false });
  await loadFile(page, fixture('sharegpt.json'));
  await expect(page.getByTestId('row-count')).toHaveText('6');
  const conversations = JSON.parse(readFileSync(fixture('sharegpt.json'), 'utf8')) as { conversations: { from: string; value: string }[] }[];
  const multiIndex = conversations.findIndex((c) => c.conversations.length > 3);
  const turns = conversations[multiIndex]!.conversations;
  await page.getByTestId('sample-row').nth(multiIndex).click();
  await expect(page.getByTestId('detail-response')).toHaveText(turns[turns.length - 1]!.value);
  await expect(page.getByTestId('detail-instruction')).toHaveText(turns[turns.length - 2]!.value);
  await expect(page.getByText('Conversation so far')).toBeVisible();
});

test('an unrecognised shape asks for a column mapping, then loads', async ({ page }) => {
  await openApp(page, { demo: false });
  await loadFile(page, fixture('custom.jsonl'));
  await expect(page.getByTestId('column-mapping')).toBeVisible();
  await page.getByTestId('map-instruction').selectOption('task');
  await page.getByTestId('map-input').selectOption('context');
  await page.getByTestId('map-response').selectOption('reply');
  await page.getByTestId('map-apply').click();
  await expect(page.getByTestId('row-count')).toHaveText('6');
  await page.getByTestId('sample-row').first().click();
  await expect(page.getByTestId('detail-instruction')).toHaveText('Name the chemical symbol for gold.');
});

test('bad rows are skipped and listed with file, line and reason', async ({ page }) => {
  const expected = JSON.parse(readFileSync(fixture('broken.expected.json'), 'utf8')) as {
    loaded: number;
    issues: { line: number; kind: string; field?: string }[];
  };
  await openApp(page, { demo: false });
  await loadFile(page, fixture('broken.jsonl'));
  await expect(page.getByTestId('row-count')).toHaveText(String(expected.loaded));
  await expect(page.getByTestId('ingest-issue-count')).toHaveText(String(expected.issues.length));
  await page.getByTestId('issues-panel').getByRole('button').click();
  const rows = page.getByTestId('issue-row');
  await expect(rows).toHaveCount(expected.issues.length);
  for (const [i, issue] of expected.issues.entries()) {
    await expect(rows.nth(i)).toContainText(`broken.jsonl:${issue.line}`);
    await expect(rows.nth(i)).toContainText(issue.kind);
    if (issue.field) await expect(rows.nth(i)).toContainText(issue.field);
  }
});

const fatal: [file: string, message: RegExp][] = [
  ['empty.jsonl', /empty/i],
  ['binary.jsonl', /binary/i],
  ['latin1.csv', /UTF-8/],
  ['notes.txt', /format/i],
  ['truncated.parquet', /Parquet/],
];

for (const [file, message] of fatal) {
  test(`a whole-file problem (${file}) gives one clear error and keeps the loaded dataset`, async ({ page }) => {
    await openApp(page);
    await page.getByTestId('sample-row').nth(1).getByTestId('accept-button').click();
    await loadFile(page, fixture(file));
    const error = page.getByTestId('load-error');
    await expect(error).toBeVisible();
    await expect(error).toContainText(file);
    await expect(error).toContainText(message);
    await expect(page.getByTestId('row-count')).toHaveText('60');
    await expect(page.getByTestId('sample-row').nth(1).getByTestId('accept-button')).toHaveAttribute('aria-pressed', 'true');
  });
}

test('dataset text is rendered as text, never as HTML', async ({ page }) => {
  await openApp(page, { demo: false });
  const hostile = JSON.stringify({ instruction: '<img src=x onerror="window.__pwned=1"><b>bold?</b>', input: '', output: '<script>window.__pwned=2</script>' });
  await page.getByTestId('dataset-file-input').setInputFiles({ name: 'hostile.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(hostile + '\n') });
  await expect(page.getByTestId('row-count')).toHaveText('1');
  await page.getByTestId('sample-row').first().click();
  await expect(page.getByTestId('detail-instruction')).toHaveText('<img src=x onerror="window.__pwned=1"><b>bold?</b>');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('[data-testid=sample-detail] img, [data-testid=sample-detail] b').count()).toBe(0);
});
