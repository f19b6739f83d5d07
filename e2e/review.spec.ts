import { expect, test, type Download, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { configureScoring, LOCAL_EMBEDDER, openApp } from './helpers';

// The review view (variants beside the original with diffs), selection policies (preview, apply as
// one undoable step, review one by one) and exports (JSONL, CSV, Parquet + summary card), on a
// hand-made scored file: records carrying `quarry` objects as Quarry's own export writes them.

const SHOTS = 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });

const INSTRUCTIONS = [
  'Summarize the following story in two sentences.',
  'Name three colors of the rainbow.',
  'Write a short poem about the sea.',
  'Explain why the sky is blue.',
  'Give a synonym for happy.',
  'Translate the sentence into French.',
  'List two uses of a paperclip.',
  'Describe the taste of a lemon.',
  'Count the vowels in the word banana.',
  'Suggest a name for a pet turtle.',
  'Tell a joke about a cat.',
  'Rewrite the sentence in the past tense.',
];
// IFD of each record; null: the record has no scores (unscored by every policy).
const IFD: (number | null)[] = [0.42, 0.95, 1.1, 0.77, 0.61, 1.3, 0.88, 0.5, 0.99, null, 0.7, 0.83];
const HOMOGLYPH: Record<string, string> = { a: '\u0430', e: '\u0435', o: '\u043e' };
const SUFFIX = ' 7Ialekn8F7';

interface Fixture {
  id: string;
  instruction: string;
  ifd: number | null;
  variants: { attack: string; instruction: string; aifd: number; s_a_given_q: number; edits: object[] }[];
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function buildFixture(): { records: object[]; rows: Fixture[] } {
  const rows: Fixture[] = [];
  const records = INSTRUCTIONS.map((instruction, i) => {
    const id = `rec-${String(i).padStart(2, '0')}`;
    const ifd = IFD[i]!;
    // textbugger: one homoglyph swap (the first a/e/o after the first letter); checklist: an appended token.
    const at = [...instruction].findIndex((ch, k) => k > 0 && ch in HOMOGLYPH);
    const swapped = instruction.slice(0, at) + HOMOGLYPH[instruction[at]!] + instruction.slice(at + 1);
    // Record 3: the homoglyph hurts more than the suffix (the view must order by AIFD, not by attack).
    const bumps = i === 3 ? [0.4, 0.1] : [0.1, 0.3];
    const variants =
      ifd === null
        ? []
        : [
            {
              attack: 'textbugger',
              instruction: swapped,
              aifd: round(ifd + bumps[0]!),
              s_a_given_q: round((ifd + bumps[0]!) * 2),
              edits: [{ start: at, end: at + 1, before: instruction[at], after: HOMOGLYPH[instruction[at]!], op: 'homoglyph' }],
            },
            {
              attack: 'checklist',
              instruction: instruction + SUFFIX,
              aifd: round(ifd + bumps[1]!),
              s_a_given_q: round((ifd + bumps[1]!) * 2),
              edits: [{ start: instruction.length, end: instruction.length, before: '', after: SUFFIX, op: 'append-token' }],
            },
          ];
    rows.push({ id, instruction, ifd, variants });
    const aifds = variants.map((v) => v.aifd);
    const mean = aifds.length ? round(aifds.reduce((a, b) => a + b, 0) / aifds.length) : null;
    const scores =
      ifd === null
        ? null
        : {
            s_a_given_q: round(ifd * 2),
            s_a: 2,
            ifd,
            aifd: mean,
            aifd_max: Math.max(...aifds),
            aifd_min: Math.min(...aifds),
            aifd_gap: mean === null ? null : round(mean - ifd),
            dist_consistency: round(0.8 + i / 100),
            embed_consistency: null,
          };
    return {
      instruction,
      input: '',
      output: `Answer number ${i + 1}.`,
      quarry: {
        id,
        model: 'test-model',
        template: 'alpaca',
        scores,
        variants: variants.map((v) => ({ ...v, dist_consistency: 0.9, embed_consistency: null, similarity: 0.93, queries: 12 })),
        decision: null,
      },
    };
  });
  return { records, rows };
}

const { records, rows: FIXTURE } = buildFixture();
const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-review-'));
const FILE = path.join(dir, 'scored.jsonl');
writeFileSync(FILE, records.map((r) => JSON.stringify(r)).join('\n') + '\n');

/** Cherry, computed independently: IFD < 1, the top p% of the scored samples by IFD (highest first, ties by order). */
function cherry(topPercent: number): { keep: Set<string>; reject: Set<string>; unscored: string[] } {
  const scored = FIXTURE.filter((r) => r.ifd !== null);
  const n = Math.floor((topPercent * scored.length) / 100 + 1e-9);
  const pool = scored.filter((r) => r.ifd! < 1).sort((a, b) => b.ifd! - a.ifd!);
  const keep = new Set(pool.slice(0, n).map((r) => r.id));
  return {
    keep,
    reject: new Set(scored.filter((r) => !keep.has(r.id)).map((r) => r.id)),
    unscored: FIXTURE.filter((r) => r.ifd === null).map((r) => r.id),
  };
}

interface Exported {
  name: string;
  bytes: Buffer;
  summaryName: string;
  summary: string;
}

async function bytesOf(d: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await d.createReadStream()) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Clicks an export and collects both downloads: the data file and its summary card. */
async function exportBoth(page: Page, testId: string): Promise<Exported> {
  const downloads: Download[] = [];
  const both = new Promise<void>((resolve) => {
    const on = (d: Download) => {
      downloads.push(d);
      if (downloads.length === 2) {
        page.off('download', on);
        resolve();
      }
    };
    page.on('download', on);
  });
  if (testId !== 'export-jsonl') await page.getByTestId('export-menu').click();
  await page.getByTestId(testId).click();
  await both;
  const summary = downloads.find((d) => d.suggestedFilename().endsWith('.summary.md'));
  const data = downloads.find((d) => d !== summary);
  expect(summary, 'a summary card is downloaded').toBeDefined();
  expect(data, 'a data file is downloaded').toBeDefined();
  return {
    name: data!.suggestedFilename(),
    bytes: await bytesOf(data!),
    summaryName: summary!.suggestedFilename(),
    summary: (await bytesOf(summary!)).toString('utf8'),
  };
}

type DecisionMap = Record<string, string | null>;

function jsonlDecisions(text: string): DecisionMap {
  const out: DecisionMap = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { quarry: { id: string; decision: string | null } };
    out[r.quarry.id] = r.quarry.decision;
  }
  return out;
}

