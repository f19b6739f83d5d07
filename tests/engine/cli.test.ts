// scripts/score.ts, run in-process (runCli) on the e2e fixtures with llama2c-stories260K.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelSource, parseArgs, runCli } from '../../scripts/score';

const ROOT = path.resolve(__dirname, '../..');
const MODEL = path.resolve(ROOT, '../shared/models/llama2c-stories260K');
const FIX = path.join(ROOT, 'e2e/fixtures');
const tmp = mkdtempSync(path.join(tmpdir(), 'quarry-cli-'));

function readJsonl(file: string): Array<Record<string, unknown> & { quarry: Record<string, unknown> & { scores: Record<string, number | null> | null } }> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const quiet = () => undefined;

describe('score CLI', () => {
  it('parses arguments', () => {
    const o = parseArgs(['--in', 'a.jsonl', '--out=b.jsonl', '--model', 'm', '--template', 'plain', '--dtype', 'q8', '--shard', '2/4', '--max-tokens', '64', '--batch-size', '4', '--seed', '7']);
    expect(o).toMatchObject({ in: 'a.jsonl', out: 'b.jsonl', model: 'm', template: 'plain', dtype: 'q8', shard: { index: 2, count: 4 }, maxTokens: 64, batchSize: 4, seed: 7, variants: 0 });
    expect(() => parseArgs(['--in', 'a'])).toThrow(/required/);
    expect(() => parseArgs(['--in', 'a', '--out', 'b', '--model', 'm', '--template', 'x'])).toThrow(/template/);
    expect(() => parseArgs(['--in', 'a', '--out', 'b', '--model', 'm', '--variants', '2'])).toThrow(/attacks/);
    expect(() => parseArgs(['--in', 'a', '--out', 'b', '--model', 'm', '--attacks', 'nope', '--variants', '2'])).not.toThrow();
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown argument/);
  });

  it('model source: a directory is local, anything else a hub id', () => {
    expect(modelSource(MODEL)).toEqual({ kind: 'local', root: path.dirname(MODEL), id: 'llama2c-stories260K' });
    expect(modelSource('onnx-community/SmolLM2-135M-Instruct')).toMatchObject({ kind: 'hub', id: 'onnx-community/SmolLM2-135M-Instruct' });
  });

  it('writes every record unchanged plus quarry meta (--variants 0: aifd null)', async () => {
    const out = path.join(tmp, 'alpaca.jsonl');
    const o = parseArgs(['--in', path.join(FIX, 'alpaca.jsonl'), '--out', out, '--model', MODEL, '--quiet']);
    const { samples } = await runCli(o, quiet);
    const input = readJsonl(path.join(FIX, 'alpaca.jsonl')) as unknown as Record<string, unknown>[];
    const rows = readJsonl(out);
    expect(samples).toBe(input.length);
    expect(rows).toHaveLength(input.length);
    rows.forEach((row, i) => {
      const { quarry, ...rest } = row;
      expect(rest).toEqual(input[i]);
      expect(quarry.model).toBe('llama2c-stories260K');
      expect(quarry.template).toBe('alpaca');
      expect(quarry.decision).toBeNull();
      expect(quarry.variants).toEqual([]);
      expect(typeof quarry.id).toBe('string');
      expect(quarry.scores!.ifd).toBeGreaterThan(0);
      expect(quarry.scores!.ifd).toBeCloseTo(quarry.scores!.s_a_given_q! / quarry.scores!.s_a!, 10);
      expect(quarry.scores!.aifd).toBeNull();
      expect(quarry.scores!.dist_consistency).toBeNull();
      expect(quarry.scores!.embed_consistency).toBeNull();
    });
  });

  it('--shard I/N partitions the input deterministically', async () => {
    const all = path.join(tmp, 'all.jsonl');
    await runCli(parseArgs(['--in', path.join(FIX, 'alpaca.jsonl'), '--out', all, '--model', MODEL, '--quiet', '--template', 'plain']), quiet);
    const parts = [];
    for (const I of [1, 2, 3]) {
      const out = path.join(tmp, `shard${I}.jsonl`);
      await runCli(parseArgs(['--in', path.join(FIX, 'alpaca.jsonl'), '--out', out, '--model', MODEL, '--quiet', '--template', 'plain', '--shard', `${I}/3`]), quiet);
      parts.push(...readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    }
    const full = readJsonl(all);
    expect(parts).toHaveLength(full.length);
    // the union of the shards is the input exactly once: unique ids, every record covered
    const fullIds = full.map((r) => r.quarry.id as string);
    const partIds = parts.map((p) => p.quarry.id as string);
    expect(new Set(fullIds).size).toBe(full.length);
    expect(new Set(partIds).size).toBe(parts.length);
    expect([...partIds].sort()).toEqual([...fullIds].sort());
    const byId = new Map(full.map((r) => [r.quarry.id, r]));
    for (const p of parts) {
      const f = byId.get(p.quarry.id)!;
      // every record scored, in the shards and in the full run
      expect(p.quarry.scores).not.toBeNull();
      expect(f.quarry.scores).not.toBeNull();
      for (const k of ['s_a', 's_a_given_q', 'ifd'] as const) {
        expect(Number.isFinite(p.quarry.scores[k]), `${p.quarry.id} ${k}`).toBe(true);
        expect(Math.abs(p.quarry.scores[k] - f.quarry.scores![k]!)).toBeLessThan(1e-5);
      }
      const { quarry: _pq, ...pRest } = p;
      const { quarry: _fq, ...fRest } = f;
      expect(pRest).toEqual(fRest);
    }
  });

  it('a 20,000-level-deep record is reported and skipped; the good lines are scored, exit 0', async () => {
    let deep = '0';
    for (let i = 0; i < 20_000; i++) deep = `[${deep}]`;
    const good = (i: number) => JSON.stringify({ instruction: `Name a colour, please (${i})`, input: '', output: `Blue is a colour number ${i}.` });
    const lines = [good(0), good(1), `{"instruction":"deep","input":"","output":"x","extra":${deep}}`, good(2), good(3)];
    const input = path.join(tmp, 'deep.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = path.join(tmp, 'deep.out.jsonl');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/score.ts', '--in', input, '--out', out, '--model', MODEL, '--quiet'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.stderr).not.toMatch(/Maximum call stack|RangeError/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped line 3\b/);
    const rows = readJsonl(out);
    expect(rows.map((row) => row.instruction)).toEqual([0, 1, 2, 3].map((i) => `Name a colour, please (${i})`));
    expect(rows.every((row) => row.quarry.scores !== null && row.quarry.scores.ifd! > 0)).toBe(true);
  });

  it('chat template on a messages file, q8 model, truncation flag', async () => {
    const out = path.join(tmp, 'chat.jsonl');
    await runCli(parseArgs(['--in', path.join(FIX, 'chat.jsonl'), '--out', out, '--model', MODEL, '--quiet', '--template', 'chat', '--dtype', 'q8', '--max-tokens', '24']), quiet);
    const rows = readJsonl(out);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.quarry.template === 'chat')).toBe(true);
    expect(rows.some((r) => r.quarry.truncated === true)).toBe(true);
    expect(rows.every((r) => r.quarry.scores === null || (r.quarry.scores.ifd ?? 0) > 0)).toBe(true);
  });
});
