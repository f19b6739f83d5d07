// Scoring benchmark: samples/s of the full scoring pipeline versus a one-sample-at-a-time
// baseline, side by side in ONE run, in three runtimes:
//   - CLI runtime: TransformersEngine on onnxruntime-node (this process);
//   - browser, WASM and WebGPU: headless Chromium (/usr/bin/chromium) on a Vite dev server started
//     here (COOP/COEP, so multi-threaded WASM), the page importing /src/engine/client.ts and driving
//     the real model Web Worker (WorkerEngineClient).
//
//   npm run bench -- [--cli N] [--cli-base N] [--wasm N] [--wasm-base N] [--webgpu N] [--webgpu-base N]
//                    [--rounds R] [--model ID] [--no-browser] [--no-webgpu]
//
// Workload: bench/gpt2-like (random weights in distilgpt2's shape, int8, vocabulary 50 257, byte-level
// tokenizer without merges: one token per byte), alpaca template (with input), synthetic samples of
// instruction 32 + input 32 + response 64 = 128 bytes = 128 tokens, each with K = 2 deterministic
// variants from the sentence-level attacks (CheckList-like random token appended, StressTest-like
// "and true is true" appended). Per sample: s(A|Q), s(A), s(A|Q'_1..2), AIFD and distribution
// consistency (JS over the 50 257-token distributions at every response position).
//
//   pipeline  engine.score defaults: length-bucketed batches (<= 16), s(A) once per sample, the
//             template prefix run once (shared-prefix KV cache), the LM head on response rows only;
//   baseline  engine.score({ naive: true }): one sample at a time, every text its own batch-1
//             full forward pass: s(A|Q), s(A), then s(A|Q') and s(A) again per variant (as Cherry
//             LLM's scripts do); same metrics code, so the same numbers.
//
// Each runtime is warmed up first (the first batches in a fresh page run 3-5x slower). The CLI
// and browser-WASM rounds are interleaved (CLI pipeline, CLI baseline, WASM pipeline, WASM
// baseline, repeated) so that all four see the same machine load; samples/s = all samples / all
// seconds. WebGPU (SwiftShader here, ~100x slower than WASM) runs a few samples at the end.
// Absolute numbers are noisy on a small shared machine: compare the ratios.

import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { checklistCandidates, makeRng, stresstestCandidates } from '../src/core/attacks';
import { makeTemplate } from '../src/core/templates';
import type { Sample } from '../src/core/types';
import { TransformersEngine } from '../src/engine/transformers';
import type { DevicePreference, LoadInfo, ScoreItem, ScoreRequest, ScoreResult } from '../src/engine/types';
import { CHROMIUM_ARGS } from '../playwright.config';

const ROOT = path.resolve(import.meta.dirname, '..');
const MODELS = path.resolve(ROOT, process.env.QUARRY_MODELS_DIR ?? '../shared/models');

// ---------------------------------------------------------------------------------------------
// Arguments

function arg(name: string, fallback: number): number;
function arg(name: string, fallback: string): string;
function arg(name: string, fallback: number | string): number | string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) return fallback;
  return typeof fallback === 'number' ? Number(v) : v;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const MODEL_ID = arg('model', 'bench/gpt2-like');
const ROUNDS = arg('rounds', 3);
const COUNTS = {
  cli: { pipe: arg('cli', 16), base: arg('cli-base', 4) },
  wasm: { pipe: arg('wasm', 8), base: arg('wasm-base', 2) },
  webgpu: { pipe: arg('webgpu', 1), base: arg('webgpu-base', 1) },
};
/**
 * SwiftShader (the only WebGPU adapter here) runs ~100x slower than WASM: a full-size sample takes
 * ~2 min in the pipeline and ~4 min in the baseline, so WebGPU scores samples of this fraction of
 * the size (same template, same variants).
 */
const WEBGPU_SCALE = arg('webgpu-scale', 0.25);
const WARM = 4;

// ---------------------------------------------------------------------------------------------
// Workload

