import { describe, expect, it } from 'vitest';
import { PrefixKvCache, isPrefixOf, prefixedAttentionMask, tileBatch, type PrefixEntry } from './prefixCache';

const entry = (ids: number[], bytes = 10): PrefixEntry => ({ ids, kv: new Map(), bytes });

describe('PrefixKvCache', () => {
  it('finds the entry itself, else the longest cached prefix of the ids', () => {
    const c = new PrefixKvCache();
    c.add(entry([1, 2, 3]));
    c.add(entry([1, 2, 3, 4, 5]));
    c.add(entry([9, 9]));
    expect(c.lookup([1, 2, 3, 4, 5])!.ids).toEqual([1, 2, 3, 4, 5]);
    expect(c.lookup([1, 2, 3, 4, 5, 6])!.ids).toEqual([1, 2, 3, 4, 5]);
    expect(c.lookup([1, 2, 3, 4])!.ids).toEqual([1, 2, 3]);
    expect(c.lookup([1, 2])).toBeNull();
    expect(c.lookup([7])).toBeNull();
    expect(isPrefixOf([1, 2], [1, 2, 3])).toBe(true);
    expect(isPrefixOf([1, 3], [1, 2, 3])).toBe(false);
  });

  it('evicts the least recently used entries beyond its count and byte limits', () => {
    const c = new PrefixKvCache(2, 100);
    c.add(entry([1]));
    c.add(entry([2]));
    c.lookup([1]); // 1 is now the most recent
    c.add(entry([3]));
    expect(c.size).toBe(2);
    expect(c.lookup([2])).toBeNull();
    expect(c.lookup([1])).not.toBeNull();
    const big = new PrefixKvCache(8, 100);
    big.add(entry([1], 60));
    big.add(entry([2], 60));
    expect(big.size).toBe(1);
    expect(big.lookup([2])).not.toBeNull();
    big.add(entry([2], 60)); // re-adding replaces
    expect(big.size).toBe(1);
    big.clear();
    expect(big.size).toBe(0);
  });
});

describe('batching a prefix', () => {
  it('tiles batch-1 data along the batch axis', () => {
    expect(Array.from(tileBatch(new Float32Array([1, 2, 3]), 3))).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    const u = tileBatch(new Uint16Array([7, 8]), 2);
    expect(u).toBeInstanceOf(Uint16Array);
    expect(Array.from(u)).toEqual([7, 8, 7, 8]);
    const same = new Float32Array([1]);
    expect(tileBatch(same, 1)).toBe(same);
  });

  it('attention mask covers the prefix, then each row’s own mask', () => {
    const m = prefixedAttentionMask(2, 2, 3, new BigInt64Array([1n, 1n, 0n, 1n, 0n, 0n]));
    expect(Array.from(m)).toEqual([1n, 1n, 1n, 1n, 0n, 1n, 1n, 1n, 0n, 0n]);
  });
});
