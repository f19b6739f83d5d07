// Per-attack AIFD rise and decision tallies for the charts (pure, one pass each).
import type { Decision, SampleScores, VariantScores } from '../../core/types';

export interface AttackRise {
  attack: string;
  /** Mean of variant.aifd − sample ifd over the attack's variants with both values. */
  mean: number;
  /** Variants counted, and samples they came from. */
  variants: number;
  samples: number;
}

interface Scored {
  scores: SampleScores | null;
  variants: readonly VariantScores[];
}

/** Which attacks raise the instruction-following difficulty most (largest mean rise first). */
export function attackRises(results: Iterable<Scored>): AttackRise[] {
  const acc = new Map<string, { sum: number; variants: number; samples: number }>();
  for (const r of results) {
    const ifd = r.scores?.ifd;
    if (ifd === null || ifd === undefined || !Number.isFinite(ifd)) continue;
    // A sample counts once per attack (it usually has one or two variants of each).
    const counted: string[] = [];
    for (const v of r.variants) {
      if (v.aifd === null || !Number.isFinite(v.aifd)) continue;
      let a = acc.get(v.attack);
      if (!a) acc.set(v.attack, (a = { sum: 0, variants: 0, samples: 0 }));
      a.sum += v.aifd - ifd;
      a.variants++;
      if (!counted.includes(v.attack)) {
        a.samples++;
        counted.push(v.attack);
      }
    }
  }
  return [...acc]
    .map(([attack, a]) => ({ attack, mean: a.sum / a.variants, variants: a.variants, samples: a.samples }))
    .sort((x, y) => y.mean - x.mean || x.attack.localeCompare(y.attack));
}

export interface Tally {
  accepted: number;
  rejected: number;
  undecided: number;
}

/** Decisions among `ids` (all samples when `ids` covers them); missing entries are undecided. */
export function tallyDecisions(ids: Iterable<string>, decisions: Readonly<Record<string, Exclude<Decision, 'undecided'> | Decision>>): Tally {
  const t: Tally = { accepted: 0, rejected: 0, undecided: 0 };
  for (const id of ids) {
    const d = decisions[id];
    if (d === 'accepted') t.accepted++;
    else if (d === 'rejected') t.rejected++;
    else t.undecided++;
  }
  return t;
}
