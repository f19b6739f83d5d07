// The action registry: every curation action the user can take is registered here ONCE, with its
// label, key bindings, what it does and when it is available. Buttons, the keyboard layer and the
// shortcuts overlay all go through it, so a key, a button and the help can never disagree.
import { historyReady, useDecisionStore, type FinalDecision } from '../../state/decisionStore';
import { reviewActions, useProposalStore } from '../../state/proposalStore';
import { useViewStore } from '../../state/viewStore';
import { useVisibleStore } from '../../state/visibleSamples';
import { useActionUiStore } from './uiStore';

export type ActionId =
  | 'next'
  | 'previous'
  | 'accept'
  | 'reject'
  | 'skip'
  | 'undo'
  | 'redo'
  | 'toggleAutoAdvance'
  | 'acceptFiltered'
  | 'rejectFiltered'
  | 'focusFilter'
  | 'showShortcuts'
  | 'escape'
  | 'reviewAccept'
  | 'reviewOverride'
  | 'reviewSkip'
  | 'reviewBack'
  | 'reviewStop';

export interface ActionContext {
  source: 'key' | 'button' | 'menu';
  /** Explicit targets (e.g. a table row's buttons); otherwise the action applies to the selected sample. */
  ids?: readonly string[];
  /** Decisions: when every target already has this decision, return them to undecided (the buttons toggle). */
  toggle?: boolean;
  /** Decisions: whether auto-advance may move the selection on (false for a table row's own buttons). */
  advance?: boolean;
}

export type ActionGroup = 'Navigate' | 'Decide' | 'History' | 'Filtered samples' | 'View' | 'Policy review';

export interface Action {
  id: ActionId;
  label: string;
  group: ActionGroup;
  /** Bindings, for display and matching (see keys.ts): ['u', 'Mod+z']. */
  keys: readonly string[];
  /** Runs again while the key is held down (navigation); others ignore auto-repeat. */
  repeat?: boolean;
  /** Still available while the shortcuts overlay (a modal dialog) is open. */
  inOverlay?: boolean;
  run(ctx: ActionContext): void | Promise<void>;
  enabled?(ctx: ActionContext): boolean;
}

const registry = new Map<ActionId, Action>();

function register(action: Action): Action {
  if (registry.has(action.id)) throw new Error(`action "${action.id}" registered twice`);
  registry.set(action.id, action);
  return action;
}

// ---- helpers ----

const rows = () => useVisibleStore.getState().rows;
const selectedId = () => useViewStore.getState().selectedId;
const select = (id: string | null) => useViewStore.getState().select(id);

/** The visible row `step` rows away from `id`; null when `id` is not visible or there is no such row. */
function neighbour(id: string | null, step: 1 | -1): string | null {
  const list = rows();
  const i = id === null ? -1 : list.findIndex((r) => r.id === id);
  if (i < 0) return null;
  return list[i + step]?.id ?? null;
}

/** j/k: the next or previous visible row; with no (visible) selection, the first row. */
function move(step: 1 | -1): void {
  const list = rows();
  const current = selectedId();
  const i = current === null ? -1 : list.findIndex((r) => r.id === current);
  const target = i < 0 ? list[0] : list[i + step];
  if (target) select(target.id);
}

function targets(ctx: ActionContext): string[] {
  if (ctx.ids) return [...ctx.ids];
  const id = selectedId();
  return id === null ? [] : [id];
}

const VERB: Record<FinalDecision, string> = { accepted: 'Accept', rejected: 'Reject' };

async function decideTargets(to: FinalDecision, ctx: ActionContext): Promise<void> {
  const ids = targets(ctx);
  if (ids.length === 0) return;
  const { decisions, decide } = useDecisionStore.getState();
  const clear = ctx.toggle === true && ids.every((id) => decisions[id] === to);
  // Auto-advance applies to the selected sample only, and is worked out before deciding: a decision
  // can re-sort the rows (sort by decision).
  const current = selectedId();
  const advance =
    !clear && ctx.advance !== false && useActionUiStore.getState().autoAdvance && ids.length === 1 && ids[0] === current;
  const next = advance ? neighbour(current, 1) : null;
  const done = decide(ids, clear ? 'undecided' : to, clear ? 'Clear decision' : VERB[to]);
  if (next) select(next);
  await done;
}

