// What the curator is looking at: text filter, sort, selected sample, scroll position.
// Persisted into the session record (debounced) so a reload restores the exact view.
import { create } from 'zustand';
import { DEFAULT_VIEW, type SortKey, type ViewState } from '../persist/db';

interface ViewStore extends ViewState {
  setFilter(filter: string): void;
  setSort(key: SortKey): void;
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
  select: (selectedId) => set({ selectedId }),
  setScrollTop: (scrollTop) => set({ scrollTop }),
  restore: (view) => set({ ...DEFAULT_VIEW, ...view }),
}));

export function currentView(): ViewState {
  const { filter, sort, selectedId, scrollTop } = useViewStore.getState();
  return { filter, sort, selectedId, scrollTop };
}
