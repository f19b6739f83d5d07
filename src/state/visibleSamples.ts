// Derived view of the dataset: the text filter, the score range filters and the sort applied to the
// samples. It is computed (never edited directly) and cached in a small store so every component
// shares one computation. 100k samples take longer than a frame to filter or sort, so both run in
// time slices that yield to the event loop and are cancelled when their inputs change: the page
// never freezes while the curator types, brushes a chart or re-sorts.
//
// Two caches keep the common interactions cheap:
// - score columns: one Float64Array per score (NaN = not scored), indexed like `samples`, rebuilt
//   once per scores version; the range filters, score sorts and the charts all read them;
// - the sorted order of ALL samples for the current sort: changing a filter (typing, brushing) only
//   re-filters that order (one pass, order preserved) and never re-sorts.
import { create } from 'zustand';
import type { Decision, Sample } from '../core/types';
import type { RangeFilters, ScoreKey, SortKey } from '../persist/db';
import type { ScoreResult } from '../core/scoring/types';
import { SCORE_KEYS, hasActiveRanges, isScoreKey, rangePredicate } from '../ui/charts/ranges';
import { useDatasetStore } from './datasetStore';
import { useDecisionStore } from './decisionStore';
import { useScoreStore } from './scoreStore';
import { Slicer, sortSliced } from './slicedSort';
import { useViewStore } from './viewStore';

const DECISION_ORDER: Record<Decision, number> = { accepted: 0, undecided: 1, rejected: 2 };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matcher(filter: string): ((s: Sample) => boolean) | null {
  const needle = filter.trim();
  if (!needle) return null;
  const re = new RegExp(escapeRegExp(needle), 'i');
  return (s) => re.test(s.instruction) || re.test(s.input) || re.test(s.response);
}

// ---------------------------------------------------------------------------------------------
// Score columns

export interface ScoreColumns {
  /** The samples and scores they were built from (positions index `samples`). */
  samples: Sample[];
  results: Map<string, ScoreResult>;
  version: number;
  cols: Record<ScoreKey, Float64Array>;
  /** Samples with a result. */
  scored: number;
}

function emptyColumns(n: number): Record<ScoreKey, Float64Array> {
  const cols = {} as Record<ScoreKey, Float64Array>;
  for (const k of SCORE_KEYS) cols[k] = new Float64Array(n).fill(Number.NaN);
  return cols;
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? Number.NaN : v);

/** Fills columns for samples [from, to); returns how many had a result. Fields read one by one (fast). */
function fillColumns(samples: Sample[], results: Map<string, ScoreResult>, cols: Record<ScoreKey, Float64Array>, from: number, to: number): number {
  const { s_a_given_q, s_a, ifd, aifd, aifd_max, aifd_min, aifd_gap, dist_consistency, embed_consistency } = cols;
  let scored = 0;
  for (let i = from; i < to; i++) {
    const sc = results.get(samples[i]!.id)?.scores;
    if (!sc) continue;
    scored++;
    s_a_given_q[i] = num(sc.s_a_given_q);
    s_a[i] = num(sc.s_a);
    ifd[i] = num(sc.ifd);
    aifd[i] = num(sc.aifd);
    aifd_max[i] = num(sc.aifd_max);
    aifd_min[i] = num(sc.aifd_min);
    aifd_gap[i] = num(sc.aifd_gap);
    dist_consistency[i] = num(sc.dist_consistency);
    embed_consistency[i] = num(sc.embed_consistency);
  }
  return scored;
}

export function buildScoreColumns(samples: Sample[], results: Map<string, ScoreResult>, version = 0): ScoreColumns {
  const cols = emptyColumns(samples.length);
  const scored = results.size > 0 ? fillColumns(samples, results, cols, 0, samples.length) : 0;
  return { samples, results, version, cols, scored };
}