async function decideFiltered(to: FinalDecision): Promise<void> {
  const ids = rows().map((r) => r.id);
  if (ids.length === 0) return;
  const verb = VERB[to];
  const shown = ids.length === 1 ? '1 shown sample' : `all ${ids.length.toLocaleString()} shown samples`;
  if (ids.length > 1 && !confirm(`${verb} ${shown} (everything matching the current filters)? This is one undo step.`)) return;
  await useDecisionStore.getState().decide(ids, to, `${verb} filtered`);
}

const hasSelection = () => selectedId() !== null;
const hasRows = () => rows().length > 0;
// Bulk actions wait until a changed filter has been applied, so they never act on stale rows.
const filteredReady = () => hasRows() && !useVisibleStore.getState().pending;

// ---- the actions ----

register({ id: 'next', label: 'Next sample', group: 'Navigate', keys: ['j'], repeat: true, run: () => move(1), enabled: hasRows });
register({ id: 'previous', label: 'Previous sample', group: 'Navigate', keys: ['k'], repeat: true, run: () => move(-1), enabled: hasRows });
register({
  id: 'skip',
  label: 'Skip: leave undecided, go to the next undecided sample',
  group: 'Navigate',
  keys: ['s'],
  repeat: true,
  enabled: hasRows,
  run: () => {
    const list = rows();
    const { decisions } = useDecisionStore.getState();
    const current = selectedId();
    const i = current === null ? -1 : list.findIndex((r) => r.id === current);
    const after = list.slice(i + 1);
    const target = after.find((r) => decisions[r.id] === undefined) ?? after[0];
    if (target) select(target.id);
  },
});
register({
  id: 'accept',
  label: 'Accept',
  group: 'Decide',
  keys: ['a'],
  run: (ctx) => decideTargets('accepted', ctx),
  enabled: (ctx) => (ctx.ids ? ctx.ids.length > 0 : hasSelection()),
});
register({
  id: 'reject',
  label: 'Reject',
  group: 'Decide',
  keys: ['r'],
  run: (ctx) => decideTargets('rejected', ctx),
  enabled: (ctx) => (ctx.ids ? ctx.ids.length > 0 : hasSelection()),
});
register({
  id: 'toggleAutoAdvance',
  label: 'Auto-advance after a decision (on/off)',
  group: 'Decide',
  keys: ['t'],
  run: () => {
    const ui = useActionUiStore.getState();
    ui.setAutoAdvance(!ui.autoAdvance);
  },
});
register({
  id: 'undo',
  label: 'Undo',
  group: 'History',
  keys: ['u', 'Mod+z'],
  // While the saved history is still being read back, undo is allowed: it waits for it.
  enabled: () => useDecisionStore.getState().undoStack.length > 0 || useDecisionStore.getState().historyLoading,
  run: async () => {
    await historyReady();
    const { undoStack, undo } = useDecisionStore.getState();
    const step = undoStack[undoStack.length - 1];
    const done = undo();
    // Undoing one sample's decision brings the curator back to it (to decide it again).
    const only = step?.changes.length === 1 ? step.changes[0]!.id : null;
    if (only !== null && rows().some((r) => r.id === only)) select(only);
    await done;
  },
});
register({
  id: 'redo',
  label: 'Redo',
  group: 'History',
  keys: ['Shift+u', 'Mod+Shift+z'],
  enabled: () => useDecisionStore.getState().redoStack.length > 0 || useDecisionStore.getState().historyLoading,
  run: () => useDecisionStore.getState().redo(),
});
register({
  id: 'acceptFiltered',
  label: 'Accept every shown sample (all matching the filters)',
  group: 'Filtered samples',
  keys: ['Shift+a'],
  enabled: filteredReady,
  run: () => decideFiltered('accepted'),
});
register({
  id: 'rejectFiltered',
  label: 'Reject every shown sample (all matching the filters)',
  group: 'Filtered samples',
  keys: ['Shift+r'],
  enabled: filteredReady,
  run: () => decideFiltered('rejected'),
});
register({
  id: 'focusFilter',
  label: 'Focus the text filter (Esc leaves it)',
  group: 'View',
  keys: ['/'],
  run: () => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="filter-input"]');
    input?.focus();
    input?.select();
  },
});
register({
  id: 'showShortcuts',
  label: 'Show or hide keyboard shortcuts',
  group: 'View',
  keys: ['?'],
  inOverlay: true,
  run: () => {
    const ui = useActionUiStore.getState();
    ui.setOverlayOpen(!ui.overlayOpen);
  },
});
register({
  id: 'escape',
  label: 'Close the overlay, or clear the selection',
  group: 'View',
  keys: ['Escape'],
  inOverlay: true,
  run: () => {
    const ui = useActionUiStore.getState();
    if (ui.overlayOpen) ui.setOverlayOpen(false);
    else select(null);
  },
});

