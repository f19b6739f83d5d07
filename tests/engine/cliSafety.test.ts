// scripts/score.ts file safety: --out never destroys --in, the output replaces --out only on
// success (temp file + rename, also on SIGINT/SIGTERM), a mistyped local --model is an error, and
// the hub cache folder is settable (--cache-dir / QUARRY_CACHE_DIR). In-process (runCli) where
// possible; a child process (node --import tsx) for exit codes and signals.

import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { env as transformersEnv } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInOut, looksLikePath, modelSource, parseArgs, resolveCacheDir, runCli } from '../../scripts/score';

const ROOT = path.resolve(__dirname, '../..');
const MODEL = path.resolve(ROOT, '../shared/models/llama2c-stories260K');
const FIX = path.join(ROOT, 'e2e/fixtures');
const ALPACA = path.join(FIX, 'alpaca.jsonl');
const base = mkdtempSync(path.join(tmpdir(), 'quarry-cli-safety-'));
let n = 0;
/** A fresh folder holding a copy of the alpaca fixture as in.jsonl. */
function workdir(): { dir: string; input: string } {
  const dir = path.join(base, `w${++n}`);
  mkdirSync(dir);
  const input = path.join(dir, 'in.jsonl');
  writeFileSync(input, readFileSync(ALPACA));
  return { dir, input };
}
const quiet = () => undefined;
const snapshot = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((f) => {
      const st = lstatSync(path.join(dir, f));
      return `${f}:${st.size}:${st.mtimeMs}:${st.ino}`;
    });

interface Proc {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}
/** Runs the CLI in a child process; `onSpawn` gets the child (its pid names the temp file). */
function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; onSpawn?: (pid: number, kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/score.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    opts.onSpawn?.(child.pid!, (s) => child.kill(s));
  });
}

describe('score CLI: --out is never --in', () => {
  it('refuses --out = --in (same path, another spelling, symlink, hard link) before touching any file', async () => {
    const { dir, input } = workdir();
    symlinkSync(input, path.join(dir, 'sym.jsonl'));
    linkSync(input, path.join(dir, 'hard.jsonl'));
    const before = snapshot(dir);
    const bytes = readFileSync(input);
    const rel = path.relative(process.cwd(), input);
    const outs = [input, rel, path.join(dir, '.', 'sub-does-not-matter', '..', 'in.jsonl'), path.join(dir, 'sym.jsonl'), path.join(dir, 'hard.jsonl')];
    for (const out of outs) {
      await expect(runCli(parseArgs(['--in', input, '--out', out, '--model', MODEL, '--quiet']), quiet)).rejects.toThrow(/is the same file as --in/);
      expect(checkInOut.bind(null, input, out)).toThrow(/writing it would destroy the input/);
    }
    // --in given through the link, --out the real file
    expect(() => checkInOut(path.join(dir, 'sym.jsonl'), input)).toThrow(/same file/);
    expect(readFileSync(input).equals(bytes)).toBe(true);
    expect(snapshot(dir)).toEqual(before);
  });

  it('the process exits non-zero with the error when --out is --in, and the input is intact', async () => {
    const { input } = workdir();
    const bytes = readFileSync(input);
    const r = await cli(['--in', input, '--out', input, '--model', MODEL, '--quiet']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--out .* is the same file as --in/);
    expect(readFileSync(input).equals(bytes)).toBe(true);
  });

  it('refuses an --out that is a directory or in a missing folder, and a missing --in', () => {
    const { dir, input } = workdir();
    expect(() => checkInOut(input, dir)).toThrow(/is a directory/);
    expect(() => checkInOut(input, path.join(dir, 'nope', 'out.jsonl'))).toThrow(/no such folder/);
    expect(() => checkInOut(path.join(dir, 'missing.jsonl'), path.join(dir, 'out.jsonl'))).toThrow(/--in .*no such file/);
    expect(checkInOut(input, path.join(dir, 'out.jsonl'))).toBe(path.join(dir, 'out.jsonl'));
  });
});

