import { describe, expect, it } from 'vitest';
import { emptyScores } from '../../core/metrics/aggregate';
import type { SampleScores, VariantScores } from '../../core/types';
import { attackRises, tallyDecisions } from './aggregates';

const scores = (ifd: number | null): SampleScores => ({ ...emptyScores(), ifd });
const v = (attack: string, aifd: number | null): VariantScores => ({ attack, instruction: 'x', s_a_given_q: null, aifd, dist_consistency: null, embed_consistency: null });

describe('attackRises', () => {
  it('averages variant.aifd − ifd per attack, largest rise first', () => {
    const rises = attackRises([
      { scores: scores(1), variants: [v('textbugger', 1.3), v('synonym', 1.1), v('textbugger', 1.1)] },
      { scores: scores(0.5), variants: [v('synonym', 0.4), v('checklist', 0.45)] },
      { scores: scores(null), variants: [v('synonym', 9)] },
      { scores: scores(0.8), variants: [v('checklist', null)] },
    ]);
    expect(rises.map((r) => r.attack)).toEqual(['textbugger', 'synonym', 'checklist']);
    expect(rises[0]!.mean).toBeCloseTo(0.2);
    expect(rises[0]!.variants).toBe(2);
    expect(rises[0]!.samples).toBe(1);
    expect(rises[1]!.mean).toBeCloseTo(0);
    expect(rises[1]!.samples).toBe(2);
    expect(rises[2]!.mean).toBeCloseTo(-0.05);
  });
});

describe('tallyDecisions', () => {
  it('counts missing decisions as undecided', () => {
    expect(tallyDecisions(['a', 'b', 'c', 'd'], { a: 'accepted', b: 'rejected', z: 'accepted' })).toEqual({ accepted: 1, rejected: 1, undecided: 2 });
  });
});
