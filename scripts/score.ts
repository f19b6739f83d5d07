// Quarry scoring CLI (issue #3).
//
//   npm run score -- --in data.jsonl --out scored.jsonl --model ../shared/models/llama2c-stories260K
//     [--embed-model DIR_OR_ID] [--template alpaca|plain|chat] [--dtype fp32|fp16|q8|q4]
//     [--attacks a,b] [--variants K] [--seed N] [--max-tokens N] [--shard I/N] [--batch-size N]
//
// Reads any format `ingest` reads (JSONL, JSON, CSV/TSV, Parquet) and writes JSONL: every input
// record unchanged plus "quarry": QuarryRecordMeta. --model / --embed-model: an existing
// directory is loaded from disk (transformers.js layout); anything else is a hub id fetched from
// $QUARRY_REMOTE_HOST (default https://huggingface.co/). --shard I/N keeps the samples whose
// 0-based record index satisfies index mod N == I-1 (1-based I), so N runs with I = 1..N cover
// the input exactly once. Progress goes to stderr.

import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ingest, bytesSource } from '../src/core/ingest';
import type { IngestedRow } from '../src/core/ingest';
import type { QuarryRecordMeta } from '../src/core/types';
import { isTemplateName, type TemplateName } from '../src/core/templates';
import { inShard, parseShard } from '../src/core/scoring/planner';
import { noVariants, withVariants, type VariantSource } from '../src/core/scoring/variants';
import { createAttackSource, validateAttackNames } from '../src/engine/attackSource';
import { TransformersEngine } from '../src/engine/transformersEngine';
import { DTYPES, type DType, type ModelSource, type ScoreResult } from '../src/engine/types';

export interface CliOptions {
  in: string;
  out: string;
  model: string;
  embedModel: string | null;
  /** Output-embedding consistency (greedy generation) when an embed model is given; --no-embed-consistency turns it off. */
  embedConsistency: boolean;
  template: TemplateName;
  dtype: DType | undefined;
  attacks: string[];
  variants: number;
  seed: number;
  maxTokens: number;
  shard: { index: number; count: number } | null;
  batchSize: number;
  /** Samples per engine.score call (memory bound on pending results). */
  chunk: number;
  quiet: boolean;
}

