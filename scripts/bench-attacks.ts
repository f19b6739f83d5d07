// Measured check of the prompt attacks: for each attack, the greedy word-importance
// search against the scoring model versus random perturbations of the same kind with the same edit
// budget, on the demo data with llama2c-stories260K (fp32) and the USE-lite embedder, both in the
// CLI runtime (onnxruntime-node). Prints mean AIFD and mean aifd_gap of each method, how often the
// searched variant beats the random one on the same sample, and the attack throughput.
//
//   npm run bench:attacks -- [--samples 30] [--seed 1] [--attacks textbugger,synonym,...]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ATTACK_NAMES, generateVariants, randomVariants, type AttackName, type AttackVariant } from '../src/core/attacks';
import { bytesSource, ingest } from '../src/core/ingest';
import type { Sample } from '../src/core/types';
import { createAttackScorer } from '../src/engine/attackSource';
import { TransformersEngine } from '../src/engine/transformers';

const MODELS = path.resolve(process.env.QUARRY_MODELS_DIR ?? '../shared/models');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const fmt = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : '—');

async function loadDemo(n: number): Promise<Sample[]> {
  const bytes = new Uint8Array(readFileSync('public/demo/demo.jsonl'));
  const out: Sample[] = [];
  for await (const ev of ingest(bytesSource('demo.jsonl', bytes))) if (ev.type === 'batch') out.push(...ev.rows.map((r) => r.sample));
  return out.slice(0, n);
}

async function main() {
  const nSamples = Number(arg('samples', '30'));
  const seed = Number(arg('seed', '1'));
  // Paraphrase needs an instruct model (llama2c writes stories): not measured here.
  const attacks = arg('attacks', ATTACK_NAMES.filter((a) => a !== 'paraphrase').join(',')).split(',') as AttackName[];
  const engine = new TransformersEngine();
  await engine.load({
    model: { kind: 'local', root: MODELS, id: 'llama2c-stories260K' },
    dtype: 'fp32',
    embedModel: { kind: 'local', root: MODELS, id: 'universal-sentence-encoder-lite' },
  });
  const samples = await loadDemo(nSamples);
  // s(A) and s(A|Q) per sample, once.
  const base = await engine.score({ items: samples.map((sample) => ({ sample })), template: 'alpaca', distConsistency: false });
  const sA = new Map(base.map((r) => [r.id, r.scores]));

  console.log(`Attacks on ${samples.length} demo samples, llama2c-stories260K fp32 (CLI runtime), seed ${seed}, 1 variant per sample and method.`);
  console.log('AIFD = s(A|Q\')/s(A); gap = AIFD - IFD; "wins" = samples where the searched variant has the higher s(A|Q\') than the random one.\n');
  console.log('| attack | searched AIFD | random AIFD | searched gap | random gap | wins | variants (s/r) | queries/variant | variants/s (searched) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const attack of attacks) {
    const searched: { v: AttackVariant; s: Sample }[] = [];
    const random: { v: AttackVariant; s: Sample }[] = [];
    let searchMs = 0;
    let wins = 0;
    let pairs = 0;
    for (const sample of samples) {
      const scorer = createAttackScorer(engine, sample, { attacks: [attack], template: 'alpaca' });
      const opts = { attacks: [attack], variants: 1, seed, sampleId: sample.id };
      const t0 = performance.now();
      const [sv] = (await generateVariants(sample.instruction, opts, scorer)).filter((v) => v.constraintsPassed);
      searchMs += performance.now() - t0;
      const [rv] = (
        await randomVariants(sample.instruction, { ...opts, ...(sv ? { editCount: Math.max(1, sv.editedWords) } : {}) }, scorer)
      ).filter((v) => v.constraintsPassed);
      if (sv) searched.push({ v: sv, s: sample });
      if (rv) random.push({ v: rv, s: sample });
      if (sv && rv) {
        pairs++;
        if (sv.s_a_given_q > rv.s_a_given_q) wins++;
      }
    }
    const aifd = (xs: { v: AttackVariant; s: Sample }[]) => xs.map(({ v, s }) => v.s_a_given_q / sA.get(s.id)!.s_a!);
    const gap = (xs: { v: AttackVariant; s: Sample }[]) => xs.map(({ v, s }) => v.s_a_given_q / sA.get(s.id)!.s_a! - sA.get(s.id)!.ifd!);
    console.log(
      `| ${attack} | ${fmt(mean(aifd(searched)))} | ${fmt(mean(aifd(random)))} | ${fmt(mean(gap(searched)))} | ${fmt(mean(gap(random)))} | ${wins}/${pairs} | ${searched.length}/${random.length} | ${fmt(mean(searched.map(({ v }) => v.queries)), 1)} | ${fmt(searched.length / (searchMs / 1000), 2)} |`,
    );
  }
  await engine.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
