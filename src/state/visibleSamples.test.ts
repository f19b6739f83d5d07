import { describe, expect, it } from 'vitest';
import type { ScoreResult } from '../core/scoring/types';
import type { Sample, SampleScores } from '../core/types';
import { buildScoreColumns, filterOrder, sortOrder, sortSamples } from './visibleSamples';

const sample = (i: number, instruction: string): Sample => ({ id: `id${i}`, index: i, line: i + 1, instruction, input: '', response: `answer ${i}`, history: [] });
const scores = (ifd: number, gap: number | null): SampleScores => ({
  s_a_given_q: ifd * 2,
  s_a: 2,
  ifd,
  aifd: gap === null ? null : ifd + gap,
  aifd_max: null,
  aifd_min: null,
  aifd_gap: gap,
  dist_consistency: null,
  embed_consistency: null,
});
const result = (id: string, s: SampleScores): ScoreResult => ({ id, scores: s, variants: [], truncated: false, tokens: { prompted: 0, answer: 0, response: 0 } }) as ScoreResult;

const samples = [sample(0, 'alpha'), sample(1, 'beta'), sample(2, 'gamma'), sample(3, 'delta'), sample(4, 'alpha two')];
const results = new Map<string, ScoreResult>([
  ['id0', result('id0', scores(0.9, 0.1))],
  ['id1', result('id1', scores(0.4, null))],
  ['id3', result('id3', scores(0.6, 0.3))],
  ['id4', result('id4', scores(0.6, -0.02))],
]);

describe('visible samples', () => {
  it('builds score columns with NaN for missing scores', () => {
    const c = buildScoreColumns(samples, results);
    expect(c.scored).toBe(4);
    expect(Array.from(c.cols.ifd)).toEqual([0.9, 0.4, Number.NaN, 0.6, 0.6]);
    expect(Number.isNaN(c.cols.aifd_gap[1]!)).toBe(true);
  });

  it('sorts by a score with unscored samples last in both directions, ties in file order', async () => {
    const asc = await sortSamples(samples, 'ifd', 'asc', {}, results);
    expect(asc.map((s) => s.index)).toEqual([1, 3, 4, 0, 2]);
    const desc = await sortSamples(samples, 'ifd', 'desc', {}, results);
    expect(desc.map((s) => s.index)).toEqual([0, 3, 4, 1, 2]);
    const gap = await sortSamples(samples, 'aifd_gap', 'desc', {}, results);
    expect(gap.map((s) => s.index)).toEqual([3, 0, 4, 1, 2]);
  });

  it('sorts by decision, text and length', async () => {
    const byDecision = await sortSamples(samples, 'decision', 'asc', { id2: 'accepted', id0: 'rejected' });
    expect(byDecision.map((s) => s.index)).toEqual([2, 1, 3, 4, 0]);
    const byText = await sortSamples(samples, 'instruction', 'asc', {});
    expect(byText.map((s) => s.instruction)).toEqual(['alpha', 'alpha two', 'beta', 'delta', 'gamma']);
    const byLen = await sortSamples(samples, 'instructionLength', 'desc', {});
    expect(byLen[0]!.instruction).toBe('alpha two');
  });

  it('filters the sorted order by text and ranges, keeping the order', async () => {
    const columns = buildScoreColumns(samples, results);
    const order = (await sortOrder({ samples, key: 'ifd', dir: 'desc', decisions: {}, columns }))!;
    const kept = await filterOrder({ samples, order, filter: '', ranges: { ifd: { min: 0.5, max: null } }, columns });
    expect(Array.from(kept!)).toEqual([0, 3, 4]);
    const both = await filterOrder({ samples, order, filter: 'ALPHA', ranges: { ifd: { min: 0.5, max: null }, aifd_gap: { min: null, max: 0.2 } }, columns });
    expect(Array.from(both!)).toEqual([0, 4]);
    const none = await filterOrder({ samples, order, filter: '', ranges: {}, columns });
    expect(none).toBe(order);
  });
});
