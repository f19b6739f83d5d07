// Derived views of a session's samples, as pure functions over one contract, the sample frame:
// the samples (in file order), their decisions and their score columns. Every view is a list of
// positions into `samples` (an Int32Array), so views compose (filter the sorted order) and the charts
// can read the score columns of the shown rows. No stores, no DOM: state/visibleSamples feeds these
// the live inputs, caches their results and publishes the rows.
//
// 100k samples take longer than a frame to filter or sort, so every step runs in time slices (a
// Slicer, core/slicedSort) and resolves null when cancelled: the page never freezes while the curator
// types, brushes a chart or re-sorts.
import type { ScoreResult } from './scoring/types';
import { hasActiveRanges, isScoreKey, rangePredicate } from './ranges';
import { Slicer, sortSliced } from './slicedSort';
import { SCORE_KEYS, type Decision, type Sample, type ScoreKey } from './types';
import type { RangeFilters, SortDir, SortKey, ViewState } from './view';

// ---------------------------------------------------------------------------------------------
// Score columns

/** One Float64Array per score, indexed like `samples` (NaN = not scored). */
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

/** Whether `columns` were built from exactly these samples and this version of these scores. */
export function columnsMatch(columns: ScoreColumns | null, samples: Sample[], results: Map<string, ScoreResult>, version: number): columns is ScoreColumns {
  return columns !== null && columns.samples === samples && columns.results === results && columns.version === version;
}

// ---------------------------------------------------------------------------------------------
// Sorting (all samples) and filtering (over the sorted order)

const DECISION_ORDER: Record<Decision, number> = { accepted: 0, undecided: 1, rejected: 2 };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text filter as a predicate (case-insensitive substring of instruction, input or response); null when empty. */
export function textMatcher(filter: string): ((s: Sample) => boolean) | null {
  const needle = filter.trim();
  if (!needle) return null;
  const re = new RegExp(escapeRegExp(needle), 'i');
  return (s) => re.test(s.instruction) || re.test(s.input) || re.test(s.response);
}

/** Positions 0..n-1 (file order), or n-1..0. */
export function identityOrder(n: number, reverse = false): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = reverse ? n - 1 - i : i;
  return out;
}

export interface SortInputs {
  samples: Sample[];
  key: SortKey;
  dir: SortDir;
  decisions: Readonly<Record<string, Decision>>;
  /** Needed for score keys. */
  columns: ScoreColumns | null;
}

/**
 * Positions of all samples in sort order. Missing scores (NaN) sort last in either direction; ties
 * keep file order. Resolves null if cancelled.
 */
export async function sortOrder(inp: SortInputs, slicer: Slicer = new Slicer()): Promise<Int32Array | null> {
  const { samples, key, dir, decisions } = inp;
  const n = samples.length;
  if (key === 'index') return identityOrder(n, dir === 'desc');
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
    return sortSliced(identityOrder(n), (a, b) => (keys[a]! < keys[b]! ? -sign : keys[a]! > keys[b]! ? sign : a - b), slicer);
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
    identityOrder(n),
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
  dir: SortDir,
  decisions: Readonly<Record<string, Decision>>,
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
  const text = textMatcher(inp.filter);
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
  const kept = await filterOrder({ samples, order: identityOrder(samples.length), filter, ranges: {}, columns: null }, new Slicer(isCancelled));
  return kept && Array.from(kept, (i) => samples[i]!);
}

// ---------------------------------------------------------------------------------------------
// The shown rows: the filters applied to the sorted order

/** What the shown rows are derived from. */
export type ViewQuery = Pick<ViewState, 'filter' | 'sort' | 'ranges'>;

/** Nothing filtered and file order: the shown rows are the samples as they are. */
export function isFileOrder(q: ViewQuery): boolean {
  return !q.filter.trim() && !hasActiveRanges(q.ranges) && q.sort.key === 'index' && q.sort.dir === 'asc';
}

/** Whether the shown rows depend on the scores (a score sort or a range filter): they need the score columns. */
export function needsScoreColumns(q: Pick<ViewQuery, 'sort' | 'ranges'>): boolean {
  return isScoreKey(q.sort.key) || hasActiveRanges(q.ranges);
}

/** The sorted order of all samples, with what it was computed from (a cache entry). */
export interface SortedOrder {
  samples: Sample[];
  key: SortKey;
  dir: SortDir;
  /** The input the order depends on besides the samples: the score columns, the decisions, or nothing. */
  dep: unknown;
  order: Int32Array;
}

/** What a sort by `key` depends on besides the samples (compared by identity). */
export function sortDependency(key: SortKey, columns: ScoreColumns | null, decisions: Readonly<Record<string, Decision>>): unknown {
  return isScoreKey(key) ? columns : key === 'decision' ? decisions : null;
}

/**
 * The shown rows' positions for `q`: all samples sorted (reusing `sorted` when it was computed from
 * the same inputs, so a filter change never re-sorts), then filtered with the order kept. Resolves
 * the sorted order (null if cancelled while sorting; a cache entry for the next call) and the
 * positions (null if cancelled).
 */
export async function deriveRows(
  frame: { samples: Sample[]; decisions: Readonly<Record<string, Decision>>; columns: ScoreColumns | null },
  q: ViewQuery,
  sorted: SortedOrder | null,
  slicer: Slicer = new Slicer(),
): Promise<{ sorted: SortedOrder | null; positions: Int32Array | null }> {
  const { samples, decisions, columns } = frame;
  const { key, dir } = q.sort;
  const dep = sortDependency(key, columns, decisions);
  let current = sorted;
  if (!current || current.samples !== samples || current.key !== key || current.dir !== dir || current.dep !== dep) {
    const order = await sortOrder({ samples, key, dir, decisions, columns }, slicer);
    if (order === null) return { sorted: null, positions: null };
    current = { samples, key, dir, dep, order };
  }
  const positions = await filterOrder({ samples, order: current.order, filter: q.filter, ranges: q.ranges, columns }, slicer);
  return { sorted: current, positions };
}
