// scripts/score.ts, run in-process (runCli) on the e2e fixtures with llama2c-stories260K.

import { mkdtempSync, readFileSync } from 'node:fs';
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
    const byId = new Map(full.map((r) => [r.quarry.id, r]));
    for (const p of parts) {
      const f = byId.get(p.quarry.id)!;
      expect(Math.abs(p.quarry.scores.ifd - f.quarry.scores!.ifd!)).toBeLessThan(1e-5);
    }
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
