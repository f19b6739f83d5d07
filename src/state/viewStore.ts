// What the curator is looking at: text filter, score range filters, sort, selected sample, scroll
// position. Persisted into the session record (debounced) so a reload restores the exact view.
// Display preferences that are not about one dataset (hidden columns, charts open) live in
// `useUiPrefs`, kept in localStorage.
import { create } from 'zustand';
import type { ScoreKey } from '../core/types';
import { DEFAULT_VIEW, type RangeFilters, type ScoreRange, type SortKey, type ViewState } from '../core/view';
import { withRange } from '../core/ranges';

interface ViewStore extends ViewState {
  setFilter(filter: string): void;
  setSort(key: SortKey): void;
  /** Sets (or with null, clears) one score's range. */
  setRange(key: ScoreKey, range: ScoreRange | null): void;
  /** Sets several ranges in one update (e.g. a brush sets IFD and AIFD together). */
  setRanges(patch: Partial<Record<ScoreKey, ScoreRange | null>>): void;
  clearRanges(): void;
  select(id: string | null): void;
  setScrollTop(scrollTop: number): void;
  restore(view: ViewState): void;
}

export const useViewStore = create<ViewStore>((set, get) => ({
  ...DEFAULT_VIEW,
  setFilter: (filter) => set({ filter }),
  setSort: (key) => {
    const { sort } = get();
    set({ sort: sort.key === key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' } });
  },
  setRange: (key, range) => set({ ranges: withRange(get().ranges, key, range) }),
  setRanges: (patch) => {
    let ranges: RangeFilters = get().ranges;
    for (const [key, range] of Object.entries(patch) as [ScoreKey, ScoreRange | null][]) ranges = withRange(ranges, key, range);
    set({ ranges });
  },
  clearRanges: () => set({ ranges: {} }),
  select: (selectedId) => set({ selectedId }),
  setScrollTop: (scrollTop) => set({ scrollTop }),
  restore: (view) => set({ ...DEFAULT_VIEW, ...view, ranges: view.ranges ?? {} }),
}));

export function currentView(): ViewState {
  const { filter, sort, ranges, selectedId, scrollTop } = useViewStore.getState();
  return { filter, sort, ranges, selectedId, scrollTop };
}

// ---------------------------------------------------------------------------------------------
// Display preferences (all datasets): hidden table columns, charts panel open or closed.

const PREFS_KEY = 'quarry.uiPrefs';

interface UiPrefs {
  hiddenColumns: string[];
  chartsOpen: boolean;
}

interface UiPrefsStore extends UiPrefs {
  toggleColumn(id: string): void;
  setChartsOpen(open: boolean): void;
}

function loadPrefs(): UiPrefs {
  const fallback: UiPrefs = { hiddenColumns: [], chartsOpen: true };
  try {
    const raw = typeof localStorage === 'undefined' ? null : localStorage.getItem(PREFS_KEY);
    if (!raw) return fallback;
    const p = JSON.parse(raw) as Partial<UiPrefs>;
    return {
      hiddenColumns: Array.isArray(p.hiddenColumns) ? p.hiddenColumns.filter((c): c is string => typeof c === 'string') : [],
      chartsOpen: typeof p.chartsOpen === 'boolean' ? p.chartsOpen : true,
    };
  } catch {
    return fallback;
  }
}

export const useUiPrefs = create<UiPrefsStore>((set, get) => ({
  ...loadPrefs(),
  toggleColumn: (id) => {
    const hidden = get().hiddenColumns;
    set({ hiddenColumns: hidden.includes(id) ? hidden.filter((c) => c !== id) : [...hidden, id] });
  },
  setChartsOpen: (chartsOpen) => set({ chartsOpen }),
}));

/** Saves the UI preferences to localStorage whenever they change (state/connectStores). Returns the unsubscribe. */
export function connectUiPrefs(): () => void {
  return useUiPrefs.subscribe((s) => {
    try {
      localStorage.setItem(PREFS_KEY, JSON.stringify({ hiddenColumns: s.hiddenColumns, chartsOpen: s.chartsOpen }));
    } catch {
      // Private mode or storage full: preferences just do not persist.
    }
  });
}