const USAGE = `usage: npm run score -- --in FILE --out FILE --model DIR_OR_HUB_ID
  [--embed-model DIR_OR_ID] [--template alpaca|plain|chat] [--dtype fp32|fp16|q8|q4]
  [--attacks LIST] [--variants K] [--seed N] [--max-tokens N] [--shard I/N] [--batch-size N]
  [--no-embed-consistency]   (with --embed-model: skip greedy generation; the embedder still guards attacks)`;

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = {
    in: '',
    out: '',
    model: '',
    embedModel: null,
    embedConsistency: true,
    template: 'alpaca',
    dtype: undefined,
    attacks: [],
    variants: 0,
    seed: 0,
    maxTokens: 512,
    shard: null,
    batchSize: 16,
    chunk: 256,
    quiet: false,
  };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--in': o.in = val(); break;
      case '--out': o.out = val(); break;
      case '--model': o.model = val(); break;
      case '--embed-model': o.embedModel = val(); break;
      case '--no-embed-consistency': o.embedConsistency = false; break;
      case '--template': {
        const t = val();
        if (!isTemplateName(t)) throw new Error(`--template must be alpaca, plain or chat, got "${t}"`);
        o.template = t;
        break;
      }
      case '--dtype': {
        const d = val();
        if (!(DTYPES as readonly string[]).includes(d)) throw new Error(`--dtype must be one of ${DTYPES.join(', ')}, got "${d}"`);
        o.dtype = d as DType;
        break;
      }
      case '--attacks': o.attacks = val().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--variants': o.variants = int(flag, val(), 0); break;
      case '--seed': o.seed = int(flag, val(), 0); break;
      case '--max-tokens': o.maxTokens = int(flag, val(), 8); break;
      case '--shard': o.shard = parseShard(val()); break;
      case '--batch-size': o.batchSize = int(flag, val(), 1); break;
      case '--chunk': o.chunk = int(flag, val(), 1); break;
      case '--quiet': o.quiet = true; break;
      case '-h':
      case '--help':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument "${a}"\n${USAGE}`);
    }
  }
  if (!o.in || !o.out || !o.model) throw new Error(`--in, --out and --model are required\n${USAGE}`);
  if (o.variants > 0 && o.attacks.length === 0) throw new Error('--variants K > 0 needs --attacks LIST');
  return o;
}

/** An existing directory -> local source (parent dir + folder name); otherwise a hub id. */
export function modelSource(spec: string): ModelSource {
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    const abs = path.resolve(spec);
    return { kind: 'local', root: path.dirname(abs), id: path.basename(abs) };
  }
  return { kind: 'hub', id: spec, remoteHost: process.env.QUARRY_REMOTE_HOST };
}

/** JSON for a record: BigInt (Parquet int64) as a number when exact, else a string. */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? (Number.isSafeInteger(Number(x)) ? Number(x) : x.toString()) : x));
}

function meta(r: ScoreResult, model: string, template: string): QuarryRecordMeta {
  const m: QuarryRecordMeta = {
    id: r.id,
    model,
    template,
    scores: r.error ? null : r.scores,
    variants: r.variants,
    decision: null,
  };
  if (r.truncated) m.truncated = true;
  return m;
}

/** Prompt attacks searched against the loaded model; they need the embedder for the meaning constraint. */
function attackSource(engine: TransformersEngine, o: CliOptions): VariantSource {
  if (o.attacks.length === 0 || o.variants === 0) return noVariants;
  if (!o.embedModel) throw new Error('--attacks needs --embed-model (the meaning-preservation constraint compares sentence embeddings)');
  return createAttackSource(engine, { attacks: o.attacks, template: o.template, maxTokens: o.maxTokens, batchSize: o.batchSize });
}

export async function runCli(o: CliOptions, log: (s: string) => void = (s) => process.stderr.write(s)): Promise<{ samples: number; seconds: number }> {
  const t0 = performance.now();
  validateAttackNames(o.attacks);
  const engine = new TransformersEngine();
  const info = await engine.load({
    model: modelSource(o.model),
    dtype: o.dtype,
    embedModel: o.embedModel ? modelSource(o.embedModel) : null,
  });
  log(`[score] model ${info.model} on ${info.device} (${info.dtype}; ${info.reason})${info.embedModel ? `, embedder ${info.embedModel}` : ''}\n`);
  if (!info.batchInvariant && o.batchSize > 1) log('[score] note: this model\'s logits depend on the batch (dynamic quantization); use --batch-size 1 for exactly reproducible scores\n');
  if (o.template === 'chat' && !info.hasChatTemplate) throw new Error(`--template chat: ${info.model} has no chat template`);
  const source = attackSource(engine, o);

  const out = createWriteStream(o.out);
  const write = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.write(line)) resolve();
      else out.once('drain', resolve).once('error', reject);
    });

  const bytes = readFileSync(o.in);
  const tty = process.stderr.isTTY === true;
  let lastTick = 0;
  let pending: IngestedRow[] = [];
  let scored = 0;
  let skipped = 0;
  const tScore = performance.now();
  const flush = async () => {
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    const items = await withVariants(rows.map((r) => r.sample), source, o.variants, o.seed);
    const results = await engine.score(
      {
        items,
        template: o.template,
        maxTokens: o.maxTokens,
        batchSize: o.batchSize,
        embedConsistency: o.embedModel !== null && o.embedConsistency,
      },
      o.quiet || !tty
        ? undefined
        : (p) => {
            const now = performance.now();
            if (now - lastTick < 250) return;
            lastTick = now;
            log(`\r[score] ${scored} samples done; chunk: ${p.phase} ${p.done}/${p.total}          `);
          },
    );
    for (let i = 0; i < rows.length; i++) {
      const r = results[i]!;
      if (r.error) log(`\n[score] line ${rows[i]!.sample.line}: not scored: ${r.error}\n`);
      await write(`${toJson({ ...rows[i]!.raw, quarry: meta(r, info.model, o.template) })}\n`);
    }
    scored += rows.length;
    const dt = (performance.now() - tScore) / 1000;
    if (!o.quiet) log(`${tty ? '\r' : ''}[score] ${scored} samples, ${(scored / dt).toFixed(1)} samples/s${tty ? '          ' : '\n'}`);
  };

  for await (const ev of ingest(bytesSource(path.basename(o.in), bytes))) {
    if (ev.type === 'needs-mapping') throw new Error(`cannot tell instruction/response fields apart; columns: ${ev.columns.join(', ')}`);
    if (ev.type === 'shape' && !o.quiet) log(`[score] ${path.basename(o.in)}: ${ev.shape} records\n`);
    if (ev.type !== 'batch') continue;
    skipped += ev.issues.length;
    for (const issue of ev.issues.slice(0, 5)) log(`[score] skipped line ${issue.line}: ${issue.message}\n`);
    for (const row of ev.rows) {
      if (!inShard(row.sample.index, o.shard)) continue;
      pending.push(row);
      if (pending.length >= o.chunk) await flush();
    }
  }
  await flush();
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  await engine.dispose();
  const seconds = (performance.now() - t0) / 1000;
  const scoreSeconds = (performance.now() - tScore) / 1000;
  log(
    `${tty ? '\n' : ''}[score] wrote ${scored} records to ${o.out}${skipped ? ` (${skipped} input rows skipped)` : ''}` +
      ` in ${seconds.toFixed(1)}s (${(scored / Math.max(scoreSeconds, 1e-9)).toFixed(1)} samples/s scoring)\n`,
  );
  return { samples: scored, seconds };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  let opts: CliOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  runCli(opts).catch((e: unknown) => {
    process.stderr.write(`\n[score] error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