function expectedDecisions(p: ReturnType<typeof cherry>): DecisionMap {
  return Object.fromEntries(FIXTURE.map((r) => [r.id, p.keep.has(r.id) ? 'accepted' : p.reject.has(r.id) ? 'rejected' : null]));
}

/** Minimal RFC 4180 parser (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      out.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell || row.length) out.push([...row, cell]);
  return out;
}

async function openScored(page: Page): Promise<void> {
  await openApp(page, { demo: false });
  await page.getByTestId('dataset-file-input').setInputFiles(FILE);
  await expect(page.getByTestId('row-count')).toHaveText(String(FIXTURE.length));
}

test('sample view: variants beside the original, most damaging first, with word and character diffs', async ({ page }) => {
  await openScored(page);
  const rows = page.getByTestId('sample-row');
  await rows.nth(3).click(); // record 3: the homoglyph variant has the higher AIFD
  const cards = page.getByTestId('variant-card');
  await expect(cards).toHaveCount(2);
  await expect(page.getByTestId('variant-attack')).toHaveText(['textbugger', 'checklist']);
  const aifd = (await page.getByTestId('variant-aifd').allTextContents()).map(Number);
  expect(aifd).toEqual([...aifd].sort((a, b) => b - a));
  expect(aifd[0]).toBeCloseTo(FIXTURE[3]!.variants[0]!.aifd, 4);

  // The homoglyph: one changed character, outlined, with its code point in the tooltip.
  const first = cards.nth(0);
  const glyph = first.getByTestId('variant-diff').locator('ins.vl-special');
  await expect(glyph).toHaveCount(1);
  await expect(glyph).toHaveText('\u0430');
  await expect(glyph).toHaveAttribute('title', /U\+0430 Cyrillic/);
  await expect(first.getByTestId('variant-diff').locator('del')).toHaveText(['a']);
  await expect(first.getByTestId('variant-diff-original')).toHaveText(FIXTURE[3]!.instruction);
  await expect(first.getByTestId('variant-diff-variant')).toHaveText(FIXTURE[3]!.variants[0]!.instruction);
  // The appended token: inserted text, nothing removed.
  const second = cards.nth(1);
  await expect(second.getByTestId('variant-diff').locator('ins')).toHaveText([SUFFIX]);
  await expect(second.getByTestId('variant-diff').locator('del')).toHaveCount(0);
  await expect(second.getByTestId('variant-edits')).toContainText('append-token');
  await page.getByTestId('sample-detail').screenshot({ path: `${SHOTS}/review-sample-variants.png` });

  // Dataset text is rendered as text, never as HTML.
  await rows.nth(0).click();
  await expect(page.getByTestId('variant-attack')).toHaveText(['checklist', 'textbugger']);
  await expect(page.getByTestId('variant-diff').first().locator('script, img')).toHaveCount(0);
});

test('policies: Cherry preview matches, apply is one undoable step, exports carry decisions, scores and the summary card', async ({ page }) => {
  await openScored(page);
  await page.getByTestId('policy-menu-button').click();
  await page.getByTestId('policy-preset').selectOption('cherry');
  await page.getByTestId('policy-param-topPercent').fill('50');
  const expected = cherry(50);
  await expect(page.getByTestId('policy-keep-count')).toHaveText(String(expected.keep.size));
  await expect(page.getByTestId('policy-reject-count')).toHaveText(String(expected.reject.size));
  await expect(page.getByTestId('policy-unscored-count')).toHaveText(String(expected.unscored.length));
  for (const pct of [10, 25, 100]) {
    await page.getByTestId('policy-param-topPercent').fill(String(pct));
    await expect(page.getByTestId('policy-keep-count')).toHaveText(String(cherry(pct).keep.size));
    await expect(page.getByTestId('policy-reject-count')).toHaveText(String(cherry(pct).reject.size));
  }
  await page.getByTestId('policy-param-topPercent').fill('50');
  await expect(page.getByTestId('policy-keep-count')).toHaveText(String(expected.keep.size));

  // A custom rule with a syntax error shows its column; the preview waits for a valid rule.
  await page.getByTestId('policy-preset').selectOption('custom');
  await page.getByTestId('policy-rule').fill('ifd < 1 and aifd <');
  await expect(page.getByTestId('policy-rule-error')).toContainText('Column 19');
  await expect(page.getByTestId('policy-apply')).toBeDisabled();
  await page.getByTestId('policy-panel').screenshot({ path: `${SHOTS}/review-policy-rule-error.png` });
  await page.getByTestId('policy-rule').fill('ifd < 0.8');
  await expect(page.getByTestId('policy-rule-error')).toHaveCount(0);
  await expect(page.getByTestId('policy-keep-count')).toHaveText(String(FIXTURE.filter((r) => r.ifd !== null && r.ifd < 0.8).length));
  await page.getByTestId('policy-preset').selectOption('cherry');
  await expect(page.getByTestId('policy-keep-count')).toHaveText(String(expected.keep.size));
  await page.getByTestId('policy-panel').screenshot({ path: `${SHOTS}/review-policy-panel.png` });

  await page.getByTestId('policy-apply').click();
  await expect(page.getByTestId('policy-applied')).toContainText(`${expected.keep.size} accepted, ${expected.reject.size} rejected`);
  await expect(page.getByTestId('policy-last')).toContainText('top 50%');
  await page.getByTestId('policy-menu-button').click(); // close the panel

  const want = expectedDecisions(expected);
  const byId = new Map(FIXTURE.map((r) => [r.id, r]));

  // JSONL: decisions, scores and variants, the `quarry` object as before.
  const jsonl = await exportBoth(page, 'export-jsonl');
  expect(jsonl.name).toBe('scored.quarry-all.jsonl');
  expect(jsonl.summaryName).toBe('scored.quarry-all.summary.md');
  expect(jsonlDecisions(jsonl.bytes.toString('utf8'))).toEqual(want);
  for (const line of jsonl.bytes.toString('utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    expect(Object.keys(r.quarry)).toEqual(['id', 'model', 'template', 'scores', 'variants', 'decision']);
    const f = byId.get(r.quarry.id)!;
    expect(r.quarry.scores?.ifd ?? null).toBe(f.ifd);
    expect(r.quarry.variants.map((v: { attack: string }) => v.attack)).toEqual(f.variants.map((v) => v.attack));
  }
  // The summary card: counts, policy and thresholds, model, template, attacks, statistics.
  expect(jsonl.summary).toContain('| Accepted | ' + expected.keep.size + ' |');
  expect(jsonl.summary).toContain('| Rejected | ' + expected.reject.size + ' |');
  expect(jsonl.summary).toContain('| Undecided | ' + expected.unscored.length + ' |');
  expect(jsonl.summary).toContain('| Exported | 12 |');
  // (Markdown-escaped: `<` is written `\<`.)
  expect(jsonl.summary).toContain('Cherry (IFD): keep IFD \\< 1, then the top 50% of scored samples by IFD');
  expect(jsonl.summary).toContain('**Model:** test-model');
  expect(jsonl.summary).toContain('**Template:** alpaca');
  expect(jsonl.summary).toMatch(/\*\*Attacks:\*\* (textbugger, checklist|checklist, textbugger)/);
  const ifds = FIXTURE.map((r) => r.ifd).filter((x): x is number => x !== null);
  expect(jsonl.summary).toContain(`| \`ifd\` | ${ifds.length} | ${(ifds.reduce((a, b) => a + b, 0) / ifds.length).toFixed(4)} |`);
  expect(jsonl.summary).toMatch(/\*\*Date:\*\* \d{4}-\d\d-\d\dT/);

  // CSV (accepted only).
  const csv = await exportBoth(page, 'export-accepted-csv');
  expect(csv.name).toBe('scored.quarry-accepted.csv');
  expect(csv.summary).toContain('accepted samples as CSV');
  expect(csv.summary).toContain(`| Exported | ${expected.keep.size} |`);
  const table = parseCsv(csv.bytes.toString('utf8'));
  const header = table[0]!;
  const col = (name: string) => header.indexOf(name);
  expect(table.slice(1).map((r) => r[col('quarry_id')])).toEqual(FIXTURE.filter((r) => expected.keep.has(r.id)).map((r) => r.id));
  for (const r of table.slice(1)) {
    expect(r[col('quarry_decision')]).toBe('accepted');
    expect(Number(r[col('quarry_ifd')])).toBe(byId.get(r[col('quarry_id')]!)!.ifd);
  }

  // Parquet (all), read back with hyparquet.
  const pq = await exportBoth(page, 'export-all-parquet');
  expect(pq.name).toBe('scored.quarry-all.parquet');
  expect(pq.summary).toContain('all samples as Parquet');
  const ab = pq.bytes.buffer.slice(pq.bytes.byteOffset, pq.bytes.byteOffset + pq.bytes.byteLength) as ArrayBuffer;
  const objects = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
  expect(objects).toHaveLength(12);
  for (const o of objects) {
    const f = byId.get(o.quarry_id as string)!;
    expect(o.instruction).toBe(f.instruction);
    expect(o.quarry_decision ?? null).toBe(want[f.id]);
    expect(o.quarry_ifd ?? null).toBe(f.ifd);
    expect(o.quarry_model ?? null).toBe(f.ifd === null ? null : 'test-model');
    expect(JSON.parse(o.quarry_variants as string).map((v: { attack: string }) => v.attack)).toEqual(f.variants.map((v) => v.attack));
  }

  // Undo the policy in one step: every decision it took is gone.
  await page.getByTestId('policy-menu-button').click();
  await page.getByTestId('policy-undo').click();
  await expect(page.getByTestId('policy-message')).toContainText('Undone');
  await expect(page.getByTestId('policy-last')).toContainText('none');
  await page.getByTestId('policy-menu-button').click();
  const undone = await exportBoth(page, 'export-jsonl');
  expect(Object.values(jsonlDecisions(undone.bytes.toString('utf8'))).every((d) => d === null)).toBe(true);
  expect(undone.summary).toContain('None applied.');
});

test('policies: review proposals one by one (accept, override, skip)', async ({ page }) => {
  await openScored(page);
  await page.getByTestId('policy-menu-button').click();
  await page.getByTestId('policy-preset').selectOption('cherry');
  await page.getByTestId('policy-param-topPercent').fill('50');
  const expected = cherry(50);
  await expect(page.getByTestId('policy-keep-count')).toHaveText(String(expected.keep.size));
  await page.getByTestId('policy-review').click();

  // In file order, every proposed (scored) sample.
  const queue = FIXTURE.filter((r) => r.ifd !== null);
  const proposed = (id: string) => (expected.keep.has(id) ? 'accepted' : 'rejected');
  const bar = page.getByTestId('review-bar');
  await expect(bar.getByTestId('review-progress')).toHaveText(`1 of ${queue.length}`);
  await expect(page.getByTestId('sample-detail')).toContainText(`id ${queue[0]!.id}`);
  await expect(page.locator(`[data-testid="sample-row"][data-sample-id="${queue[0]!.id}"]`)).toHaveAttribute('aria-selected', 'true');
  await expect(bar.getByTestId('review-proposed')).toHaveAttribute('data-proposed', proposed(queue[0]!.id));
  await page.screenshot({ path: `${SHOTS}/review-queue.png` });

  await bar.getByTestId('review-accept').click();
  await expect(bar.getByTestId('review-progress')).toHaveText(`2 of ${queue.length}`);
  await expect(page.getByTestId('sample-detail')).toContainText(`id ${queue[1]!.id}`);
  await bar.getByTestId('review-override').click();
  await expect(bar.getByTestId('review-progress')).toHaveText(`3 of ${queue.length}`);
  await bar.getByTestId('review-skip').click();
  await expect(bar.getByTestId('review-progress')).toHaveText(`4 of ${queue.length}`);
  await expect(page.getByTestId('sample-detail')).toContainText(`id ${queue[3]!.id}`);
  // The same actions from the keyboard (the action registry): b goes back, n skips again.
  await page.keyboard.press('b');
  await expect(bar.getByTestId('review-progress')).toHaveText(`3 of ${queue.length}`);
  await expect(page.getByTestId('sample-detail')).toContainText(`id ${queue[2]!.id}`);
  await page.keyboard.press('n');
  await expect(bar.getByTestId('review-progress')).toHaveText(`4 of ${queue.length}`);
  await bar.getByTestId('review-stop').click();
  await expect(bar).toHaveCount(0);

  const got = jsonlDecisions((await exportBoth(page, 'export-jsonl')).bytes.toString('utf8'));
  const flip = (d: string) => (d === 'accepted' ? 'rejected' : 'accepted');
  expect(got[queue[0]!.id]).toBe(proposed(queue[0]!.id));
  expect(got[queue[1]!.id]).toBe(flip(proposed(queue[1]!.id)));
  expect(got[queue[2]!.id]).toBeNull();
  expect(Object.values(got).filter((d) => d !== null)).toHaveLength(2);
});

test('sample view with real attacks and generated outputs: output under Q beside output under each Q′', async ({ page }) => {
  test.setTimeout(300_000);
  await openApp(page, { demo: false });
  await page.getByTestId('dataset-file-input').setInputFiles('e2e/fixtures/alpaca.jsonl');
  await expect(page.getByTestId('row-count')).toHaveText('8');
  await configureScoring(page, { attacks: ['textbugger', 'checklist'], variants: 2 });
  await page.getByLabel(/Output-embedding consistency/).check();
  await page.getByTestId('score-embed-model').selectOption(`local:${LOCAL_EMBEDDER}`);
  await page.getByLabel('Generated tokens').fill('8');
  await page.getByTestId('score-start').click();
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', /done|error/, { timeout: 240_000 });
  await expect(page.getByTestId('score-error')).toHaveCount(0);

  await page.getByTestId('sample-row').first().click();
  const cards = page.getByTestId('variant-card');
  await expect(cards.first()).toBeVisible();
  const n = await cards.count();
  expect(n).toBeGreaterThan(0);
  const aifd = (await page.getByTestId('variant-aifd').allTextContents()).map(Number);
  expect(aifd).toEqual([...aifd].sort((a, b) => b - a));
  for (const a of await page.getByTestId('variant-attack').allTextContents()) expect(['textbugger', 'checklist']).toContain(a);
  // Every variant differs from the original: its diff marks at least one change.
  for (let i = 0; i < n; i++) expect(await cards.nth(i).getByTestId('variant-diff').locator('ins, del').count()).toBeGreaterThan(0);
  await expect(page.getByTestId('variant-reference-outputs')).toBeVisible();
  await expect(page.getByTestId('variant-outputs')).toHaveCount(n);
  await page.getByTestId('sample-detail').screenshot({ path: `${SHOTS}/review-sample-outputs.png` });
});