/** The same, in time slices; null if cancelled. */
export async function buildScoreColumnsSliced(
  samples: Sample[],
  results: Map<string, ScoreResult>,
  version: number,
  slicer: Slicer,
): Promise<ScoreColumns | null> {
  const cols = emptyColumns(samples.length);
  let scored = 0;
  const CHUNK = 256;
  for (let from = 0; results.size > 0 && from < samples.length; from += CHUNK) {
    if (!(await slicer.pause())) return null;
    scored += fillColumns(samples, results, cols, from, Math.min(samples.length, from + CHUNK));
  }
  return { samples, results, version, cols, scored };
}

let columnsCache: ScoreColumns | null = null;
let columnsBuild: { samples: Sample[]; results: Map<string, ScoreResult>; version: number; promise: Promise<ScoreColumns> } | null = null;

function currentInputs() {
  const samples = useDatasetStore.getState().samples;
  const { results, version } = useScoreStore.getState();
  return { samples, results, version };
}

/** The score columns of the open dataset if they are up to date, else null (see loadScoreColumns). */
export function peekScoreColumns(): ScoreColumns | null {
  const { samples, results, version } = currentInputs();
  const c = columnsCache;
  return c && c.samples === samples && c.results === results && c.version === version ? c : null;
}

/**
 * The score columns of the open dataset, rebuilt (in time slices, one build shared by every caller)
 * only when the samples or the scores changed.
 */
export function loadScoreColumns(): Promise<ScoreColumns> {
  const ready = peekScoreColumns();
  if (ready) return Promise.resolve(ready);
  const { samples, results, version } = currentInputs();
  const b = columnsBuild;
  if (b && b.samples === samples && b.results === results && b.version === version) return b.promise;
  const promise = (async () => {
    const built = (await buildScoreColumnsSliced(samples, results, version, new Slicer()))!;
    // Keep the newest build (a later version may have finished first).
    if (!columnsCache || columnsCache.samples !== samples || columnsCache.results !== results || columnsCache.version <= version) columnsCache = built;
    const cb = columnsBuild;
    if (cb && cb.samples === samples && cb.results === results && cb.version === version) columnsBuild = null;
    return built;
  })();
  columnsBuild = { samples, results, version, promise };
  return promise;
}

// ---------------------------------------------------------------------------------------------
// Sorting (all samples) and filtering (over the sorted order)

export interface SortInputs {
  samples: Sample[];
  key: SortKey;
  dir: 'asc' | 'desc';
  decisions: Record<string, Decision>;
  /** Needed for score keys. */
  columns: ScoreColumns | null;
}

function identity(n: number, reverse = false): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = reverse ? n - 1 - i : i;
  return out;
}

/**
 * Positions of all samples in sort order. Missing scores (NaN) sort last in either direction; ties
 * keep file order. Resolves null if cancelled.
 */
export async function sortOrder(inp: SortInputs, slicer: Slicer = new Slicer()): Promise<Int32Array | null> {
  const { samples, key, dir, decisions } = inp;
  const n = samples.length;
  if (key === 'index') return identity(n, dir === 'desc');
  if (key === 'decision') {
    // Three values: a stable counting sort, O(n).
    const buckets: number[][] = [[], [], []];
    for (let i = 0; i < n; i++) buckets[DECISION_ORDER[decisions[samples[i]!.id] ?? 'undecided']]!.push(i);
    if (dir === 'desc') buckets.reverse();
    const out = new Int32Array(n);
    let k = 0;
    for (const b of buckets) for (const i of b) out[k++] = i;
    return out;
  }
  const sign = dir === 'asc' ? 1 : -1;
  if (key === 'instruction' || key === 'response') {
    const keys: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      if ((i & 1023) === 0 && !(await slicer.pause())) return null;
      keys[i] = samples[i]![key].slice(0, 80).toLowerCase();
    }
    return sortSliced(identity(n), (a, b) => (keys[a]! < keys[b]! ? -sign : keys[a]! > keys[b]! ? sign : a - b), slicer);
  }
  let keys: Float64Array;
  if (isScoreKey(key)) {
    keys = (inp.columns ?? buildScoreColumns(samples, new Map())).cols[key];
  } else {
    keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = samples[i]!;
      keys[i] = key === 'instructionLength' ? s.instruction.length + s.input.length : s.response.length;
    }
  }
  return sortSliced(
    identity(n),
    (a, b) => {
      const x = keys[a]!;
      const y = keys[b]!;
      // NaN !== NaN: unscored rows last whatever the direction.
      if (x !== x || y !== y) return x !== x && y !== y ? a - b : x !== x ? 1 : -1;
      return x < y ? -sign : x > y ? sign : a - b;
    },
    slicer,
  );
}