const WORDS = (
  'the a of to and in is it you that he was for on are with as his they be at one have this from or had by hot word but ' +
  'what some we can out other were all there when up use your how said an each she which do their time if will way about ' +
  'many then them write would like so these her long make thing see him two has look more day could go come did number ' +
  'sound no most people my over know water than call first who may down side been now find any new work part take get ' +
  'place made live where after back little only round man year came show every good me give our under name very through'
).split(' ');

/** `n` bytes of ASCII words (a sentence), deterministic in `rng`. */
function text(rng: ReturnType<typeof makeRng>, n: number, end: string): string {
  let s = '';
  while (s.length < n) s += (s ? ' ' : '') + WORDS[rng.int(WORDS.length)]!;
  s = s.slice(0, n - end.length).replace(/ $/, 'x') + end;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * `n` samples of instruction 32 + input 32 + response 64 bytes (times `scale`), each with a
 * CheckList-like and a StressTest-like variant. Deterministic.
 */
export function makeItems(n: number, scale = 1): ScoreItem[] {
  const items: ScoreItem[] = [];
  const size = (b: number) => Math.max(4, Math.round(b * scale));
  for (let i = 0; i < n; i++) {
    const rng = makeRng('quarry-bench', scale, i);
    const sample: Sample = {
      id: `bench-${scale}-${i}`,
      index: i,
      line: i + 1,
      instruction: text(rng, size(32), '.'),
      input: text(rng, size(32), '.'),
      response: ` ${text(rng, size(64) - 1, '.')}`,
      history: [],
    };
    const c = checklistCandidates(sample.instruction, makeRng('checklist', i), 1, 10)[0]!;
    const s = stresstestCandidates(sample.instruction, makeRng('stresstest', i), 1, 1)[0]!;
    items.push({
      sample,
      variants: [
        { attack: 'checklist', instruction: c.text, edits: c.edits },
        { attack: 'stresstest', instruction: s.text, edits: s.edits },
      ],
    });
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Timing {
  samples: number;
  seconds: number;
}

interface Runtime {
  name: string;
  info: LoadInfo;
  loadSeconds: number;
  counts: { pipe: number; base: number };
  score: Scorer;
  pipe: Timing;
  base: Timing;
  /** max |Δ| pipeline vs baseline over s(A|Q), s(A), AIFD, dist consistency (same samples). */
  maxDiff: number;
  close(): Promise<void>;
}

type Scorer = (req: ScoreRequest) => Promise<ScoreResult[]>;

function maxScoreDiff(a: ScoreResult[], b: ScoreResult[]): number {
  let d = 0;
  b.forEach((rb, i) => {
    const x = a[i]!.scores;
    const y = rb.scores;
    for (const k of ['s_a_given_q', 's_a', 'aifd', 'dist_consistency'] as const) {
      const u = x[k];
      const v = y[k];
      d = Math.max(d, u === null || v === null ? (u === v ? 0 : Infinity) : Math.abs(u - v));
    }
  });
  return d;
}

const request = (items: ScoreItem[], naive: boolean): ScoreRequest => ({ items, template: 'alpaca', naive });

/** Scores the warm-up samples (pipeline, then one baseline sample): the first batches of a fresh page are 3-5x slower. */
async function warmUp(rt: Runtime, items: ScoreItem[], n: number, log: (s: string) => void): Promise<void> {
  const t0 = performance.now();
  const warm = items.slice(items.length - n);
  await rt.score(request(warm, false));
  await rt.score(request(warm.slice(0, 1), true));
  log(`warm-up (${n} + 1 samples) ${((performance.now() - t0) / 1000).toFixed(1)}s`);
}

/** One round: the pipeline on the first counts.pipe samples, then the baseline on the first counts.base. */
async function round(rt: Runtime, items: ScoreItem[], log: (s: string) => void): Promise<void> {
  let t = performance.now();
  const pipe = await rt.score(request(items.slice(0, rt.counts.pipe), false));
  const tp = (performance.now() - t) / 1000;
  t = performance.now();
  const base = await rt.score(request(items.slice(0, rt.counts.base), true));
  const tb = (performance.now() - t) / 1000;
  rt.pipe.samples += rt.counts.pipe;
  rt.pipe.seconds += tp;
  rt.base.samples += rt.counts.base;
  rt.base.seconds += tb;
  rt.maxDiff = Math.max(rt.maxDiff, maxScoreDiff(pipe, base));
  log(
    `pipeline ${rt.counts.pipe} samples ${tp.toFixed(1)}s (${(rt.counts.pipe / tp).toFixed(3)}/s), baseline ${rt.counts.base} samples ${tb.toFixed(1)}s (${(rt.counts.base / tb).toFixed(3)}/s): ${(rt.counts.pipe / tp / (rt.counts.base / tb)).toFixed(2)}x`,
  );
}

function newRuntime(name: string, info: LoadInfo, loadSeconds: number, counts: { pipe: number; base: number }, score: Scorer, close: () => Promise<void>): Runtime {
  return { name, info, loadSeconds, counts, score, close, pipe: { samples: 0, seconds: 0 }, base: { samples: 0, seconds: 0 }, maxDiff: 0 };
}

async function cliRuntime(log: (s: string) => void): Promise<Runtime> {
  const engine = new TransformersEngine();
  const t0 = performance.now();
  const info = await engine.load({ model: { kind: 'local', root: path.dirname(path.join(MODELS, MODEL_ID)), id: path.basename(MODEL_ID) } });
  const loadSeconds = (performance.now() - t0) / 1000;
  log(`loaded ${info.model} on ${info.device} (${info.dtype}) in ${loadSeconds.toFixed(1)}s: ${info.reason}`);
  return newRuntime('CLI onnxruntime-node', info, loadSeconds, COUNTS.cli, (r) => engine.score(r), () => engine.dispose());
}

// ---------------------------------------------------------------------------------------------
// Browser

/** The page's side: plain JS (no TS helpers), run with page.evaluate. */
const PAGE_LOAD = `async ({ model, device }) => {
  const { WorkerEngineClient, createModelWorker } = await import('/src/engine/client.ts');
  const engine = new WorkerEngineClient(createModelWorker());
  const t0 = performance.now();
  const info = await engine.load({ model: { kind: 'local', root: '/models/', id: model }, device });
  window.__bench = { engine };
  return { info, loadSeconds: (performance.now() - t0) / 1000, isolated: self.crossOriginIsolated };
}`;
const PAGE_SCORE = `async (req) => window.__bench.engine.score(req)`;
const PAGE_DISPOSE = `async () => { if (window.__bench) await window.__bench.engine.terminate(); window.__bench = undefined; }`;

async function evaluate<T>(page: Page, fn: string, arg: unknown): Promise<T> {
  return (await page.evaluate(`(${fn})(${JSON.stringify(arg)})`)) as T;
}

/** A fresh page with its own model worker on `device`. */
export async function browserRuntime(
  browser: Browser,
  origin: string,
  name: string,
  device: DevicePreference,
  counts: { pipe: number; base: number },
  log: (s: string) => void,
): Promise<Runtime> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(`${origin}/__bench__`);
  const loaded = await evaluate<{ info: LoadInfo; loadSeconds: number; isolated: boolean }>(page, PAGE_LOAD, { model: MODEL_ID, device });
  const { info } = loaded;
  log(
    `loaded ${info.model} on ${info.device} (${info.dtype}, ${info.numThreads ?? '?'} threads, cross-origin isolated: ${loaded.isolated}) in ${loaded.loadSeconds.toFixed(1)}s: ${info.reason}`,
  );
  if (info.device !== device) throw new Error(`asked for ${device}, got ${info.device} (${info.reason})`);
  // Structured data only crosses (JSON); each call is one engine.score in the page.
  const score: Scorer = (req) => evaluate<ScoreResult[]>(page, PAGE_SCORE, req);
  const close = async () => {
    await evaluate(page, PAGE_DISPOSE, null).catch(() => undefined);
    await page.close();
  };
  return newRuntime(name, info, loaded.loadSeconds, counts, score, close);
}

const BENCH_PAGE = '<!doctype html><meta charset="utf-8"><title>quarry bench</title><body>quarry bench</body>';

export async function startVite(): Promise<{ server: ViteDevServer; origin: string; cacheDir: string }> {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-vite-'));
  const server = await createServer({
    root: ROOT,
    configFile: path.join(ROOT, 'vite.config.ts'),
    cacheDir, // its own dependency cache: other dev servers of this checkout are left alone
    logLevel: 'error',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
  });
  // A bare page with the isolation headers (crossOriginIsolated -> multi-threaded WASM).
  server.middlewares.use((req, res, next) => {
    if (req.url !== '/__bench__') return next();
    res.setHeader('Content-Type', 'text/html');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.end(BENCH_PAGE);
  });
  await server.listen();
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('vite did not start');
  return { server, origin: `http://127.0.0.1:${addr.port}`, cacheDir };
}

// ---------------------------------------------------------------------------------------------
// Report

const rate = (t: Timing) => t.samples / t.seconds;
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const fx = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

function describeWorkload(items: ScoreItem[], label = 'workload'): string {
  const t = makeTemplate('alpaca');
  const it = items[0]!;
  const s = it.sample;
  const parts = { instruction: s.instruction, input: s.input, history: s.history };
  const q = t.withPrompt(parts, s.response);
  const a = t.answerOnly(s.response);
  const v = it.variants!.map((x) => t.withPrompt({ ...parts, instruction: x.instruction }, s.response).text.length);
  const bytes = (x: string) => new TextEncoder().encode(x).length;
  return [
    `${label}: ${MODEL_ID}, alpaca template with input; sample = instruction ${bytes(s.instruction)} + input ${bytes(s.input)} + response ${bytes(s.response)} = ${bytes(s.instruction) + bytes(s.input) + bytes(s.response)} bytes = tokens (byte-level, no merges)`,
    `  scored texts per sample (tokens): s(A|Q) ${bytes(q.text)} (template text ${bytes(q.text) - bytes(s.instruction) - bytes(s.input) - bytes(s.response)}, of which ${bytes(q.text.slice(0, q.text.indexOf(s.instruction)))} before the instruction), s(A) ${bytes(a.text)}, s(A|Q') ${v.join(' / ')}; response tokens scored: ${bytes(s.response)}`,
    `  K = 2 variants per sample: CheckList-like (random 10-char token appended), StressTest-like ("and true is true" appended); AIFD + distribution consistency (JS over V = 50 257)`,
    `  pipeline = engine.score defaults: length-bucketed batches (<= 16), s(A) once per sample, template prefix run once (KV cache), LM head on response rows only`,
    `  baseline = engine.score({naive: true}): one sample at a time, batch-1 full passes s(A|Q), s(A), then s(A|Q') and s(A) again per variant (as Cherry LLM); same metrics code`,
  ].join('\n');
}

function report(items: ScoreItem[], runs: Array<{ name: string; r: Runtime | null; why?: string }>, notes: string[]): void {
  const lines: string[] = [];
  lines.push('');
  lines.push(describeWorkload(items));
  lines.push(`  warm-up first; CLI and browser-WASM rounds interleaved (${ROUNDS} rounds of pipeline then baseline each); samples/s = all samples / all seconds`);
  lines.push('');
  const head = ['runtime', 'device', 'pipeline samples/s (n)', 'baseline samples/s (n)', 'pipeline/baseline', 'max |Δ| pipe vs base'];
  const w = [22, 30, 23, 23, 20, 20];
  lines.push(`| ${head.map((h, i) => pad(h, w[i]!)).join(' | ')} |`);
  lines.push(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
  for (const { name, r, why } of runs) {
    if (!r) {
      lines.push(`| ${[pad(name, w[0]!), pad(`not run: ${why ?? ''}`, w[1]!), ...w.slice(2).map((n) => pad('', n))].join(' | ')} |`);
      continue;
    }
    const i = r.info;
    const dev = `${i.device} ${i.dtype}${i.numThreads ? ` ${i.numThreads} threads` : ''}${i.prefixCache ? '' : ' (no prefix cache)'}`;
    lines.push(
      `| ${[
        pad(name, w[0]!),
        pad(dev, w[1]!),
        pad(`${fx(rate(r.pipe), 3)} (${r.pipe.samples})`, w[2]!),
        pad(`${fx(rate(r.base), 3)} (${r.base.samples})`, w[3]!),
        pad(`${fx(rate(r.pipe) / rate(r.base))}x (goal >= 3x)`, w[4]!),
        pad(r.maxDiff.toExponential(1), w[5]!),
      ].join(' | ')} |`,
    );
  }
  const cli = runs.find((x) => x.name.startsWith('CLI'))?.r;
  const wasm = runs.find((x) => x.name.includes('WASM'))?.r;
  lines.push('');
  if (cli && wasm) {
    lines.push(`browser-WASM / CLI: pipeline ${fx(rate(wasm.pipe) / rate(cli.pipe))}x (goal >= 0.5x); baseline ${fx(rate(wasm.base) / rate(cli.base))}x`);
  }
  lines.push(
    'max |Δ|: dynamic int8 quantisation (DynamicQuantizeLinear) scales activations per batch tensor, so batched and batch-1 passes of this model differ slightly; fp32 models agree to ~1e-6 (tests).',
  );
  lines.push(...notes);
  console.log(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const tStart = performance.now();
  const maxN = Math.max(COUNTS.cli.pipe, COUNTS.wasm.pipe, COUNTS.webgpu.pipe);
  const items = makeItems(maxN + WARM);
  const log = (tag: string) => (s: string) => process.stderr.write(`[bench ${((performance.now() - tStart) / 1000).toFixed(0)}s] ${tag}: ${s}\n`);
  const runs: Array<{ name: string; r: Runtime | null; why?: string }> = [];
  const notes: string[] = [];

  const cli = await cliRuntime(log('cli'));
  const interleaved: Runtime[] = [cli];
  let vite: Awaited<ReturnType<typeof startVite>> | null = null;
  let browser: Browser | null = null;
  try {
    if (!flag('no-browser')) {
      vite = await startVite();
      log('vite')(`dev server at ${vite.origin}`);
      browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
      interleaved.push(await browserRuntime(browser, vite.origin, 'browser WASM', 'wasm', COUNTS.wasm, log('wasm')));
    }
    for (const rt of interleaved) await warmUp(rt, items, WARM, log(rt.name));
    for (let r = 1; r <= ROUNDS; r++) for (const rt of interleaved) await round(rt, items, log(`${rt.name} round ${r}`));
    for (const rt of interleaved) runs.push({ name: rt.name, r: rt });
    if (!browser) runs.push({ name: 'browser WASM', r: null, why: '--no-browser' });
    for (const rt of interleaved.slice(1)) await rt.close();

    // WebGPU (SwiftShader here: a CPU emulation, ~100x slower than WASM): few, smaller samples, one round.
    if (!browser || flag('no-webgpu')) runs.push({ name: 'browser WebGPU', r: null, why: browser ? '--no-webgpu' : '--no-browser' });
    else {
      try {
        const gpuItems = makeItems(COUNTS.webgpu.pipe + 1, WEBGPU_SCALE);
        const gpu = await browserRuntime(browser, vite!.origin, `browser WebGPU (x${WEBGPU_SCALE})`, 'webgpu', COUNTS.webgpu, log('webgpu'));
        await warmUp(gpu, gpuItems, 1, log('webgpu'));
        await round(gpu, gpuItems, log('webgpu round 1'));
        runs.push({ name: gpu.name, r: gpu });
        notes.push(
          `WebGPU (SwiftShader: the GPU emulated on the CPU, so only the code path is meaningful, not the speed): ${COUNTS.webgpu.pipe} + ${COUNTS.webgpu.base} samples, one round after a 1 + 1 sample warm-up, on samples scaled by ${WEBGPU_SCALE}:`,
          describeWorkload(gpuItems, '  WebGPU workload').split('\n').slice(0, 2).join('\n'),
        );
        await gpu.close();
      } catch (e) {
        runs.push({ name: 'browser WebGPU', r: null, why: e instanceof Error ? e.message.split('\n')[0] : String(e) });
      }
    }
  } finally {
    await cli.close();
    await browser?.close();
    if (vite) {
      await vite.server.close();
      rmSync(vite.cacheDir, { recursive: true, force: true });
    }
  }
  report(items, runs, notes);
  console.log(`total ${((performance.now() - tStart) / 1000).toFixed(0)}s`);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
