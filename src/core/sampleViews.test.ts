import { describe, expect, it } from 'vitest';
import type { ScoreResult } from './scoring/types';
import type { Sample, SampleScores } from './types';
import { buildScoreColumns, deriveRows, filterOrder, filterSamples, isFileOrder, needsScoreColumns, sortOrder, sortSamples } from './sampleViews';
import { Slicer } from './slicedSort';

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

describe('sample views', () => {
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

  it('derives the shown rows: a filter change reuses the sorted order, a sort change does not', async () => {
    const columns = buildScoreColumns(samples, results);
    const frame = { samples, decisions: {}, columns };
    const byIfd = { filter: '', sort: { key: 'ifd' as const, dir: 'desc' as const }, ranges: {} };
    const first = await deriveRows(frame, byIfd, null);
    expect(Array.from(first.positions!)).toEqual([0, 3, 4, 1, 2]);
    const filtered = await deriveRows(frame, { ...byIfd, filter: 'alpha' }, first.sorted);
    expect(filtered.sorted).toBe(first.sorted); // not re-sorted
    expect(Array.from(filtered.positions!)).toEqual([0, 4]);
    const asc = await deriveRows(frame, { ...byIfd, sort: { key: 'ifd', dir: 'asc' } }, first.sorted);
    expect(asc.sorted).not.toBe(first.sorted);
    expect(Array.from(asc.positions!)).toEqual([1, 3, 4, 0, 2]);
    // New scores (new columns) invalidate a score sort.
    const rescored = await deriveRows({ ...frame, columns: buildScoreColumns(samples, results, 1) }, byIfd, first.sorted);
    expect(rescored.sorted).not.toBe(first.sorted);
  });

  it('cancelled derivations resolve null', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => sample(i, `q${(i * 7919) % 1000}`));
    const out = await deriveRows({ samples: many, decisions: {}, columns: null }, { filter: '', sort: { key: 'instruction', dir: 'asc' }, ranges: {} }, null, new Slicer(() => true, 0));
    expect(out).toEqual({ sorted: null, positions: null });
    expect((await filterSamples(many.slice(0, 3), 'Q9'))?.map((s) => s.id)).toEqual(['id1']);
  });

  it('says when the view is plain file order and when it needs the score columns', () => {
    const plain = { filter: ' ', sort: { key: 'index' as const, dir: 'asc' as const }, ranges: {} };
    expect(isFileOrder(plain)).toBe(true);
    expect(isFileOrder({ ...plain, sort: { key: 'index', dir: 'desc' } })).toBe(false);
    expect(isFileOrder({ ...plain, ranges: { ifd: { min: 1, max: null } } })).toBe(false);
    expect(needsScoreColumns(plain)).toBe(false);
    expect(needsScoreColumns({ sort: { key: 'aifd_gap', dir: 'asc' }, ranges: {} })).toBe(true);
    expect(needsScoreColumns({ sort: { key: 'decision', dir: 'asc' }, ranges: { ifd: { min: null, max: 1 } } })).toBe(true);
  });
});
