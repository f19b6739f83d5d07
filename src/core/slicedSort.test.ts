import { describe, expect, it } from 'vitest';
import { Slicer, sortSliced } from './slicedSort';

describe('sortSliced', () => {
  it('sorts like Array.prototype.sort, in slices', async () => {
    for (const n of [0, 1, 5, 2048, 2049, 10_000, 65_537]) {
      const keys = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1009) / 7);
      const cmp = (a: number, b: number) => keys[a]! - keys[b]! || a - b;
      const idx = Int32Array.from({ length: n }, (_, i) => i);
      const sorted = await sortSliced(idx, cmp, new Slicer(() => false, 1));
      const expected = Array.from({ length: n }, (_, i) => i).sort(cmp);
      expect(Array.from(sorted!)).toEqual(expected);
    }
  });

  it('stops when cancelled', async () => {
    let cancel = false;
    const n = 50_000;
    const idx = Int32Array.from({ length: n }, (_, i) => n - i);
    const p = sortSliced(idx, (a, b) => a - b, new Slicer(() => cancel, 0));
    cancel = true;
    expect(await p).toBeNull();
  });
});
