// Quarry scoring CLI: scores (and optionally attacks) every record of a file offline.
//
//   npm run score -- --in data.jsonl --out scored.jsonl --model ../shared/models/llama2c-stories260K
//     [--embed-model DIR_OR_ID] [--template alpaca|plain|chat] [--dtype fp32|fp16|q8|q4]
//     [--attacks a,b] [--variants K] [--seed N] [--max-tokens N] [--shard I/N] [--batch-size N]
//     [--cache-dir DIR]
//
// Reads any format `ingest` reads (JSONL, JSON, CSV/TSV, Parquet) and writes JSONL: every input
// record unchanged plus "quarry": QuarryRecordMeta. --model / --embed-model: an existing
// directory is loaded from disk (transformers.js layout); a value that looks like a path (see
// looksLikePath) must exist; anything else is a hub id fetched from $QUARRY_REMOTE_HOST (default
// https://huggingface.co/) and cached in --cache-dir / $QUARRY_CACHE_DIR (transformers.js'
// env.cacheDir). --shard I/N keeps the samples whose 0-based record index satisfies
// index mod N == I-1 (1-based I), so N runs with I = 1..N cover the input exactly once.
// Progress goes to stderr.
//
// File safety: --out may not be --in (same real path, or the same file through a symlink or hard
// link); the output is written to `<out>.tmp-<pid>` beside it and renamed onto --out only when the
// run succeeds, so a failed or interrupted (SIGINT/SIGTERM/SIGHUP) run leaves --out as it was.

import {
  chmodSync,
  closeSync,
  createWriteStream,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  type Stats,
  type WriteStream,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { env as transformersEnv } from '@huggingface/transformers';
import { pathToFileURL } from 'node:url';
import { ingest, bytesSource } from '../src/core/ingest';
import type { IngestedRow } from '../src/core/ingest';
import { scoredRowsPart } from '../src/core/export';
import { isTemplateName, type TemplateName } from '../src/core/templates';
import { inShard, parseShard } from '../src/core/scoring/planner';
import { noVariants, withVariants, type VariantSource } from '../src/core/scoring/variants';
import { createAttackSource, validateAttackNames } from '../src/engine/attackSource';
import { TransformersEngine } from '../src/engine/transformers';
import { DTYPES, type DType, type ModelSource } from '../src/engine/types';

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
  /** --cache-dir: where hub downloads are cached (null: $QUARRY_CACHE_DIR, else transformers.js' default). */
  cacheDir: string | null;
}

/** transformers.js' own default for env.cacheDir in Node (`.cache` inside its installed package). */
const DEFAULT_CACHE_DIR: string | null = transformersEnv.cacheDir;

const USAGE = `usage: npm run score -- --in FILE --out FILE --model DIR_OR_HUB_ID
  [--embed-model DIR_OR_ID] [--template alpaca|plain|chat] [--dtype fp32|fp16|q8|q4]
  [--attacks LIST] [--variants K] [--seed N] [--max-tokens N] [--shard I/N] [--batch-size N]
  [--cache-dir DIR] [--quiet]
  [--no-embed-consistency]   (with --embed-model: skip greedy generation; the embedder still guards attacks)

  --out        must not be --in (nor a symlink or hard link to it). The output is written to
               <out>.tmp-<pid> in the same folder and renamed onto --out only when the run succeeds;
               a failed or interrupted run leaves an existing --out unchanged.
  --model, --embed-model
               an existing folder is a local model (transformers.js layout). A value that starts
               with ./ ../ / or ~, ends with / or \\, contains \\ or more than one / is a local
               path and must exist. Anything else is a hub id (owner/name, e.g.
               onnx-community/SmolLM2-135M-Instruct), fetched from $QUARRY_REMOTE_HOST
               (default https://huggingface.co/).
  --cache-dir  where hub downloads are cached (transformers.js env.cacheDir). Default:
               $QUARRY_CACHE_DIR, else ${DEFAULT_CACHE_DIR ?? "transformers.js' .cache folder"}`;

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
    cacheDir: null,
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
      case '--cache-dir': o.cacheDir = val(); break;
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

