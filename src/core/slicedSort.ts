// Sorting that yields to the event loop: a bottom-up merge sort over an index array whose runs and
// merge passes are cut into time slices, so sorting 100k rows never blocks the page for more than a
// slice. Cancellable between slices.

export const SLICE_MS = 12;

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Tracks one time slice; `pause()` yields when the slice is used up and says whether to go on. */
export class Slicer {
  private start = performance.now();
  constructor(
    private readonly isCancelled: () => boolean = () => false,
    private readonly sliceMs = SLICE_MS,
  ) {}

  get due(): boolean {
    return performance.now() - this.start > this.sliceMs;
  }

  /** Yields if the slice is used up. Resolves false when cancelled meanwhile. */
  async pause(): Promise<boolean> {
    if (!this.due) return !this.isCancelled();
    await yieldToEventLoop();
    this.start = performance.now();
    return !this.isCancelled();
  }
}

const RUN = 2048;
const CHECK_EVERY = 4096;

/**
 * Sorts `idx` by `cmp` (which must be a total order, e.g. with an index tie-break) and returns the
 * sorted array (`idx` itself or a second buffer), or null if cancelled.
 */
export async function sortSliced(idx: Int32Array, cmp: (a: number, b: number) => number, slicer: Slicer): Promise<Int32Array | null> {
  const n = idx.length;
  for (let s = 0; s < n; s += RUN) {
    idx.subarray(s, Math.min(n, s + RUN)).sort(cmp);
    if (!(await slicer.pause())) return null;
  }
  if (n <= RUN) return idx;
  let src: Int32Array = idx;
  let dst: Int32Array = new Int32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    let sinceCheck = 0;
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const a = src[i]!;
        const b = src[j]!;
        if (cmp(a, b) <= 0) {
          dst[k++] = a;
          i++;
        } else {
          dst[k++] = b;
          j++;
        }
        if (++sinceCheck >= CHECK_EVERY) {
          sinceCheck = 0;
          if (slicer.due && !(await slicer.pause())) return null;
        }
      }
      if (i < mid) dst.set(src.subarray(i, mid), k);
      else if (j < hi) dst.set(src.subarray(j, hi), k);
    }
    [src, dst] = [dst, src];
    if (!(await slicer.pause())) return null;
  }
  return src;
}
