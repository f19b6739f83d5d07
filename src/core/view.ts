// What the curator is looking at in a session: the text filter, the score range filters, the sort,
// the selected sample and the scroll position. Plain data, saved with the session record
// (persist/db SessionRecord.view) and held live by state/viewStore. Pure types: no DOM, React or stores.
import type { ScoreKey } from './types';

/** A table column the rows can be sorted by: the sample's fields, its decision, or one of its scores. */
export type SortKey = 'index' | 'instruction' | 'response' | 'instructionLength' | 'responseLength' | 'decision' | ScoreKey;

export type SortDir = 'asc' | 'desc';

/** An inclusive range on one score; a null bound is open. Samples without that score never match. */
export interface ScoreRange {
  min: number | null;
  max: number | null;
}

export type RangeFilters = Partial<Record<ScoreKey, ScoreRange>>;

export interface ViewState {
  filter: string;
  sort: { key: SortKey; dir: SortDir };
  /** Score range filters (set in the column headers or by brushing the charts), applied with `filter`. */
  ranges: RangeFilters;
  selectedId: string | null;
  scrollTop: number;
}

export const DEFAULT_VIEW: ViewState = { filter: '', sort: { key: 'index', dir: 'asc' }, ranges: {}, selectedId: null, scrollTop: 0 };