/** Sorts a list of samples (convenience for callers and tests). */
export async function sortSamples(
  samples: Sample[],
  key: SortKey,
  dir: 'asc' | 'desc',
  decisions: Record<string, Decision>,
  scores: Map<string, ScoreResult> = new Map(),
): Promise<Sample[]> {
  const columns = isScoreKey(key) ? buildScoreColumns(samples, scores) : null;
  const order = (await sortOrder({ samples, key, dir, decisions, columns }))!;
  return Array.from(order, (i) => samples[i]!);
}

export interface FilterInputs {
  samples: Sample[];
  /** Positions to consider, in output order (the sort order). */
  order: Int32Array;
  filter: string;
  ranges: RangeFilters;
  columns: ScoreColumns | null;
}

/** Positions of `order` that pass the text filter and the ranges, order kept; null if cancelled. */
export async function filterOrder(inp: FilterInputs, slicer: Slicer = new Slicer()): Promise<Int32Array | null> {
  const { samples, order } = inp;
  const text = matcher(inp.filter);
  const inRanges = inp.columns ? rangePredicate(inp.columns.cols, inp.ranges) : hasActiveRanges(inp.ranges) ? () => false : null;
  if (!text && !inRanges) return order;
  const out = new Int32Array(order.length);
  let k = 0;
  for (let i = 0; i < order.length; i++) {
    if ((i & 255) === 0 && slicer.due && !(await slicer.pause())) return null;
    const p = order[i]!;
    if (inRanges && !inRanges(p)) continue;
    if (text && !text(samples[p]!)) continue;
    out[k++] = p;
  }
  return out.slice(0, k);
}

/** Filters in time slices (text filter only); resolves null if cancelled. */
export async function filterSamples(samples: Sample[], filter: string, isCancelled: () => boolean = () => false): Promise<Sample[] | null> {
  const kept = await filterOrder({ samples, order: identity(samples.length), filter, ranges: {}, columns: null }, new Slicer(isCancelled));
  return kept && Array.from(kept, (i) => samples[i]!);
}

// ---------------------------------------------------------------------------------------------
// The store

interface VisibleState {
  rows: Sample[];
  /** rows[k] === samples[positions[k]]: lets the charts read score columns for the shown rows. */
  positions: Int32Array;
  /** The samples array `positions` index. */
  samples: Sample[];
  /** True while a new filter or sort is being applied (the previous rows stay on screen meanwhile). */
  pending: boolean;
  /** Duration of the last completed computation (ms, wall clock including yields). */
  lastMs: number;
  /**
   * Identifies the SET of shown rows: it changes with the samples, the filters or the scores but
   * not with the sort, so the charts (which do not care about order) skip re-sorts.
   */
  setKey: string;
}

export const useVisibleStore = create<VisibleState>(() => ({ rows: [], positions: new Int32Array(0), samples: [], pending: false, lastMs: 0, setKey: '' }));

