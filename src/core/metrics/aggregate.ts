// Per-sample aggregation of the per-sequence numbers into SampleScores / VariantScores.

import type { SampleScores, VariantScores } from '../types';

/** Finite number or null. */
export function finiteOrNull(x: number | null | undefined): number | null {
  return x !== null && x !== undefined && Number.isFinite(x) ? x : null;
}

/** IFD = s(A|Q) / s(A) (Cherry LLM); AIFD(Q') = s(A|Q') / s(A) with the same s(A). Null if undefined. */
export function ifdRatio(sAGivenQ: number | null, sA: number | null): number | null {
  if (sAGivenQ === null || sA === null || !Number.isFinite(sAGivenQ) || !Number.isFinite(sA) || sA <= 0) return null;
  return sAGivenQ / sA;
}

function meanOrNull(xs: ReadonlyArray<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return null;
  return v.reduce((a, b) => a + b, 0) / v.length;
}

export interface VariantNumbers {
  attack: string;
  instruction: string;
  /** s(A|Q') in nats. */
  sAGivenQ: number | null;
  /** 1 − mean JS/ln 2 against the original prompt, or null when not computed. */
  distConsistency: number | null;
  /** cos(greedy output under Q, greedy output under Q'), or null when not computed. */
  embedConsistency: number | null;
  similarity?: number | null;
  queries?: number;
  edits?: VariantScores['edits'];
}

/** Builds the VariantScores of one variant (aifd against the sample's s(A)). */
export function variantScores(v: VariantNumbers, sA: number | null): VariantScores {
  const out: VariantScores = {
    attack: v.attack,
    instruction: v.instruction,
    s_a_given_q: finiteOrNull(v.sAGivenQ),
    aifd: ifdRatio(v.sAGivenQ, sA),
    dist_consistency: finiteOrNull(v.distConsistency),
    embed_consistency: finiteOrNull(v.embedConsistency),
  };
  if (v.similarity !== undefined) out.similarity = v.similarity;
  if (v.queries !== undefined) out.queries = v.queries;
  if (v.edits !== undefined) out.edits = v.edits;
  return out;
}

/**
 * Per-sample scores: ifd from s(A|Q)/s(A); aifd = mean over variants of AIFD(Q'), aifd_max,
 * aifd_min, aifd_gap = aifd − ifd; dist/embed consistency = mean over variants. Every
 * variant-derived field is null when there are no variants (or none could be scored).
 */
export function sampleScores(sAGivenQ: number | null, sA: number | null, variants: readonly VariantScores[]): SampleScores {
  const ifd = ifdRatio(sAGivenQ, sA);
  const aifds = variants.map((v) => v.aifd).filter((x): x is number => x !== null);
  const aifd = aifds.length > 0 ? aifds.reduce((a, b) => a + b, 0) / aifds.length : null;
  return {
    s_a_given_q: finiteOrNull(sAGivenQ),
    s_a: finiteOrNull(sA),
    ifd,
    aifd,
    aifd_max: aifds.length > 0 ? Math.max(...aifds) : null,
    aifd_min: aifds.length > 0 ? Math.min(...aifds) : null,
    aifd_gap: aifd !== null && ifd !== null ? aifd - ifd : null,
    dist_consistency: meanOrNull(variants.map((v) => v.dist_consistency)),
    embed_consistency: meanOrNull(variants.map((v) => v.embed_consistency)),
  };
}

/** All-null scores (a sample that could not be scored). */
export function emptyScores(): SampleScores {
  return {
    s_a_given_q: null,
    s_a: null,
    ifd: null,
    aifd: null,
    aifd_max: null,
    aifd_min: null,
    aifd_gap: null,
    dist_consistency: null,
    embed_consistency: null,
  };
}
