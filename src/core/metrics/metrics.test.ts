import { describe, expect, it } from 'vitest';
import {
  alignPieces,
  alignResponseTokens,
  byteLevelPieceBytes,
  consistencyFromJs,
  cosine,
  expNeg,
  ifdRatio,
  jsDivergenceLog,
  jsDivergenceLogits,
  logSoftmaxRow,
  logSumExp,
  meanCrossEntropy,
  responseNlls,
  responseTokenRange,
  sampleScores,
  sentencePiecePieceBytes,
  tokenNll,
  utf8,
  utf8Offset,
  variantScores,
  type TokenPiece,
} from './index';

const LN2 = Math.log(2);

describe('log-softmax and cross-entropy', () => {
  it('log-softmax of known rows', () => {
    const row = new Float32Array([0, 0]);
    const ls = logSoftmaxRow(row, 0, 2);
    expect(ls[0]).toBeCloseTo(-LN2, 12);
    expect(ls[1]).toBeCloseTo(-LN2, 12);
    // softmax([0, ln 3]) = [1/4, 3/4]
    const r2 = new Float32Array([0, Math.log(3)]);
    const l2 = logSoftmaxRow(r2, 0, 2);
    expect(Math.exp(l2[0]!)).toBeCloseTo(0.25, 6);
    expect(Math.exp(l2[1]!)).toBeCloseTo(0.75, 6);
  });

  it('fast exp and logsumexp match Math.exp to 1e-9', () => {
    for (let d = 0; d > -51; d -= 0.0137) expect(Math.abs(expNeg(d) / Math.exp(d) - 1)).toBeLessThan(1e-9);
    expect(expNeg(-1e4)).toBe(0);
    expect(expNeg(0)).toBe(1);
    const row = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.37) * 8 + Math.cos(i * 0.011) * 5);
    let m = -Infinity;
    for (const x of row) m = Math.max(m, x);
    let z = 0;
    for (const x of row) z += Math.exp(x - m);
    expect(Math.abs(logSumExp(row, 0, row.length) - (m + Math.log(z)))).toBeLessThan(1e-9);
  });

  it('is stable for huge logits', () => {
    const row = new Float32Array([1000, 1000, -1e30]);
    expect(logSumExp(row, 0, 3)).toBeCloseTo(1000 + LN2, 6);
    expect(tokenNll(row, 0, 3, 0)).toBeCloseTo(LN2, 6);
    expect(Number.isFinite(tokenNll(row, 0, 3, 2))).toBe(true);
  });

  it('mean cross-entropy over the response span uses the previous row', () => {
    // T = 3 rows, V = 2. ids = [0, 1, 0]; response = tokens 1..2
    // row0 predicts ids[1]=1: softmax([0, ln3]) -> p=3/4 ; row1 predicts ids[2]=0: softmax([ln 4, 0]) -> p = 4/5
    const logits = new Float32Array([0, Math.log(3), Math.log(4), 0, 9, 9]);
    const ids = [0, 1, 0];
    const nll = responseNlls(logits, 0, 2, ids, 1, 3);
    expect(nll[0]).toBeCloseTo(-Math.log(0.75), 6);
    expect(nll[1]).toBeCloseTo(-Math.log(0.8), 6);
    expect(meanCrossEntropy(logits, 0, 2, ids, 1, 3)).toBeCloseTo((-Math.log(0.75) - Math.log(0.8)) / 2, 6);
    // position 0 has no prediction: skipped
    expect(responseNlls(logits, 0, 2, ids, 0, 2)).toHaveLength(1);
    expect(Number.isNaN(meanCrossEntropy(logits, 0, 2, ids, 0, 1))).toBe(true);
  });
});

describe('Jensen–Shannon divergence', () => {
  const lg = (ps: number[]) => Float64Array.from(ps.map((p) => Math.log(p)));
  it('known values', () => {
    expect(jsDivergenceLog(lg([1, 0]), 0, lg([0, 1]), 0, 2)).toBeCloseTo(LN2, 12);
    expect(jsDivergenceLog(lg([0.3, 0.7]), 0, lg([0.3, 0.7]), 0, 2)).toBeCloseTo(0, 12);
    // P = [.5,.5], Q = [1,0], M = [.75,.25]
    const kp = 0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(0.5 / 0.25);
    const kq = Math.log(1 / 0.75);
    expect(jsDivergenceLog(lg([0.5, 0.5]), 0, lg([1, 0]), 0, 2)).toBeCloseTo(0.5 * kp + 0.5 * kq, 12);
    expect(0.5 * kp + 0.5 * kq).toBeCloseTo(0.215762, 6);
  });

  it('is symmetric and works from logits', () => {
    const a = new Float32Array([1, 2, 3, -1]);
    const b = new Float32Array([3, 0, 1, 2]);
    const ab = jsDivergenceLogits(a, 0, b, 0, 4);
    expect(ab).toBeCloseTo(jsDivergenceLogits(b, 0, a, 0, 4), 12);
    expect(ab).toBeGreaterThan(0);
    expect(ab).toBeLessThan(LN2);
  });

  it('consistency = 1 - JS/ln2', () => {
    expect(consistencyFromJs(0)).toBe(1);
    expect(consistencyFromJs(LN2)).toBeCloseTo(0, 12);
    expect(consistencyFromJs(LN2 / 2)).toBeCloseTo(0.5, 12);
  });
});

describe('cosine', () => {
  it('known values', () => {
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 2], [2, 4])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [-1, 0])).toBeCloseTo(-1, 12);
    expect(cosine([0, 0], [1, 1])).toBe(0);
  });
});

