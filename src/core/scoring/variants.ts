// The hook through which prompt rewrites (attacks) produce the Q' of a sample.
//
// A VariantSource returns up to k rewritten prompts for a sample; it must be deterministic for a
// given (seed, sample). Sources are registered by name so that the CLI's `--attacks a,b` and the
// UI can find them; nothing is registered by this module (attacks plug in later).

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

export type VariantSourceFactory = () => VariantSource;

const registry = new Map<string, VariantSourceFactory>();

/** Registers a named source (e.g. an attack module calls this at import time). */
export function registerVariantSource(name: string, factory: VariantSourceFactory): void {
  registry.set(name, factory);
}

export function listVariantSources(): string[] {
  return [...registry.keys()].sort();
}

/** Resolves names to sources; throws on an unknown name, listing what is registered. */
export function resolveVariantSources(names: readonly string[]): VariantSource[] {
  return names.map((n) => {
    const f = registry.get(n);
    if (!f) {
      const known = listVariantSources();
      throw new Error(`unknown attack "${n}"; registered: ${known.length > 0 ? known.join(', ') : '(none yet)'}`);
    }
    return f();
  });
}

/**
 * Combines sources: variant i of a sample comes from source i mod S (round robin), each source
 * asked for its share of k. Deterministic when every source is.
 */
export function combineVariantSources(sources: readonly VariantSource[]): VariantSource {
  if (sources.length === 0) return noVariants;
  if (sources.length === 1) return sources[0]!;
  return {
    name: sources.map((s) => s.name).join('+'),
    async variants(sample, ctx) {
      const S = sources.length;
      const per = sources.map((_, i) => Math.floor(ctx.k / S) + (i < ctx.k % S ? 1 : 0));
      const lists = await Promise.all(sources.map((s, i) => (per[i]! > 0 ? s.variants(sample, { ...ctx, k: per[i]! }) : [])));
      const out: VariantSpec[] = [];
      for (let r = 0; out.length < ctx.k; r++) {
        let any = false;
        for (const l of lists) {
          const v = l[r];
          if (v) {
            out.push(v);
            any = true;
            if (out.length >= ctx.k) break;
          }
        }
        if (!any) break;
      }
      return out;
    },
  };
}

/** Builds score items: each sample with up to k variants from the source (k = 0: none). */
export async function withVariants(samples: readonly Sample[], source: VariantSource, k: number, seed: number, signal?: AbortSignal): Promise<ScoreItem[]> {
  const items: ScoreItem[] = [];
  for (const sample of samples) {
    const variants = k > 0 ? (await source.variants(sample, { seed, k, signal })).slice(0, k) : [];
    items.push({ sample, variants });
  }
  return items;
}
