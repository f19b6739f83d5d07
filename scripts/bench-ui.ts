// UI responsiveness benchmark: how long the main thread is busy while the production build loads,
// restores, filters and charts 100,000 samples in Chromium. Figures only: nothing is asserted (the
// e2e specs e2e/scale.spec.ts and e2e/charts.spec.ts check the same flows with a generous guard).
//
//   npm run bench:ui -- [--n N] [--url URL] [--only load|charts]
//
//   --n     samples per file (default 100000)
//   --url   benchmark an app already served there (e.g. the e2e preview server) instead of building
//           the production bundle into a temporary folder and serving it with `vite preview`
//   --only  run one of the two scenarios
//
// Scenarios, each in a fresh browser context (empty IndexedDB), viewport 1440 × 900 like the tests:
//   load    an unscored Alpaca JSONL (scripts/make-large.mjs, ~1 KB a record): time from picking the
//           file until the table shows every row, the longest main-thread task meanwhile; a text filter
//           over all rows; then a reload: time until the session is restored, longest task meanwhile.
//   charts  a scored JSONL as Quarry's export writes it (scripts/make-large-scored.mjs): load time and
//           longest task (file + the charts' first render), then brushing the scatter, sorting by a
//           score, range filters, a histogram bar, a text filter and scrolling: for each step the time
//           until the table shows the expected rows and the longest main-thread task it caused.
//
// "Longest task" is the Long Tasks API's duration (tasks over 50 ms; 0 = none over 50 ms), observed
// from the page's first script on. Step times are wall-clock from the benchmark's first input event
// until the expected state is on screen, polled every animation frame (they include Playwright's
// round trips). Absolute numbers are noisy on a small shared machine: compare runs on one machine.
// The goal the app is built to (ARCHITECTURE.md, "Charts"): no task over 200 ms while brushing,
// filtering and sorting 100,000 scored samples.

import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../playwright.config';
import { LONG_TASK_OBSERVER, takeLongTasks } from '../e2e/longTasks';
import { brush, clickBar, inRanges, readRanges, setRange, shownText, type Ranges, type ScoreKey } from '../e2e/scoreFilters';