describe('IFD / AIFD aggregation', () => {
  it('ratios and means', () => {
    expect(ifdRatio(2, 4)).toBe(0.5);
    expect(ifdRatio(2, 0)).toBeNull();
    expect(ifdRatio(null, 1)).toBeNull();
    expect(ifdRatio(Number.NaN, 1)).toBeNull();
    const sA = 2;
    const vs = [
      variantScores({ attack: 'a', instruction: 'x', sAGivenQ: 1, distConsistency: 0.9, embedConsistency: null }, sA),
      variantScores({ attack: 'b', instruction: 'y', sAGivenQ: 3, distConsistency: 0.7, embedConsistency: 0.5 }, sA),
    ];
    expect(vs[0]!.aifd).toBe(0.5);
    expect(vs[1]!.aifd).toBe(1.5);
    const s = sampleScores(1.6, sA, vs);
    expect(s.ifd).toBeCloseTo(0.8, 12);
    expect(s.aifd).toBeCloseTo(1.0, 12);
    expect(s.aifd_max).toBe(1.5);
    expect(s.aifd_min).toBe(0.5);
    expect(s.aifd_gap).toBeCloseTo(0.2, 12);
    expect(s.dist_consistency).toBeCloseTo(0.8, 12);
    expect(s.embed_consistency).toBe(0.5);
  });

  it('no variants -> variant fields null', () => {
    const s = sampleScores(1, 2, []);
    expect(s).toEqual({
      s_a_given_q: 1,
      s_a: 2,
      ifd: 0.5,
      aifd: null,
      aifd_max: null,
      aifd_min: null,
      aifd_gap: null,
      dist_consistency: null,
      embed_consistency: null,
    });
  });
});

describe('span finding', () => {
  it('utf8 offsets', () => {
    const t = 'aé😀b';
    expect(utf8Offset(t, 0)).toBe(0);
    expect(utf8Offset(t, 1)).toBe(1);
    expect(utf8Offset(t, 2)).toBe(3);
    expect(utf8Offset(t, 4)).toBe(7);
    expect(utf8Offset(t, 5)).toBe(8);
    expect(utf8(t).length).toBe(8);
  });

  it('byte-level and sentencepiece pieces', () => {
    expect(new TextDecoder().decode(byteLevelPieceBytes('Ġthe')!)).toBe(' the');
    expect(Array.from(byteLevelPieceBytes('Ċ')!)).toEqual([10]);
    expect(Array.from(byteLevelPieceBytes('Ã©')!)).toEqual([0xc3, 0xa9]);
    expect(new TextDecoder().decode(sentencePiecePieceBytes('▁The'))).toBe(' The');
    expect(Array.from(sentencePiecePieceBytes('<0x0A>'))).toEqual([10]);
  });

  const P = (s: string, special = false): TokenPiece => ({ bytes: utf8(s), special });

  it('aligns pieces, with phantom SentencePiece space and zero-width BOS', () => {
    // text "Q: hi\nThe end" tokenized SentencePiece-style: <s> ▁Q : ▁hi \n The ▁end
    const text = 'Q: hi\nThe end';
    const pieces = [P('<s>', true), P(' Q'), P(':'), P(' hi'), P('\n'), P('The'), P(' end')];
    const spans = alignPieces(utf8(text), pieces)!;
    expect(spans).not.toBeNull();
    expect(Array.from(spans.starts)).toEqual([0, 0, 1, 2, 5, 6, 9]);
    expect(Array.from(spans.ends)).toEqual([0, 1, 2, 5, 6, 9, 13]);
    expect(responseTokenRange(spans, 6, 13)).toEqual({ start: 5, end: 7 });
  });

  it('a token straddling the boundary belongs to the response', () => {
    // prompt "Answer: " (trailing space) + response "The end"; tokens ... ":" "▁The" "▁end"
    const text = 'Answer: The end';
    const pieces = [P('Answer'), P(':'), P(' The'), P(' end')];
    const spans = alignPieces(utf8(text), pieces)!;
    const rs = 'Answer: '.length;
    expect(responseTokenRange(spans, rs, text.length)).toEqual({ start: 2, end: 4 });
    // a merge across the boundary (":T") also counts as response
    const p2 = [P('Answer'), P(':T'), P('he')];
    const s2 = alignPieces(utf8('Answer:The'), p2)!;
    expect(responseTokenRange(s2, 7, 10)).toEqual({ start: 1, end: 3 });
  });

  it('special tokens written in the text match their content; trailing chat tokens are excluded', () => {
    const text = '<s>hi\nyo</s>';
    const pieces = [P('<s>', true), P('hi'), P('\n'), P('yo'), P('</s>', true)];
    const spans = alignPieces(utf8(text), pieces)!;
    expect(Array.from(spans.ends)).toEqual([3, 5, 6, 8, 12]);
    expect(responseTokenRange(spans, 6, 8)).toEqual({ start: 3, end: 4 });
  });

  it('returns null when the pieces do not cover the text', () => {
    expect(alignPieces(utf8('abc'), [P('ab'), P('x')])).toBeNull();
    expect(alignPieces(utf8('abc'), [P('ab')])).toBeNull();
    expect(alignPieces(utf8('abc'), [{ bytes: null, special: false }])).toBeNull();
  });

  it('pairs response tokens of two tokenizations', () => {
    const a = { ids: [7, 8, 9], spans: Int32Array.from([-1, 3, 3, 5, 5, 9]) };
    const b = { ids: [6, 8, 9], spans: Int32Array.from([0, 3, 3, 5, 5, 9]) };
    expect(alignResponseTokens(a, b)).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(alignResponseTokens({ ids: [1, 2, 3], spans: null }, { ids: [5, 2, 3], spans: null })).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});