// ---------------------------------------------------------------------------------------------
// Model sources and the hub cache

/** statSync (lstatSync with `link`: the link itself), or undefined where it throws (missing, no access, a dangling link). */
function statOrUndefined(p: string, { link = false } = {}): Stats | undefined {
  try {
    return link ? lstatSync(p) : statSync(p);
  } catch {
    return undefined;
  }
}

/** `~` and `~/x` -> the home folder; anything else unchanged. */
function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(os.homedir(), p.slice(1)) : p;
}

/**
 * A --model value that can only be a local path: starts with `.`, `/` or `~`, is absolute, ends with
 * a separator, contains a backslash or more than one `/`. Hub ids are `owner/name` (or a bare name).
 */
export function looksLikePath(spec: string): boolean {
  return (
    /^[.~/]/.test(spec) ||
    path.isAbsolute(spec) ||
    /[/\\]$/.test(spec) ||
    spec.includes('\\') ||
    spec.split('/').length > 2
  );
}

/**
 * An existing directory -> local source (parent dir + folder name). A value that looks like a path
 * (looksLikePath) but is not an existing directory, or any existing non-directory, is an error naming
 * the resolved path; anything else is a hub id.
 */
export function modelSource(spec: string, flag = '--model'): ModelSource {
  const local = expandHome(spec);
  const abs = path.resolve(local);
  const st = statOrUndefined(local);
  if (st?.isDirectory()) return { kind: 'local', root: path.dirname(abs), id: path.basename(abs) };
  if (st) throw new Error(`${flag} ${spec}: ${abs} is a file; give the model's folder (transformers.js layout)`);
  if (looksLikePath(spec)) {
    throw new Error(
      `${flag} ${spec}: no such model folder: ${abs} (a value starting with ./ ../ / or ~, ending with a separator, ` +
        'or containing \\ or more than one / is a local path; a hub id is owner/name)',
    );
  }
  return { kind: 'hub', id: spec, remoteHost: process.env.QUARRY_REMOTE_HOST };
}

/** --cache-dir, else $QUARRY_CACHE_DIR, else transformers.js' default; absolute. Never a non-directory. */
export function resolveCacheDir(flag: string | null, envValue: string | undefined = process.env.QUARRY_CACHE_DIR): string | null {
  const given = flag ?? (envValue ? envValue : null);
  if (given === null) return DEFAULT_CACHE_DIR;
  const abs = path.resolve(expandHome(given));
  const st = statOrUndefined(abs);
  if (st && !st.isDirectory()) {
    throw new Error(`${flag !== null ? '--cache-dir' : 'QUARRY_CACHE_DIR'} ${given}: ${abs} is not a directory`);
  }
  return abs;
}

/** Points transformers.js' file cache (env.cacheDir) at `dir`; returns a function that restores it. */
function useCacheDir(dir: string | null): () => void {
  const saved = transformersEnv.cacheDir;
  transformersEnv.cacheDir = dir;
  return () => {
    transformersEnv.cacheDir = saved;
  };
}

// ---------------------------------------------------------------------------------------------
// Input / output files

/**
 * Refuses an --out that is the --in file (same real path, or same device + inode: symlinks, hard
 * links, case-insensitive names), a directory, or in a missing folder. Touches nothing. Returns the
 * path the output will replace (a symlinked --out: its target, so the link survives).
 */