let samplesSeq = 0;
const samplesIds = new WeakMap<Sample[], number>();
/** What the shown set depends on: samples, filter, ranges (and the scores, when ranges are set). */
function setKeyOf(samples: Sample[], filter: string, ranges: RangeFilters, columns: ScoreColumns | null): string {
  let id = samplesIds.get(samples);
  if (id === undefined) samplesIds.set(samples, (id = ++samplesSeq));
  const active = hasActiveRanges(ranges);
  return JSON.stringify([id, filter.trim(), active ? ranges : null, active && columns ? columns.version : null]);
}

let generation = 0;
let orderCache: { samples: Sample[]; key: SortKey; dir: 'asc' | 'desc'; dep: unknown; order: Int32Array } | null = null;

/** Does the visible set depend on the scores (score sort or a range filter)? */
function dependsOnScores(): boolean {
  const { sort, ranges } = useViewStore.getState();
  return isScoreKey(sort.key) || hasActiveRanges(ranges);
}

async function recompute(): Promise<void> {
  const gen = ++generation;
  const t0 = performance.now();
  const slicer = new Slicer(() => gen !== generation);
  const { samples } = useDatasetStore.getState();
  const { filter, sort, ranges } = useViewStore.getState();
  const decisions = useDecisionStore.getState().decisions;
  // Fast path: nothing to do but show the file.
  if (!filter.trim() && !hasActiveRanges(ranges) && sort.key === 'index' && sort.dir === 'asc') {
    useVisibleStore.setState({ rows: samples, positions: identity(samples.length), samples, pending: false, lastMs: performance.now() - t0, setKey: setKeyOf(samples, '', {}, null) });
    return;
  }
  if (!useVisibleStore.getState().pending) useVisibleStore.setState({ pending: true });
  const needsColumns = isScoreKey(sort.key) || hasActiveRanges(ranges);
  const columns = needsColumns ? (peekScoreColumns() ?? (await loadScoreColumns())) : null;
  if (gen !== generation) return;

  const dep = isScoreKey(sort.key) ? columns : sort.key === 'decision' ? decisions : null;
  let order: Int32Array | null;
  const c = orderCache;
  if (c && c.samples === samples && c.key === sort.key && c.dir === sort.dir && c.dep === dep) order = c.order;
  else {
    order = await sortOrder({ samples, key: sort.key, dir: sort.dir, decisions, columns }, slicer);
    if (order === null || gen !== generation) return;
    orderCache = { samples, key: sort.key, dir: sort.dir, dep, order };
  }
  const kept = await filterOrder({ samples, order, filter, ranges, columns }, slicer);
  if (kept === null || gen !== generation) return;
  const rows = new Array<Sample>(kept.length);
  for (let i = 0; i < kept.length; i++) rows[i] = samples[kept[i]!]!;
  useVisibleStore.setState({ rows, positions: kept, samples, pending: false, lastMs: performance.now() - t0, setKey: setKeyOf(samples, filter, ranges, columns) });
}

// Inputs that change the visible rows.
useDatasetStore.subscribe((s, prev) => {
  if (s.samples !== prev.samples) void recompute();
});
useViewStore.subscribe((s, prev) => {
  if (s.filter !== prev.filter || s.sort !== prev.sort || s.ranges !== prev.ranges) void recompute();
});
useScoreStore.subscribe((s, prev) => {
  if (s.version === prev.version || !dependsOnScores()) return;
  // A whole new result set (session restore): apply at once. Chunks of a run: at most once a second.
  if (s.results !== prev.results) void recompute();
  else scheduleScoreResort();
});
let resortTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleScoreResort(): void {
  resortTimer ??= setTimeout(() => {
    resortTimer = undefined;
    void recompute();
  }, 1000);
}
// Decisions matter only when sorting by decision.
useDecisionStore.subscribe((s, prev) => {
  if (s.decisions !== prev.decisions && useViewStore.getState().sort.key === 'decision') void recompute();
});

export function useVisibleSamples(): Sample[] {
  return useVisibleStore((s) => s.rows);
}
