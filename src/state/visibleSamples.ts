// The shown rows: the open dataset with the text filter, the score range filters and the sort applied.
// Derived (never edited directly) by the pure functions of core/sampleViews and published in a small
// store so every component shares one computation. Both filtering and sorting run in time slices that
// are cancelled when their inputs change: the page never freezes while the curator types, brushes a
// chart or re-sorts.
//
// Two caches keep the common interactions cheap:
// - score columns: one Float64Array per score (NaN = not scored), indexed like `samples`, rebuilt
//   once per scores version; the range filters, score sorts and the charts all read them;
// - the sorted order of ALL samples for the current sort: changing a filter (typing, brushing) only
//   re-filters that order (one pass, order preserved) and never re-sorts.
//
// Importing this module subscribes to nothing: `connectVisibleSamples()` (called once at boot through
// state/connectStores' `connectStores`) recomputes the rows whenever their inputs change.
import { create } from 'zustand';
import { hasActiveRanges } from '../core/ranges';
import {
  buildScoreColumnsSliced,
  columnsMatch,
  deriveRows,
  identityOrder,
  isFileOrder,
  needsScoreColumns,
  type ScoreColumns,
  type SortedOrder,
} from '../core/sampleViews';
import { Slicer } from '../core/slicedSort';
import type { Sample } from '../core/types';
import type { RangeFilters } from '../core/view';
import type { ScoreResult } from '../core/scoring/types';
import { useDatasetStore } from './datasetStore';
import { useDecisionStore } from './decisionStore';
import { useScoreStore } from './scoreStore';
import { useViewStore } from './viewStore';

// ---------------------------------------------------------------------------------------------
// Score columns of the open dataset (cached)

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
  return columnsMatch(columnsCache, samples, results, version) ? columnsCache : null;
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
let orderCache: SortedOrder | null = null;

/** Recomputes the shown rows from the stores' current state; a newer call cancels an older one. */
async function recomputeVisible(): Promise<void> {
  const gen = ++generation;
  const t0 = performance.now();
  const slicer = new Slicer(() => gen !== generation);
  const { samples } = useDatasetStore.getState();
  const { filter, sort, ranges } = useViewStore.getState();
  const decisions = useDecisionStore.getState().decisions;
  const query = { filter, sort, ranges };
  // Fast path: nothing to do but show the file.
  if (isFileOrder(query)) {
    useVisibleStore.setState({ rows: samples, positions: identityOrder(samples.length), samples, pending: false, lastMs: performance.now() - t0, setKey: setKeyOf(samples, '', {}, null) });
    return;
  }
  if (!useVisibleStore.getState().pending) useVisibleStore.setState({ pending: true });
  const columns = needsScoreColumns(query) ? (peekScoreColumns() ?? (await loadScoreColumns())) : null;
  if (gen !== generation) return;

  const { sorted, positions } = await deriveRows({ samples, decisions, columns }, query, orderCache, slicer);
  if (sorted) orderCache = sorted;
  if (positions === null || gen !== generation) return;
  const rows = new Array<Sample>(positions.length);
  for (let i = 0; i < positions.length; i++) rows[i] = samples[positions[i]!]!;
  useVisibleStore.setState({ rows, positions, samples, pending: false, lastMs: performance.now() - t0, setKey: setKeyOf(samples, filter, ranges, columns) });
}

/**
 * Keeps the shown rows up to date: recomputes them when the samples, the filter, the ranges or the
 * sort change, when the scores change and the view depends on them (a whole new result set at once,
 * the chunks of a run at most once a second), and when decisions change while sorting by decision.
 * Brings the rows up to date at once if the samples changed before it was called. Returns the
 * unsubscribe (which also drops a pending re-sort).
 */
export function connectVisibleSamples(): () => void {
  let resortTimer: ReturnType<typeof setTimeout> | undefined;
  const scheduleScoreResort = () => {
    resortTimer ??= setTimeout(() => {
      resortTimer = undefined;
      void recomputeVisible();
    }, 1000);
  };
  const unsubscribers = [
    useDatasetStore.subscribe((s, prev) => {
      if (s.samples !== prev.samples) void recomputeVisible();
    }),
    useViewStore.subscribe((s, prev) => {
      if (s.filter !== prev.filter || s.sort !== prev.sort || s.ranges !== prev.ranges) void recomputeVisible();
    }),
    useScoreStore.subscribe((s, prev) => {
      if (s.version === prev.version || !needsScoreColumns(useViewStore.getState())) return;
      if (s.results !== prev.results) void recomputeVisible();
      else scheduleScoreResort();
    }),
    // Decisions matter only when sorting by decision.
    useDecisionStore.subscribe((s, prev) => {
      if (s.decisions !== prev.decisions && useViewStore.getState().sort.key === 'decision') void recomputeVisible();
    }),
  ];
  if (useVisibleStore.getState().samples !== useDatasetStore.getState().samples) void recomputeVisible();
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
    clearTimeout(resortTimer);
    resortTimer = undefined;
  };
}

export function useVisibleSamples(): Sample[] {
  return useVisibleStore((s) => s.rows);
}
