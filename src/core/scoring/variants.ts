// The hook through which prompt rewrites (attacks) produce the Q' of a sample.
//
// A VariantSource returns up to k rewritten prompts for a sample; it must be deterministic for a
// given (seed, sample). The prompt attacks are one (engine/attackSource.ts `createAttackSource`).

import type { Sample } from '../types';
import type { ScoreItem, VariantSpec } from './types';

export interface VariantContext {
  /** Run seed (CLI --seed). */
  seed: number;
  /** How many variants are wanted for this sample. */
  k: number;
  signal?: AbortSignal;
}

export interface VariantSource {
  readonly name: string;
  variants(sample: Sample, ctx: VariantContext): Promise<VariantSpec[]> | VariantSpec[];
}

/** Produces no variants: aifd and the consistencies come out null. */
export const noVariants: VariantSource = { name: 'none', variants: () => [] };

/** Builds score items: each sample with up to k variants from the source (k = 0: none). */
export async function withVariants(samples: readonly Sample[], source: VariantSource, k: number, seed: number, signal?: AbortSignal): Promise<ScoreItem[]> {
  const items: ScoreItem[] = [];
  for (const sample of samples) {
    const variants = k > 0 ? (await source.variants(sample, { seed, k, signal })).slice(0, k) : [];
    items.push({ sample, variants });
  }
  return items;
}
