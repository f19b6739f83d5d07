import { expect, test, type Worker } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { openApp, readDownload, startScoring } from './helpers';

// A WebGPU failure in the middle of a run (here: every GPU read-back starts failing, as when the
// device is lost) must not fail the run: the model worker continues on WASM, the run bar says
// so, and every sample gets its scores.
test.describe.configure({ timeout: 400_000 });

const N = 16;

test('a WebGPU failure mid-run falls back to WASM with a visible notice; the run completes', async ({ page }) => {
  const lines = readFileSync('public/demo/demo.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, N);
  let modelWorker: Worker | null = null;
  page.on('worker', (w) => {
    if (w.url().includes('model.worker')) modelWorker = w;
  });
  await openApp(page, { demo: false });
  await page.getByTestId('dataset-file-input').setInputFiles({ name: 'few.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(lines.join('\n') + '\n') });
  await expect(page.getByTestId('row-count')).toHaveText(String(N));
  await startScoring(page, { device: 'webgpu' });

  // Loaded and running on WebGPU (SwiftShader here): now the GPU "goes away".
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', 'running', { timeout: 240_000 });
  await expect(page.getByTestId('engine-device')).toContainText('WEBGPU');
  await expect.poll(() => modelWorker !== null).toBe(true);
  await modelWorker!.evaluate(() => {
    const proto = (globalThis as unknown as { GPUBuffer: { prototype: { mapAsync: unknown } } }).GPUBuffer.prototype;
    proto.mapAsync = () => Promise.reject(new DOMException('the GPU device was lost (injected by the test)', 'OperationError'));
  });

  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', /done|error/, { timeout: 300_000 });
  await expect(page.getByTestId('score-error')).toHaveCount(0);
  await expect(page.getByTestId('engine-device')).toContainText('WASM');
  await expect(page.getByTestId('engine-notice')).toContainText('WebGPU failed during the run; continuing on WASM');
  await expect(page.getByTestId('engine-notice')).toContainText('injected by the test');
  // the WASM session after the fallback got the fast paths back (its own load-time checks passed)
  await expect(page.getByTestId('engine-reason')).not.toContainText(/logits of all positions|log-likelihoods in JS/);

  const { text } = await readDownload(page, () => page.getByTestId('export-jsonl').click());
  const rows = text.trim().split('\n').map((l) => JSON.parse(l) as { quarry: { scores: { s_a_given_q: number | null; s_a: number | null } } });
  expect(rows).toHaveLength(N);
  for (const r of rows) {
    expect(r.quarry.scores.s_a_given_q).toBeGreaterThan(0);
    expect(r.quarry.scores.s_a).toBeGreaterThan(0);
  }
});
