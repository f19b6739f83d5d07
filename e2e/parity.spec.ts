import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openApp, readDownload, startScoring } from './helpers';

// The same 20 demo samples scored in the browser on WASM, on WebGPU (SwiftShader here) and by the
// CLI on onnxruntime-node must agree on s(A|Q) and s(A) within 1e-4 (fp32 llama2c-stories260K).
const TOLERANCE = 1e-4;
const MODEL = 'llama2c-stories260K';

test.describe.configure({ timeout: 600_000 });

const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-parity-'));
const input = path.join(dir, 'demo20.jsonl');
writeFileSync(input, readFileSync('public/demo/demo.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, 20).join('\n') + '\n');

type Scored = Map<string, { s_a_given_q: number; s_a: number }>;

function parse(text: string): Scored {
  const out: Scored = new Map();
  for (const line of text.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { instruction: string; quarry: { scores: { s_a_given_q: number; s_a: number } } };
    out.set(r.instruction, r.quarry.scores);
  }
  return out;
}

async function scoreInBrowser(page: Page, device: 'wasm' | 'webgpu'): Promise<Scored> {
  await openApp(page, { demo: false });
  await page.getByTestId('dataset-file-input').setInputFiles(input);
  await expect(page.getByTestId('row-count')).toHaveText('20');
  await startScoring(page, { model: MODEL, device });
  await expect(page.getByTestId('score-status')).toHaveAttribute('data-status', /done|error/, { timeout: 540_000 });
  await expect(page.getByTestId('score-error')).toHaveCount(0);
  await expect(page.getByTestId('engine-device')).toContainText(device.toUpperCase());
  // the fast paths (LM head on response rows, log-likelihood tail) passed their load-time checks
  await expect(page.getByTestId('engine-reason')).not.toContainText(/logits of all positions|log-likelihoods in JS/);
  const { text } = await readDownload(page, () => page.getByTestId('export-jsonl').click());
  return parse(text);
}

function expectAgree(a: Scored, b: Scored, label: string) {
  expect(a.size, label).toBe(20);
  expect(b.size, label).toBe(20);
  let maxDiff = 0;
  for (const [k, va] of a) {
    const vb = b.get(k)!;
    maxDiff = Math.max(maxDiff, Math.abs(va.s_a_given_q - vb.s_a_given_q), Math.abs(va.s_a - vb.s_a));
  }
  console.log(`parity ${label}: max |diff| = ${maxDiff.toExponential(2)}`);
  expect(maxDiff, label).toBeLessThan(TOLERANCE);
}

let cli: Scored;
test.beforeAll(() => {
  const out = path.join(dir, 'cli.jsonl');
  execFileSync('npx', ['tsx', 'scripts/score.ts', '--in', input, '--out', out, '--model', `../shared/models/${MODEL}`, '--dtype', 'fp32', '--variants', '0'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  cli = parse(readFileSync(out, 'utf8'));
});

test('browser WASM agrees with the CLI (onnxruntime-node)', async ({ page }) => {
  expectAgree(await scoreInBrowser(page, 'wasm'), cli, 'wasm vs cli');
});

test('browser WebGPU agrees with the CLI (onnxruntime-node)', async ({ page }) => {
  await page.goto('/?nodemo');
  const hasAdapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return !!(await gpu?.requestAdapter());
  });
  expect(hasAdapter, 'a WebGPU adapter (SwiftShader)').toBe(true);
  expectAgree(await scoreInBrowser(page, 'webgpu'), cli, 'webgpu vs cli');
});
