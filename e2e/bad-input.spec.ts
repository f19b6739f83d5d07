import { expect, test } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFile, openApp, readDownload } from './helpers';

// One record can never fail a load, and what Quarry does not interpret comes back exactly.
// Fixtures are written to a temp dir here (the deep one is generated, not checked in).

const dir = mkdtempSync(path.join(tmpdir(), 'quarry-bad-input-'));
function fixtureFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const good = (i: number) => JSON.stringify({ instruction: `Question ${i}?`, input: '', output: `Answer ${i}.` });

test('a JSONL record nested 20,000 levels deep is one skipped row naming its line; the good ones load', async ({ page }) => {
  const deep = `{"instruction": ${'['.repeat(20_000)}${']'.repeat(20_000)}, "output": "x"}`;
  const file = fixtureFile('deep.jsonl', [good(1), good(2), deep, good(4), good(5)].join('\n') + '\n');
  await openApp(page, { demo: false });
  await loadFile(page, file);
  await expect(page.getByTestId('row-count')).toHaveText('4');
  await expect(page.getByTestId('ingest-issue-count')).toHaveText('1');
  await expect(page.getByTestId('load-error')).toHaveCount(0);
  await page.getByTestId('issues-panel').getByRole('button').click();
  const row = page.getByTestId('issue-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('deep.jsonl:3');
  await expect(row).toContainText('too-deep');
  await expect(row).toContainText('line 3: record is nested more than 100 levels deep');
});

test('a CSV quote that is never closed is reported on the line it opened; the rows after it load', async ({ page }) => {
  const csv = 'instruction,output\nq1,a1\n"q2 is never closed,a2\nq3,a3\nq4,"a4, quoted"\nq5,a5\n';
  const file = fixtureFile('unclosed.csv', csv);
  await openApp(page, { demo: false });
  await loadFile(page, file);
  await expect(page.getByTestId('row-count')).toHaveText('4');
  await expect(page.getByTestId('ingest-issue-count')).toHaveText('1');
  await page.getByTestId('issues-panel').getByRole('button').click();
  const row = page.getByTestId('issue-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('unclosed.csv:3');
  await expect(row).toContainText('line 3: a quote opened on this line is never closed');
  const instructions = await page.getByTestId('sample-row').allTextContents();
  expect(instructions.map((t) => t.match(/q\d/)?.[0])).toEqual(['q1', 'q3', 'q4', 'q5']);
});

test('JSONL export writes a big-integer id and the key order back exactly, quarry last', async ({ page }) => {
  const lines = [
    '{"id": 12345678901234567891, "2": "two", "instruction": "Say hi", "output": "Hi!", "score": 1.50}',
    '{"id": 98765432109876543210, "2": "deux", "instruction": "Add 2 and 3", "output": "5", "score": 2.0}',
  ];
  const file = fixtureFile('big-ids.jsonl', lines.join('\n') + '\n');
  await openApp(page, { demo: false });
  await loadFile(page, file);
  await expect(page.getByTestId('row-count')).toHaveText('2');
  await page.getByTestId('sample-row').nth(1).getByTestId('accept-button').click();
  const { name, text } = await readDownload(page, () => page.getByTestId('export-jsonl').click());
  expect(name).toBe('big-ids.quarry-all.jsonl');
  const out = text.split('\n').filter(Boolean);
  expect(out).toHaveLength(2);
  for (const [i, l] of out.entries()) {
    // the source line byte for byte, then the quarry object as the last key
    expect(l.startsWith(lines[i]!.slice(0, -1) + ',"quarry":{')).toBe(true);
    expect(l.endsWith('}}')).toBe(true);
  }
  expect((JSON.parse(out[1]!) as { quarry: { decision: string } }).quarry.decision).toBe('accepted');
  // what a parse-and-stringify export would have written
  expect(text).not.toContain('12345678901234567000');
});

test('two records carrying the same quarry.id both load, the later with a new id and a warning', async ({ page }) => {
  const rec = (i: number, decision: string) =>
    JSON.stringify({ instruction: `Question ${i}?`, output: `Answer ${i}.`, quarry: { id: 'same-id', decision } });
  const file = fixtureFile('dup-ids.jsonl', [rec(1, 'accepted'), rec(2, 'rejected')].join('\n') + '\n');
  await openApp(page, { demo: false });
  await loadFile(page, file);
  await expect(page.getByTestId('row-count')).toHaveText('2');
  const panel = page.getByTestId('issues-panel');
  await expect(panel.getByRole('button')).toContainText('1 warning');
  await panel.getByRole('button').click();
  await expect(page.getByTestId('issue-row')).toContainText('id-collision');
  await expect(page.getByTestId('issue-row')).toHaveAttribute('data-severity', 'warning');
  // each keeps its own decision
  await expect(page.getByTestId('sample-row').nth(0).getByTestId('accept-button')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('sample-row').nth(1).getByTestId('reject-button')).toHaveAttribute('aria-pressed', 'true');
  const { text } = await readDownload(page, () => page.getByTestId('export-jsonl').click());
  const ids = text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { quarry: { id: string } }).quarry.id);
  expect(ids).toEqual(['same-id', 'same-id-2']);
});