describe('score CLI: --out is replaced only on success', () => {
  it('writes <out>.tmp-<pid> beside --out and renames it at the end (mode and symlink kept)', async () => {
    const { dir, input } = workdir();
    const out = path.join(dir, 'out.jsonl');
    writeFileSync(out, 'previous\n');
    chmodSync(out, 0o640);
    const tmp = `${out}.tmp-${process.pid}`;
    const seen: string[] = [];
    const log = (s: string) => {
      // after the first chunk is written: the temp file exists, --out is still the old one
      if (/\[score\] \d+ samples,/.test(s)) seen.push(`${existsSync(tmp)}:${readFileSync(out, 'utf8')}`);
    };
    await runCli(parseArgs(['--in', input, '--out', out, '--model', MODEL, '--chunk', '3', '--template', 'plain']), log);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((s) => s === 'true:previous\n')).toBe(true);
    expect(existsSync(tmp)).toBe(false);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(readFileSync(input, 'utf8').trim().split('\n').length);
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['in.jsonl', 'out.jsonl']);

    // a symlinked --out: the link stays a link, its target gets the output
    const target = path.join(dir, 'target.jsonl');
    writeFileSync(target, 'old target\n');
    const link = path.join(dir, 'link.jsonl');
    symlinkSync(target, link);
    await runCli(parseArgs(['--in', input, '--out', link, '--model', MODEL, '--quiet', '--template', 'plain']), quiet);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('a run that fails mid-way leaves the previous --out and no temp file', async () => {
    const { dir, input } = workdir();
    const out = path.join(dir, 'out.jsonl');
    writeFileSync(out, 'previous\n');
    let chunks = 0;
    const log = (s: string) => {
      if (/\[score\] \d+ samples,/.test(s) && ++chunks === 2) throw new Error('boom: disk on fire');
    };
    await expect(runCli(parseArgs(['--in', input, '--out', out, '--model', MODEL, '--chunk', '2']), log)).rejects.toThrow(/boom/);
    expect(chunks).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('previous\n');
    expect(readdirSync(dir).sort()).toEqual(['in.jsonl', 'out.jsonl']);

    // no previous --out: none is left behind either
    const fresh = path.join(dir, 'fresh.jsonl');
    chunks = 0;
    await expect(runCli(parseArgs(['--in', input, '--out', fresh, '--model', MODEL, '--chunk', '2']), log)).rejects.toThrow(/boom/);
    expect(readdirSync(dir).sort()).toEqual(['in.jsonl', 'out.jsonl']);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('an interrupted run (%s) keeps the previous --out, removes the temp file, exits %i', async (sig, code) => {
    const dir = path.join(base, `sig-${sig}`);
    mkdirSync(dir);
    const input = path.join(dir, 'big.jsonl');
    const lines = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(JSON.stringify({ instruction: `Tell me a story about cat ${i}`, input: '', output: `Once upon a time there was a little cat called ${i}.` }));
    }
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = path.join(dir, 'out.jsonl');
    writeFileSync(out, 'previous\n');
    let tmpSeen = false;
    let poll: ReturnType<typeof setInterval> | undefined;
    const r = await cli(['--in', input, '--out', out, '--model', MODEL, '--quiet', '--chunk', '16'], {
      onSpawn: (pid, kill) => {
        const tmp = `${out}.tmp-${pid}`;
        poll = setInterval(() => {
          // mid-run: the temp file has output in it
          if (existsSync(tmp) && statSync(tmp).size > 0) {
            tmpSeen = true;
            clearInterval(poll);
            kill(sig);
          }
        }, 20);
      },
    });
    clearInterval(poll);
    expect(tmpSeen).toBe(true);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(new RegExp(`interrupted \\(${sig}\\)`));
    expect(readFileSync(out, 'utf8')).toBe('previous\n');
    expect(readdirSync(dir).sort()).toEqual(['big.jsonl', 'out.jsonl']);
  });
});

describe('score CLI: --model paths vs hub ids', () => {
  it('a --model that looks like a path and does not exist is an error naming the resolved path', () => {
    const cwd = process.cwd();
    const cases: Array<[string, string]> = [
      ['./models/nope', path.resolve(cwd, 'models/nope')],
      ['../nope-model', path.resolve(cwd, '../nope-model')],
      ['/definitely/not/here', '/definitely/not/here'],
      ['~/quarry-no-such-model', path.join(homedir(), 'quarry-no-such-model')],
      ['nope-model/', path.resolve(cwd, 'nope-model')],
      ['models/org/nope', path.resolve(cwd, 'models/org/nope')],
      ['models\\nope', path.resolve(cwd, 'models\\nope')],
      ['.nope-hidden', path.resolve(cwd, '.nope-hidden')],
    ];
    for (const [spec, resolved] of cases) {
      expect(looksLikePath(spec)).toBe(true);
      let msg = '';
      try {
        modelSource(spec);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg, spec).toContain(`--model ${spec}: no such model folder: ${resolved}`);
    }
    expect(() => modelSource('./nope', '--embed-model')).toThrow(/^--embed-model \.\/nope/);
  });

  it('owner/name and bare names stay hub ids; an existing folder is local; an existing file is an error', () => {
    for (const id of ['onnx-community/SmolLM2-135M-Instruct', 'Xenova/all-MiniLM-L6-v2', 'gpt2']) {
      expect(looksLikePath(id)).toBe(false);
      expect(modelSource(id)).toMatchObject({ kind: 'hub', id });
    }
    expect(modelSource(`${MODEL}/`)).toEqual({ kind: 'local', root: path.dirname(MODEL), id: 'llama2c-stories260K' });
    expect(modelSource(path.relative(process.cwd(), MODEL))).toMatchObject({ kind: 'local', id: 'llama2c-stories260K' });
    expect(() => modelSource(path.join(MODEL, 'config.json'))).toThrow(/is a file; give the model's folder/);
  });

  it('a missing local --model fails before any output file is created', async () => {
    const { dir, input } = workdir();
    const before = snapshot(dir);
    await expect(runCli(parseArgs(['--in', input, '--out', path.join(dir, 'out.jsonl'), '--model', './no/such/model', '--quiet']), quiet)).rejects.toThrow(
      new RegExp(`no such model folder: ${path.resolve('no/such/model').replace(/[/.]/g, '\\$&')}`),
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('--help documents the path rule and the hub cache', () => {
    let help = '';
    try {
      parseArgs(['--help']);
    } catch (e) {
      help = (e as Error).message;
    }
    expect(help).toMatch(/starts\s+with \.\/ \.\.\/ \/ or ~/);
    expect(help).toContain('owner/name');
    expect(help).toContain('--cache-dir');
    expect(help).toContain('QUARRY_CACHE_DIR');
    expect(help).toMatch(/must not be --in/);
  });
});

describe('score CLI: hub cache folder', () => {
  let server: Server;
  let host = '';
  beforeAll(async () => {
    // the hub's URL layout (<id>/resolve/<rev>/<file>) over the local stories260K folder
    server = createServer((req, res) => {
      const m = /^\/quarry-test\/stories260K\/resolve\/main\/(.+)$/.exec(decodeURIComponent((req.url ?? '').split('?')[0]!));
      const file = m ? path.join(MODEL, m[1]!) : null;
      if (!file || !file.startsWith(MODEL + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      const body = readFileSync(file);
      res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('--cache-dir, else QUARRY_CACHE_DIR, else transformers.js default', () => {
    const dflt = transformersEnv.cacheDir;
    expect(parseArgs(['--in', 'a', '--out', 'b', '--model', 'm', '--cache-dir', 'c']).cacheDir).toBe('c');
    expect(parseArgs(['--in', 'a', '--out', 'b', '--model', 'm']).cacheDir).toBeNull();
    expect(resolveCacheDir('rel/cache', '/from/env')).toBe(path.resolve('rel/cache'));
    expect(resolveCacheDir(null, '/from/env')).toBe('/from/env');
    expect(resolveCacheDir(null, '')).toBe(dflt);
    expect(resolveCacheDir(null, undefined)).toBe(dflt);
    expect(resolveCacheDir('~/q-cache', undefined)).toBe(path.join(homedir(), 'q-cache'));
    expect(() => resolveCacheDir(ALPACA, undefined)).toThrow(/--cache-dir .* is not a directory/);
    expect(() => resolveCacheDir(null, ALPACA)).toThrow(/QUARRY_CACHE_DIR .* is not a directory/);
  });

  it('hub downloads land in --cache-dir (or $QUARRY_CACHE_DIR), printed in the start line', async () => {
    const saved = { host: process.env.QUARRY_REMOTE_HOST, cache: process.env.QUARRY_CACHE_DIR };
    const dflt = transformersEnv.cacheDir;
    const { dir, input } = workdir();
    try {
      process.env.QUARRY_REMOTE_HOST = host;
      const viaFlag = path.join(dir, 'flag-cache');
      const viaEnv = path.join(dir, 'env-cache');
      process.env.QUARRY_CACHE_DIR = viaEnv;
      for (const [args, cache] of [
        [['--cache-dir', viaFlag], viaFlag],
        [[], viaEnv],
      ] as const) {
        let start = '';
        const out = path.join(dir, `out-${path.basename(cache)}.jsonl`);
        const { samples } = await runCli(
          parseArgs(['--in', input, '--out', out, '--model', 'quarry-test/stories260K', '--quiet', '--template', 'plain', ...args]),
          (s) => (start ||= s),
        );
        expect(samples).toBeGreaterThan(0);
        expect(start).toContain(`hub cache ${cache}`);
        expect(existsSync(path.join(cache, 'quarry-test/stories260K/config.json'))).toBe(true);
        expect(existsSync(path.join(cache, 'quarry-test/stories260K/tokenizer.json'))).toBe(true);
        expect(readdirSync(path.join(cache, 'quarry-test/stories260K/onnx'))).toContain('model.onnx');
        expect(transformersEnv.cacheDir).toBe(dflt);
      }
      expect(existsSync(path.join(viaEnv, 'quarry-test/stories260K/config.json'))).toBe(true);
    } finally {
      if (saved.host === undefined) delete process.env.QUARRY_REMOTE_HOST;
      else process.env.QUARRY_REMOTE_HOST = saved.host;
      if (saved.cache === undefined) delete process.env.QUARRY_CACHE_DIR;
      else process.env.QUARRY_CACHE_DIR = saved.cache;
    }
  });
});
