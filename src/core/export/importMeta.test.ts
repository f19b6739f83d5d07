import { describe, expect, it } from 'vitest';
import { toJsonlLine } from './index';
import { splitQuarryMeta } from './importMeta';
import type { QuarryRecordMeta } from '../types';

const meta: QuarryRecordMeta = {
  id: 'abc123',
  model: 'llama2c-stories260K',
  template: 'alpaca',
  scores: { s_a_given_q: 1.5, s_a: 2, ifd: 0.75, aifd: 0.8, aifd_max: 0.9, aifd_min: 0.7, aifd_gap: 0.05, dist_consistency: 0.99, embed_consistency: null },
  variants: [{ attack: 'checklist', instruction: 'Say hi. x1y2z3w4v5', s_a_given_q: 1.6, aifd: 0.8, dist_consistency: 0.99, embed_consistency: null }],
  decision: 'accepted',
};

describe('splitQuarryMeta', () => {
  it('is the inverse of the JSONL export', () => {
    const raw = { instruction: 'Say hi.', output: 'Hi!', extra: { a: [1, 2] } };
    const line = toJsonlLine({ raw, meta });
    const back = splitQuarryMeta(JSON.parse(line));
    expect(back.raw).toEqual(raw);
    expect(back.meta).toEqual(meta);
  });

  it('leaves records without (or with malformed) quarry metadata untouched', () => {
    const plain = { instruction: 'a', output: 'b' };
    expect(splitQuarryMeta(plain)).toEqual({ raw: plain, meta: null });
    const odd = { instruction: 'a', output: 'b', quarry: 'not an object' };
    expect(splitQuarryMeta(odd)).toEqual({ raw: odd, meta: null });
    const noId = { instruction: 'a', output: 'b', quarry: { scores: {} } };
    expect(splitQuarryMeta(noId).meta).toBeNull();
  });

  it('drops scores with non-numeric fields and unknown decisions, keeps the id', () => {
    const r = splitQuarryMeta({ instruction: 'a', output: 'b', quarry: { id: 'x', scores: { ifd: 'high' }, decision: 'maybe', variants: [{ nope: 1 }] } });
    expect(r.meta).toEqual({ id: 'x', model: null, template: null, scores: null, variants: [], decision: null });
    expect(r.raw).toEqual({ instruction: 'a', output: 'b' });
  });
});