export function checkInOut(inFile: string, outFile: string): string {
  let inStat: Stats;
  try {
    inStat = statSync(inFile);
  } catch {
    throw new Error(`--in ${inFile}: no such file (${path.resolve(inFile)})`);
  }
  if (inStat.isDirectory()) throw new Error(`--in ${inFile}: ${path.resolve(inFile)} is a directory`);
  const inReal = realpathSync(inFile);
  const sameFile = () =>
    new Error(`--out ${outFile} is the same file as --in ${inFile} (${inReal}); writing it would destroy the input. Choose another --out.`);
  const outAbs = path.resolve(outFile);
  if (statOrUndefined(outAbs, { link: true })) {
    const outStat = statOrUndefined(outAbs);
    if (!outStat) return outAbs; // a dangling symlink: replaced by the output
    if (outStat.isDirectory()) throw new Error(`--out ${outFile}: ${outAbs} is a directory`);
    const outReal = realpathSync(outAbs);
    if (outReal === inReal || (outStat.dev === inStat.dev && outStat.ino === inStat.ino)) throw sameFile();
    return outReal;
  }
  const dir = path.dirname(outAbs);
  if (!statOrUndefined(dir)?.isDirectory()) throw new Error(`--out ${outFile}: no such folder ${dir}`);
  const outReal = path.join(realpathSync(dir), path.basename(outAbs));
  if (outReal === inReal) throw sameFile();
  return outAbs;
}

/** Temp files of runs in progress; removed on a failure, and by the CLI's signal handlers. */
const liveTempFiles = new Set<string>();

/** Removes every live temp file (synchronously: safe in signal and exit handlers). */
export function removeLiveTempFiles(): string[] {
  const removed = [...liveTempFiles];
  for (const f of removed) {
    try {
      unlinkSync(f);
    } catch {
      // already gone
    }
  }
  liveTempFiles.clear();
  return removed;
}

export interface AtomicOutput {
  /** `<target>.tmp-<pid>`, beside the target. */
  readonly tmp: string;
  write(chunk: string): Promise<void>;
  /** Flushes, fsyncs and renames the temp file onto the target. */
  commit(): Promise<void>;
  /** Closes and deletes the temp file; the target is untouched. */
  abort(): void;
}

/** Opens `<target>.tmp-<pid>` for writing (with the existing target's permissions, if any). */
export function openAtomicOutput(target: string): AtomicOutput {
  const tmp = `${target}.tmp-${process.pid}`;
  const existing = statOrUndefined(target);
  const mode = existing ? existing.mode & 0o7777 : undefined;
  // Created (and given its mode) synchronously, so that it exists, and is ours to delete, from here on.
  closeSync(openSync(tmp, 'w'));
  liveTempFiles.add(tmp);
  let stream: WriteStream;
  try {
    if (mode !== undefined) chmodSync(tmp, mode);
    stream = createWriteStream(tmp, { flags: 'r+' });
  } catch (e) {
    removeTemp(tmp);
    throw e;
  }
  let failure: Error | null = null;
  stream.on('error', (e) => {
    failure ??= e;
  });
  const closed = new Promise<void>((resolve) => stream.once('close', resolve));
  return {
    tmp,
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure);
        if (stream.write(chunk)) resolve();
        else {
          const onDrain = () => {
            stream.off('error', onError);
            resolve();
          };
          const onError = (e: Error) => {
            stream.off('drain', onDrain);
            reject(e);
          };
          stream.once('drain', onDrain).once('error', onError);
        }
      }),
    async commit() {
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await closed;
      if (failure) throw failure;
      fsyncPath(tmp, 'r+');
      renameSync(tmp, target);
      liveTempFiles.delete(tmp);
      try {
        fsyncPath(path.dirname(target), 'r');
      } catch {
        // a directory fsync is best effort (not supported everywhere)
      }
    },
    abort() {
      stream.destroy();
      removeTemp(tmp);
    },
  };
}