const ROOT = path.resolve(import.meta.dirname, '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const N = Number(arg('n') ?? 100_000);
const URL_ARG = arg('url');
const ONLY = arg('only');
const LONG_WAIT = 600_000;

const tStart = performance.now();
const log = (s: string) => process.stderr.write(`[bench:ui ${((performance.now() - tStart) / 1000).toFixed(0)}s] ${s}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------------------------------------
// Page helpers

// Page-side code is plain JS in strings: tsx (esbuild keepNames) would wrap named functions in a
// `__name` helper that does not exist in the page. The long-task recorder (e2e/longTasks.ts) and the
// score-filter gestures (e2e/scoreFilters.ts) are shared with the e2e specs.

/** Lets trailing work (staggered chart updates, renders) finish: two frames, idle, a short pause, idle. */
const QUIET = `new Promise((resolve) => {
  const idle = (then) => requestIdleCallback(() => then(), { timeout: 2000 });
  requestAnimationFrame(() => requestAnimationFrame(() => idle(() => setTimeout(() => idle(resolve), 150))));
})`;
async function quiet(page: Page): Promise<void> {
  await page.evaluate(QUIET);
}

async function waitText(page: Page, testId: string, text: string, timeout = LONG_WAIT): Promise<void> {
  await page.waitForFunction(
    ([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === want,
    [testId, text] as const,
    { polling: 'raf', timeout },
  );
}

/** The table's visible set is computed (the toolbar's "filtering…" note is gone). */
async function waitSettled(page: Page): Promise<void> {
  await page.waitForFunction(() => !Array.from(document.querySelectorAll('.toolbar .muted')).some((e) => e.textContent === 'filtering…'), undefined, {
    polling: 'raf',
    timeout: LONG_WAIT,
  });
}

// ---------------------------------------------------------------------------------------------
// Scored records (for the expected counts) and the charts' inputs

interface Rec {
  text: string;
  scores: Partial<Record<ScoreKey, number | null>> | null;
}

function readScored(file: string): Rec[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const r = JSON.parse(line) as { instruction: string; input: string; output: string; quarry: { scores: Rec['scores'] } };
      return { scores: r.quarry.scores, text: `${r.instruction}\n${r.input}\n${r.output}`.toLowerCase() };
    });
}

function matching(recs: Rec[], ranges: Ranges, text = ''): number {
  let n = 0;
  for (const r of recs) if (inRanges(r.scores, ranges) && (!text || r.text.includes(text))) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Figure {
  label: string;
  ms: number;
  longestTaskMs: number;
  longTasks: number;
}

async function measure(page: Page, label: string, act: () => Promise<void>, settled: () => Promise<void>): Promise<Figure> {
  await takeLongTasks(page);
  const t = performance.now();
  await act();
  await settled();
  const ms = performance.now() - t;
  await quiet(page);
  const tasks = await takeLongTasks(page);
  const f = { label, ms, longestTaskMs: Math.max(0, ...tasks), longTasks: tasks.length };
  log(`${label}: ${secs(ms)}, longest task ${f.longestTaskMs.toFixed(0)} ms (${f.longTasks} long tasks)`);
  return f;
}

async function newPage(browser: Browser, origin: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 1440, height: 900 } });
  await context.addInitScript({ content: LONG_TASK_OBSERVER });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto('/?nodemo');
  await page.getByTestId('dataset-file-input').waitFor({ state: 'attached' });
  await quiet(page);
  return { page, close: () => context.close() };
}

async function loadScenario(browser: Browser, origin: string, file: string): Promise<Figure[]> {
  const { page, close } = await newPage(browser, origin);
  try {
    const figures: Figure[] = [];
    figures.push(
      await measure(
        page,
        `load JSONL (${fmt(N)} rows, ${(statSync(file).size / 1048576).toFixed(1)} MiB)`,
        () => page.getByTestId('dataset-file-input').setInputFiles(file),
        async () => {
          await waitText(page, 'row-count', String(N));
          await page.getByTestId('sample-row').first().waitFor();
        },
      ),
    );
    figures.push(
      await measure(
        page,
        `text filter 'ancient engine' (${fmt(N)} rows)`,
        () => page.getByTestId('filter-input').fill('ancient engine'),
        async () => {
          await page.waitForFunction(
            (total) => / of /.test(document.querySelector('[data-testid="shown-count"]')?.textContent ?? '') && document.querySelector('[data-testid="shown-count"]')!.textContent!.endsWith(`of ${total} shown`),
            fmt(N),
            { polling: 'raf', timeout: LONG_WAIT },
          );
          await waitSettled(page);
        },
      ),
    );
    await page.getByTestId('filter-input').fill('');
    await waitText(page, 'shown-count', shownText(N, N));
    await quiet(page);
    // The observer is installed again by the reload (init script): this counts the new page's tasks.
    figures.push(
      await measure(
        page,
        `restore on reload (${fmt(N)} rows)`,
        () => page.reload({ waitUntil: 'commit' }).then(() => undefined),
        async () => {
          await waitText(page, 'row-count', String(N));
          await page.getByTestId('sample-row').first().waitFor();
        },
      ),
    );
    return figures;
  } finally {
    await close();
  }
}

async function chartsScenario(browser: Browser, origin: string, file: string): Promise<{ figures: Figure[]; notes: string[] }> {
  const recs = readScored(file);
  const scored = recs.filter((r) => r.scores).length;
  const { page, close } = await newPage(browser, origin);
  const figures: Figure[] = [];
  const notes: string[] = [];
  const step = (label: string, act: () => Promise<void>, settled: () => Promise<void>) => measure(page, label, act, settled).then((f) => void figures.push(f));
  const expectShown = async (text = '') => waitText(page, 'shown-count', shownText(matching(recs, await readRanges(page), text), N), 120_000);
  try {
    await step(
      `load scored JSONL (${fmt(N)} rows, ${(statSync(file).size / 1048576).toFixed(1)} MiB) + first charts`,
      () => page.getByTestId('dataset-file-input').setInputFiles(file),
      async () => {
        await waitText(page, 'row-count', String(N));
        await waitText(page, 'charts-scored', `${fmt(scored)} of ${fmt(N)} samples scored`);
        // "N of M shown" once thinned (over 2,000 points), "N points" below that.
        await page.waitForFunction(() => / of | points$/.test(document.querySelector('[data-testid="scatter-sample-note"]')?.textContent ?? ''), undefined, {
          polling: 'raf',
          timeout: LONG_WAIT,
        });
      },
    );
    notes.push(`scatter: ${await page.getByTestId('scatter-sample-note').textContent()}`);
    await step(
      'brush scatter',
      () => brush(page, [0.25, 0.2], [0.6, 0.7]),
      async () => {
        await page.getByTestId('range-chip-aifd').waitFor();
        await expectShown();
      },
    );
    await step('brush again', () => brush(page, [0.3, 0.25], [0.75, 0.8]), () => expectShown());
    await step(
      'sort by IFD',
      () => page.getByTestId('header-ifd').click(),
      async () => {
        await page.waitForFunction(() => document.querySelector('[data-testid="header-ifd"]')?.getAttribute('aria-sort') === 'ascending', undefined, { polling: 'raf' });
        await waitSettled(page);
      },
    );
    await step('range on dist. consistency', () => setRange(page, 'dist_consistency', '0.8', '0.98'), () => expectShown());
    await step(
      'sort by AIFD gap',
      () => page.getByTestId('header-aifd_gap').click(),
      async () => {
        await page.waitForFunction(() => document.querySelector('[data-testid="header-aifd_gap"]')?.getAttribute('aria-sort') === 'ascending', undefined, {
          polling: 'raf',
        });
        await waitSettled(page);
      },
    );
    await page.getByTestId('range-clear-all').click();
    await expectShown();
    await quiet(page);
    await step(
      'click histogram bar',
      () => clickBar(page, 'hist-ifd', 0.5),
      async () => {
        await page.getByTestId('range-chip-ifd').waitFor();
        await expectShown();
      },
    );
    await step('text filter', () => page.getByTestId('filter-input').fill('ocean energy'), () => expectShown('ocean energy'));
    await step(
      'clear everything',
      async () => {
        await page.getByTestId('filter-input').fill('');
        await page.getByTestId('range-chip-clear-ifd').click();
      },
      () => waitText(page, 'shown-count', shownText(N, N)),
    );
    await step(
      'scroll the table (5 jumps)',
      async () => {
        for (let i = 1; i <= 5; i++) await page.getByTestId('table-body').evaluate((el, f) => (el.scrollTop = el.scrollHeight * f), i / 6);
      },
      () => page.getByTestId('sample-row').first().waitFor(),
    );
    return { figures, notes };
  } finally {
    await close();
  }
}

// ---------------------------------------------------------------------------------------------

function table(figures: Figure[]): string[] {
  const w = Math.max(...figures.map((f) => f.label.length), 10);
  const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - s.length));
  const lines = [`| ${pad('step', w)} | time       | longest task | long tasks |`, `|${'-'.repeat(w + 2)}|------------|--------------|------------|`];
  for (const f of figures)
    lines.push(`| ${pad(f.label, w)} | ${pad(secs(f.ms), 10)} | ${pad(`${f.longestTaskMs.toFixed(0)} ms`, 12)} | ${pad(String(f.longTasks), 10)} |`);
  return lines;
}

async function serveBuild(): Promise<{ origin: string; close: () => Promise<void> }> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-ui-dist-'));
  log(`building the production bundle into ${outDir}`);
  const configFile = path.join(ROOT, 'vite.config.ts');
  await build({ root: ROOT, configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({ root: ROOT, configFile, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  const addr = server.httpServer.address();
  if (!addr || typeof addr === 'string') throw new Error('vite preview did not start');
  return {
    origin: `http://127.0.0.1:${addr.port}`,
    close: async () => {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-ui-'));
  let server: { origin: string; close: () => Promise<void> } | null = null;
  let browser: Browser | null = null;
  const sections: string[] = [];
  try {
    const plain = path.join(dataDir, `large-${N}.jsonl`);
    const scoredFile = path.join(dataDir, `large-scored-${N}.jsonl`);
    if (ONLY !== 'charts') execFileSync('node', [path.join(ROOT, 'scripts/make-large.mjs'), plain, String(N)], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (ONLY !== 'load') execFileSync('node', [path.join(ROOT, 'scripts/make-large-scored.mjs'), scoredFile, String(N)], { stdio: ['ignore', 'ignore', 'inherit'] });
    server = URL_ARG ? { origin: URL_ARG.replace(/\/$/, ''), close: async () => undefined } : await serveBuild();
    log(`app at ${server.origin}`);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const header = `UI benchmark: ${URL_ARG ? `app at ${URL_ARG}` : 'production build (vite preview)'}, Chromium ${browser.version()}, ${os.cpus().length} CPUs, ${fmt(N)} samples per file`;
    sections.push('', header);
    if (ONLY !== 'charts') {
      log('scenario: load / filter / restore (unscored)');
      sections.push('', 'Load, filter and restore (scripts/make-large.mjs):', ...table(await loadScenario(browser, server.origin, plain)));
    }
    if (ONLY !== 'load') {
      log('scenario: charts (scored)');
      const { figures, notes } = await chartsScenario(browser, server.origin, scoredFile);
      const steps = figures.slice(1);
      sections.push(
        '',
        `Charts and score filters (scripts/make-large-scored.mjs; ${notes.join('; ')}):`,
        ...table(figures),
        `longest task over the brushing / filtering / sorting steps: ${Math.max(0, ...steps.map((s) => s.longestTaskMs)).toFixed(0)} ms (goal: under 200 ms)`,
      );
    }
    sections.push(
      '',
      'time: from the first input until the expected state is on screen; longest task: Long Tasks API (> 50 ms, 0 = none), including trailing renders.',
    );
  } finally {
    await browser?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(sections.join('\n'));
  console.log(`total ${((performance.now() - tStart) / 1000).toFixed(0)}s`);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench:ui failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
