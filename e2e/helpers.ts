import { expect, type Page } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fixture = (name: string) => path.join(FIXTURES, name);

/** Opens the workbench. `demo: false` starts with no dataset (the `?nodemo` switch). */
export async function openApp(page: Page, { demo = true } = {}): Promise<void> {
  await page.goto(demo ? '/' : '/?nodemo');
  if (demo) await expect(page.getByTestId('row-count')).toHaveText('60');
}

export async function loadFile(page: Page, file: string): Promise<void> {
  await page.getByTestId('dataset-file-input').setInputFiles(file);
}

export async function rowCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('row-count').textContent());
}

export async function readDownload(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return { name: download.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
}

/** Fails the test if the page talks to anything but its own origin: dataset bytes must stay on device. */
export function forbidExternalRequests(page: Page, origin: string): string[] {
  const external: string[] = [];
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:')) external.push(url);
  });
  return external;
}

/** Every row of one object store of the app's IndexedDB database (`quarry`). */
export function readStore<T>(page: Page, store: string): Promise<T[]> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('quarry');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    try {
      return await new Promise<T[]>((res, rej) => {
        const req = db.transaction(name).objectStore(name).getAll();
        req.onsuccess = () => res(req.result as T[]);
        req.onerror = () => rej(req.error);
      });
    } finally {
      db.close();
    }
  }, store);
}

/** `sampleId:s(A|Q)` of every score stored in IndexedDB. */
export async function storedScores(page: Page): Promise<string[]> {
  return (await readStore<{ sampleId: string; result: { scores: { s_a_given_q: number } } }>(page, 'scores')).map((r) => `${r.sampleId}:${r.result.scores.s_a_given_q}`);
}

/** The local models the specs score with (served from ../shared/models). */
export const LOCAL_MODEL = 'llama2c-stories260K';
export const LOCAL_EMBEDDER = 'universal-sentence-encoder-lite';

export interface ScoringSetup {
  /** A local model (default LOCAL_MODEL), or a hub id loaded from `host` with the panel's hub fields. */
  model?: string | { hub: string; host: string };
  device?: 'wasm' | 'webgpu' | 'auto';
  dtype?: string;
  /** Attacks to check, in this order. */
  attacks?: string[];
  /** Variants per sample (the field appears once an attack is checked). */
  variants?: number;
  /** A local embedding model. */
  embedModel?: string;
}

/**
 * Opens the scoring panel and sets a run up, without starting it: the model, device and dtype, then
 * the attacks, variants per sample and embedder. Callers add what else they need and press
 * `score-start` (see startScoring).
 */
export async function configureScoring(page: Page, setup: ScoringSetup = {}): Promise<void> {
  const { model = LOCAL_MODEL, device = 'wasm', dtype = 'fp32', attacks = [], variants, embedModel } = setup;
  await page.getByTestId('score-open').click();
  if (typeof model === 'string') {
    await page.getByTestId('score-model').selectOption(`local:${model}`);
  } else {
    await page.getByTestId('score-hub-host').fill(model.host);
    await page.getByTestId('score-hub-id').fill(model.hub);
    await page.getByRole('button', { name: 'Use' }).click();
  }
  await page.getByTestId('score-device').selectOption(device);
  await page.getByTestId('score-dtype').selectOption(dtype);
  for (const attack of attacks) await page.getByTestId(`attack-${attack}`).check();
  if (variants !== undefined) await page.getByTestId('score-variants').fill(String(variants));
  if (embedModel !== undefined) await page.getByTestId('score-embed-model').selectOption(`local:${embedModel}`);
}

/** configureScoring, then starts the run. */
export async function startScoring(page: Page, setup: ScoringSetup = {}): Promise<void> {
  await configureScoring(page, setup);
  await page.getByTestId('score-start').click();
}