function fsyncPath(p: string, flags: string): void {
  const fd = openSync(p, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeTemp(tmp: string): void {
  try {
    unlinkSync(tmp);
  } catch {
    // already gone
  }
  liveTempFiles.delete(tmp);
}

/** Prompt attacks searched against the loaded model; they need the embedder for the meaning constraint. */
function attackSource(engine: TransformersEngine, o: CliOptions): VariantSource {
  if (o.attacks.length === 0 || o.variants === 0) return noVariants;
  if (!o.embedModel) throw new Error('--attacks needs --embed-model (the meaning-preservation constraint compares sentence embeddings)');
  return createAttackSource(engine, { attacks: o.attacks, template: o.template, maxTokens: o.maxTokens, batchSize: o.batchSize });
}

export async function runCli(o: CliOptions, log: (s: string) => void = (s) => process.stderr.write(s)): Promise<{ samples: number; seconds: number }> {
  const t0 = performance.now();
  // Everything that can be refused is checked before any file is opened or the model loaded.
  const target = checkInOut(o.in, o.out);
  const model = modelSource(o.model, '--model');
  const embedModel = o.embedModel ? modelSource(o.embedModel, '--embed-model') : null;
  const cacheDir = resolveCacheDir(o.cacheDir);
  validateAttackNames(o.attacks);
  const restoreCacheDir = useCacheDir(cacheDir);
  const engine = new TransformersEngine();
  const opened: { output: AtomicOutput | null } = { output: null };
  const openOutput = () => (opened.output = openAtomicOutput(target));
  try {
    return await scoreToOutput(o, log, t0, engine, model, embedModel, cacheDir, openOutput);
  } catch (e) {
    opened.output?.abort();
    try {
      await engine.dispose();
    } catch {
      // the run's error matters more
    }
    throw e;
  } finally {
    restoreCacheDir();
  }
}

async function scoreToOutput(
  o: CliOptions,
  log: (s: string) => void,
  t0: number,
  engine: TransformersEngine,
  model: ModelSource,
  embedModel: ModelSource | null,
  cacheDir: string | null,
  openOutput: () => AtomicOutput,
): Promise<{ samples: number; seconds: number }> {
  const info = await engine.load({ model, dtype: o.dtype, embedModel });
  log(
    `[score] model ${info.model} on ${info.device} (${info.dtype}; ${info.reason})${info.embedModel ? `, embedder ${info.embedModel}` : ''}` +
      `; hub cache ${cacheDir ?? 'off'}\n`,
  );
  if (!info.batchInvariant && o.batchSize > 1) log('[score] note: this model\'s logits depend on the batch (dynamic quantization); use --batch-size 1 for exactly reproducible scores\n');
  if (o.template === 'chat' && !info.hasChatTemplate) throw new Error(`--template chat: ${info.model} has no chat template`);
  const source = attackSource(engine, o);

  const bytes = readFileSync(o.in);
  const out = openOutput();
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
    }
    // every input record exactly as read (its source text when it has one) with "quarry" as its last
    // member: the app's JSONL export path (core/export), so both write the same bytes for a record
    await out.write(scoredRowsPart(rows, results, { model: info.model, template: o.template }));
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
  await out.commit();
  await engine.dispose();
  const seconds = (performance.now() - t0) / 1000;
  const scoreSeconds = (performance.now() - tScore) / 1000;
  log(
    `${tty ? '\n' : ''}[score] wrote ${scored} records to ${o.out}${skipped ? ` (${skipped} input rows skipped)` : ''}` +
      ` in ${seconds.toFixed(1)}s (${(scored / Math.max(scoreSeconds, 1e-9)).toFixed(1)} samples/s scoring)\n`,
  );
  return { samples: scored, seconds };
}

/**
 * CLI only: on SIGINT/SIGTERM/SIGHUP (and at any exit) delete the run's temp file, so --out keeps
 * its previous content; exit 128 + signal number.
 */
function installInterruptCleanup(out: string): void {
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ];
  for (const [sig, code] of signals) {
    process.once(sig, () => {
      const removed = removeLiveTempFiles();
      const kept = removed.length ? `; removed ${removed.join(', ')}` : '';
      process.stderr.write(`\n[score] interrupted (${sig}): ${out} not written (a previous ${out} is unchanged)${kept}\n`);
      process.exit(code);
    });
  }
  process.once('exit', () => removeLiveTempFiles());
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
  installInterruptCleanup(opts.out);
  runCli(opts).catch((e: unknown) => {
    process.stderr.write(`\n[score] error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