// The review queue of a policy's proposals (ui/selection/ReviewBar): available only while a review is
// open; accept, override and skip only while it has a current sample.
const review = () => useProposalStore.getState().review;
const reviewing = () => review() !== null;
const reviewHasCurrent = () => {
  const r = review();
  return r !== null && r.index < r.items.length;
};

register({
  id: 'reviewAccept',
  label: 'Take the proposed decision, go to the next proposal',
  group: 'Policy review',
  keys: ['p'],
  enabled: reviewHasCurrent,
  run: () => reviewActions.accept(),
});
register({
  id: 'reviewOverride',
  label: 'Override: take the opposite decision, go to the next proposal',
  group: 'Policy review',
  keys: ['o'],
  enabled: reviewHasCurrent,
  run: () => reviewActions.override(),
});
register({
  id: 'reviewSkip',
  label: 'Skip the proposal: leave the sample as it is',
  group: 'Policy review',
  keys: ['n'],
  repeat: true,
  enabled: reviewHasCurrent,
  run: () => reviewActions.skip(),
});
register({
  id: 'reviewBack',
  label: 'Back to the previous proposal',
  group: 'Policy review',
  keys: ['b'],
  repeat: true,
  enabled: () => (review()?.index ?? 0) > 0,
  run: () => reviewActions.back(),
});
register({
  id: 'reviewStop',
  label: 'Stop reviewing (close the review)',
  group: 'Policy review',
  keys: ['q'],
  enabled: reviewing,
  run: () => reviewActions.stop(),
});

/** Every action, in registration order (the overlay's order). */
export const actions: readonly Action[] = [...registry.values()];

export function getAction(id: ActionId): Action {
  const action = registry.get(id);
  if (!action) throw new Error(`unknown action "${id}"`);
  return action;
}

export function isEnabled(action: Action | ActionId, ctx: ActionContext): boolean {
  const a = typeof action === 'string' ? getAction(action) : action;
  return a.enabled ? a.enabled(ctx) : true;
}

/** Runs an action if it is enabled; returns whether it ran. Errors are logged, never thrown at the UI. */
export function runAction(action: Action | ActionId, ctx: ActionContext): boolean {
  const a = typeof action === 'string' ? getAction(action) : action;
  if (!isEnabled(a, ctx)) return false;
  try {
    const result = a.run(ctx);
    if (result instanceof Promise) result.catch((err: unknown) => console.error(`Quarry: action "${a.id}" failed`, err));
  } catch (err) {
    console.error(`Quarry: action "${a.id}" failed`, err);
  }
  return true;
}
