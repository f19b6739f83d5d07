// Prompt attacks backed by the scoring engine. The attack library (src/core/attacks) is pure and
// talks to the model only through an `AttackScorer`; this module implements that scorer on top of
// any `Engine`, and wraps the search into a `VariantSource`, so a scoring run generates each
// sample's Q' and then scores them in the same batched `score` call as Q.
//
// The search runs where the model lives. An in-process engine (TransformersEngine: the CLI, the
// model worker itself) is searched against directly. An engine that can search by itself (an
// `AttackEngine`: the model worker's client, SupervisedEngine) is sent the samples and the attack
// configuration by `attackSamples` and answers with the variants, so the tokenization and the thousands of model
// queries of a search never run on the browser's main thread (`attack` in engine/protocol.ts).
import { ATTACKS, generateVariants, isAttackName, type AttackName, type AttackScorer } from '../core/attacks';
import type { VariantSource } from '../core/scoring/variants';
import type { VariantSpec } from '../core/scoring/types';
import type { TemplateName } from '../core/templates';
import type { Sample } from '../core/types';
import type { Engine } from './types';

/** The attack options that cross the worker boundary (`AttackRunOptions` without its callback). */
export type AttackConfig = Omit<AttackRunOptions, 'onQuery'>;

/** Variants for a batch of samples: `k` per sample at most, deterministic for (seed, sample). */
export interface AttackRequest {
  samples: Sample[];
  k: number;
  seed: number;
  options: AttackConfig;
}

/** Progress of an `attack` request: samples searched, and model queries so far. */
export interface AttackProgress {
  phase: 'attack';
  done: number;
  total: number;
  queries: number;
}

/** An engine that runs the attack search itself, next to its model (the model worker). */
export interface AttackEngine extends Engine {
  /** One list of variants per sample, in order (only those that pass the constraints). */
  attack(req: AttackRequest, onProgress?: (p: AttackProgress) => void, signal?: AbortSignal): Promise<VariantSpec[][]>;
}

export function canAttack(engine: Engine): engine is AttackEngine {
  return typeof (engine as Partial<AttackEngine>).attack === 'function';
}

export interface AttackRunOptions {
  attacks: readonly string[];
  template: TemplateName;
  maxTokens?: number;
  batchSize?: number;
  /** Meaning-preservation threshold (sentence-embedding cosine between Q' and Q). */
  similarityThreshold?: number;
  maxEditFraction?: number;
  queryBudget?: number;
  /** Called after each model query of the search (for progress). */
  onQuery?: () => void;
}

/** Ways of asking the instruct LM for a paraphrase; one per requested paraphrase (greedy, so deterministic). */
const PARAPHRASE_PROMPTS = [
  'Rewrite the following instruction in different words, keeping its meaning exactly.',
  'Paraphrase this request so that it asks for the same thing in other words.',
  'Say the following instruction another way, without changing what it asks for.',
];

function paraphrasePrompt(instruction: string, i: number): string {
  const ask = PARAPHRASE_PROMPTS[i % PARAPHRASE_PROMPTS.length]!;
  return `Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n${ask}\n\n### Input:\n${instruction}\n\n### Response:`;
}

/** First line of a generation, trimmed: a paraphrase is one instruction, not a continuation. */
function firstLine(text: string): string {
  return text.trim().split('\n')[0]!.trim();
}

export function validateAttackNames(names: readonly string[]): AttackName[] {
  return names.map((n) => {
    if (!isAttackName(n)) throw new Error(`unknown attack "${n}"; known: ${Object.keys(ATTACKS).join(', ')}`);
    return n;
  });
}

/** An AttackScorer for one sample: s(A|Q') with the sample's input and response held fixed. */
export function createAttackScorer(engine: Engine, sample: Sample, opts: AttackRunOptions): AttackScorer {
  return {
    async scoreInstructions(candidates, signal) {
      if (candidates.length === 0) return [];
      const [result] = await engine.score(
        {
          items: [{ sample, variants: candidates.map((instruction) => ({ attack: 'probe', instruction })) }],
          template: opts.template,
          maxTokens: opts.maxTokens,
          batchSize: opts.batchSize,
          distConsistency: false,
          embedConsistency: false,
        },
        undefined,
        signal,
      );
      opts.onQuery?.();
      return result!.variants.map((v) => v.s_a_given_q ?? Number.NaN);
    },
    embed: (texts) => engine.embed(texts),
    async paraphrase(instruction, n) {
      const prompts = Array.from({ length: n }, (_, i) => paraphrasePrompt(instruction, i));
      const outputs = await engine.generate({ prompts, maxNewTokens: Math.min(96, 16 + instruction.length) });
      return outputs.map(firstLine).filter((p) => p.length > 0);
    },
  };
}

/**
 * A VariantSource that searches adversarial instructions for each sample against an in-process
 * engine (the CLI; the model worker through `runAttacks`). Only variants that pass the constraints
 * (meaning preserved, edit budget, protected spans) are scored. The app's runs go through
 * `attackSamples`, which sends the search to the worker.
 */
export function createAttackSource(engine: Engine, opts: AttackRunOptions): VariantSource {
  const attacks = validateAttackNames(opts.attacks);
  return {
    name: attacks.join('+'),
    async variants(sample, ctx): Promise<VariantSpec[]> {
      const scorer = createAttackScorer(engine, sample, opts);
      const found = await generateVariants(
        sample.instruction,
        {
          attacks,
          variants: ctx.k,
          seed: ctx.seed,
          sampleId: sample.id,
          ...(opts.similarityThreshold !== undefined ? { similarityThreshold: opts.similarityThreshold } : {}),
          ...(opts.maxEditFraction !== undefined ? { maxEditFraction: opts.maxEditFraction } : {}),
          ...(opts.queryBudget !== undefined ? { queryBudget: opts.queryBudget } : {}),
        },
        scorer,
        ctx.signal,
      );
      return found
        .filter((v) => v.constraintsPassed)
        .map((v) => ({ attack: v.attack, instruction: v.instruction, similarity: v.similarity, queries: v.queries, edits: v.edits }));
    },
  };
}

/** Serves an `attack` request against an in-process engine (what the model worker runs). */
export async function runAttacks(engine: Engine, req: AttackRequest, onProgress?: (p: AttackProgress) => void, signal?: AbortSignal): Promise<VariantSpec[][]> {
  let queries = 0;
  let done = 0;
  const total = req.samples.length;
  const source = createAttackSource(engine, {
    ...req.options,
    onQuery: () => {
      queries++;
      onProgress?.({ phase: 'attack', done, total, queries });
    },
  });
  const out: VariantSpec[][] = [];
  for (const sample of req.samples) {
    if (signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    out.push(req.k > 0 ? (await source.variants(sample, { seed: req.seed, k: req.k, signal })).slice(0, req.k) : []);
    done++;
    onProgress?.({ phase: 'attack', done, total, queries });
  }
  return out;
}

/**
 * Variants for a batch of samples (one list per sample): one `attack` request when the engine
 * searches by itself (the model worker), else the search right here against the engine.
 */
export function attackSamples(engine: Engine, req: AttackRequest, onProgress?: (p: AttackProgress) => void, signal?: AbortSignal): Promise<VariantSpec[][]> {
  validateAttackNames(req.options.attacks);
  return canAttack(engine) ? engine.attack(req, onProgress, signal) : runAttacks(engine, req, onProgress, signal);
}
