// Derived view of the dataset: the filter and sort applied to the samples. It is computed (never
// edited directly) and cached in a small store so every component shares one computation. Filtering
// 100k samples takes longer than a frame, so it runs in time slices that yield to the event loop and
// is cancelled when its inputs change: the page never freezes while the curator types.
import { create } from 'zustand';
import type { Decision, Sample } from '../core/types';
import type { SortKey } from '../persist/db';
import { useDatasetStore } from './datasetStore';
import { useDecisionStore } from './decisionStore';
import { useScoreStore } from './scoreStore';
import type { ScoreResult } from '../core/scoring/types';
import { useViewStore } from './viewStore';

const DECISION_ORDER: Record<Decision, number> = { accepted: 0, undecided: 1, rejected: 2 };
const SLICE_MS = 12;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matcher(filter: string): ((s: Sample) => boolean) | null {
  const needle = filter.trim();
  if (!needle) return null;
  const re = new RegExp(escapeRegExp(needle), 'i');
  return (s) => re.test(s.instruction) || re.test(s.input) || re.test(s.response);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Filters in time slices; resolves null if cancelled. */
export async function filterSamples(samples: Sample[], filter: string, isCancelled: () => boolean = () => false): Promise<Sample[] | null> {
  const test = matcher(filter);
  if (!test) return samples;
  const out: Sample[] = [];
  let sliceStart = performance.now();
  for (let i = 0; i < samples.length; i++) {
    if ((i & 255) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      if (isCancelled()) return null;
      sliceStart = performance.now();
    }
    const s = samples[i]!;
    if (test(s)) out.push(s);
  }
  return out;
}

function sortValue(key: SortKey, decisions: Record<string, Decision>, scores: Map<string, ScoreResult>): (s: Sample) => number | string {
  switch (key) {
    case 'index':
      return (s) => s.index;
    case 'instruction':
      return (s) => s.instruction.slice(0, 80).toLowerCase();
    case 'response':
      return (s) => s.response.slice(0, 80).toLowerCase();
    case 'instructionLength':
      return (s) => s.instruction.length + s.input.length;
    case 'responseLength':
      return (s) => s.response.length;
    case 'decision':
      return (s) => DECISION_ORDER[decisions[s.id] ?? 'undecided'];
    // Unscored samples sort last in either direction (Infinity ascending, handled by the caller descending).
    case 'ifd':
      return (s) => scores.get(s.id)?.scores.ifd ?? Number.NaN;
    case 'aifd':
      return (s) => scores.get(s.id)?.scores.aifd ?? Number.NaN;
  }
}

export function sortSamples(
  samples: Sample[],
  key: SortKey,
  dir: 'asc' | 'desc',
  decisions: Record<string, Decision>,
  scores: Map<string, ScoreResult> = new Map(),
): Sample[] {
  if (key === 'index' && dir === 'asc') return samples;
  const sign = dir === 'asc' ? 1 : -1;
  const value = sortValue(key, decisions, scores);
  // Decorate-sort-undecorate: each key is computed once; ties keep file order; missing scores (NaN) last.
  const decorated = samples.map((s) => ({ s, k: value(s) }));
  const missing = (k: number | string) => typeof k === 'number' && Number.isNaN(k);
  decorated.sort((a, b) => {
    const ma = missing(a.k);
    const mb = missing(b.k);
    if (ma || mb) return ma && mb ? a.s.index - b.s.index : ma ? 1 : -1;
    return a.k < b.k ? -sign : a.k > b.k ? sign : a.s.index - b.s.index;
  });
  return decorated.map((d) => d.s);
}

interface VisibleState {
  rows: Sample[];
  /** True while a new filter is being applied (the previous rows stay on screen meanwhile). */
  pending: boolean;
}

export const useVisibleStore = create<VisibleState>(() => ({ rows: [], pending: false }));

let generation = 0;

async function recompute(): Promise<void> {
  const gen = ++generation;
  const { samples } = useDatasetStore.getState();
  const { filter, sort } = useViewStore.getState();
  const decisions = useDecisionStore.getState().decisions;
  const scores = useScoreStore.getState().results;
  if (!filter.trim()) {
    useVisibleStore.setState({ rows: sortSamples(samples, sort.key, sort.dir, decisions, scores), pending: false });
    return;
  }
  useVisibleStore.setState({ pending: true });
  const filtered = await filterSamples(samples, filter, () => gen !== generation);
  if (filtered === null || gen !== generation) return;
  useVisibleStore.setState({ rows: sortSamples(filtered, sort.key, sort.dir, decisions, scores), pending: false });
}

// Inputs that change the visible rows. Decisions matter only when sorting by decision.
useDatasetStore.subscribe((s, prev) => {
  if (s.samples !== prev.samples) void recompute();
});
useViewStore.subscribe((s, prev) => {
  if (s.filter !== prev.filter || s.sort !== prev.sort) void recompute();
});
useScoreStore.subscribe((s, prev) => {
  const key = useViewStore.getState().sort.key;
  if (s.version !== prev.version && (key === 'ifd' || key === 'aifd')) scheduleScoreResort();
});
// Scores arrive in many small chunks during a run: re-sort at most once a second.
let resortTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleScoreResort(): void {
  resortTimer ??= setTimeout(() => {
    resortTimer = undefined;
    void recompute();
  }, 1000);
}
useDecisionStore.subscribe((s, prev) => {
  if (s.decisions !== prev.decisions && useViewStore.getState().sort.key === 'decision') void recompute();
});

export function useVisibleSamples(): Sample[] {
  return useVisibleStore((s) => s.rows);
}
