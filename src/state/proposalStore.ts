// Selection-policy proposals: building the policy's input from the open session, applying a
// proposal as one undoable step, and the one-by-one review queue. A policy only PROPOSES
// decisions; every decision still goes through the decision store (undoable, persisted).
import { create } from 'zustand';
import { POLICY_PRESETS, proposeDecisions, type Policy, type PolicySample, type Proposal } from '../core/selection';
import type { Sample } from '../core/types';
import type { ScoreResult } from '../core/scoring/types';
import { useDatasetStore } from './datasetStore';
import { updateSession } from './sessionRecord';
import { useDecisionStore, type FinalDecision } from './decisionStore';
import { useScoreStore } from './scoreStore';
import { useViewStore } from './viewStore';

/**
 * The policy's view of the samples, in file order (ties in a ranking keep file order).
 * `instructionLength` counts the instruction and its input, as the table's "Q len" column does.
 */
export function policySamples(samples: readonly Sample[], results: ReadonlyMap<string, ScoreResult>): PolicySample[] {
  return samples.map((s) => ({
    id: s.id,
    scores: results.get(s.id)?.scores ?? null,
    instructionLength: s.instruction.length + s.input.length,
    responseLength: s.response.length,
  }));
}

/** The proposal of `policy` over the open session's current samples and scores. Throws for an invalid policy. */
export function currentProposal(policy: Policy): Proposal {
  const { samples } = useDatasetStore.getState();
  return proposeDecisions(policySamples(samples, useScoreStore.getState().results), policy);
}

/** How many decisions applying `proposal` would change. */
export function changeCount(proposal: Proposal, decisions: Readonly<Record<string, FinalDecision>>): number {
  let n = 0;
  for (const id of proposal.keep) if (decisions[id] !== 'accepted') n++;
  for (const id of proposal.reject) if (decisions[id] !== 'rejected') n++;
  return n;
}

export function policyLabel(policy: Policy): string {
  return `Policy: ${POLICY_PRESETS[policy.id].name}`;
}

export interface ReviewItem {
  id: string;
  proposed: FinalDecision;
}

export interface ReviewState {
  policy: Policy;
  items: ReviewItem[];
  /** Position in `items`; `items.length` when the review is finished. */
  index: number;
  accepted: number;
  overridden: number;
  skipped: number;
  /** Whether a decision was taken through this review (which makes its policy the session's last applied one). */
  recorded: boolean;
}

/** The last "apply to all", so the policy panel can offer to undo exactly that step. */
export interface AppliedStep {
  policy: Policy;
  /** The id (seq) of the decision step it recorded, for `undoStep`; null when it changed nothing. */
  seq: number | null;
  /** How many decisions it changed. */
  changed: number;
  keep: number;
  reject: number;
  /** The session's policy before this one (restored on undo). */
  previous: Policy | null;
}

interface ProposalState {
  /** The policy last applied in the open session (mirrors SessionRecord.policy). */
  lastPolicy: Policy | null;
  applied: AppliedStep | null;
  review: ReviewState | null;
}

export const useProposalStore = create<ProposalState>(() => ({ lastPolicy: null, applied: null, review: null }));

/** Remembers `policy` (or none) as the session's last applied policy, in memory and in the session record. */
async function rememberPolicy(policy: Policy | null): Promise<void> {
  const session = useDatasetStore.getState().session;
  if (!session) return;
  useProposalStore.setState({ lastPolicy: policy });
  await updateSession(session.id, { policy: policy ?? undefined }, 'the applied policy').catch(() => undefined);
}

/** Applies `policy` to every sample it can evaluate, as ONE undoable step; unscored samples keep their decisions. */
export async function applyPolicy(policy: Policy): Promise<AppliedStep> {
  const proposal = currentProposal(policy);
  const previous = useProposalStore.getState().lastPolicy;
  const expected = changeCount(proposal, useDecisionStore.getState().decisions);
  useProposalStore.setState({ review: null });
  // The decision store names the step it records (null: the policy changed nothing).
  const [, seq] = await Promise.all([
    rememberPolicy(policy),
    useDecisionStore.getState().decideMany(
      [
        { ids: proposal.keep, to: 'accepted' },
        { ids: proposal.reject, to: 'rejected' },
      ],
      policyLabel(policy),
    ),
  ]);
  const { undoStack, redoStack } = useDecisionStore.getState();
  const recorded = seq === null ? undefined : (undoStack.find((s) => s.seq === seq) ?? redoStack.find((s) => s.seq === seq));
  const changed = seq === null ? 0 : (recorded?.changes.length ?? expected);
  const step: AppliedStep = { policy, seq, changed, keep: proposal.counts.keep, reject: proposal.counts.reject, previous };
  useProposalStore.setState({ applied: step });
  return step;
}

/** Undoes the last "apply to all" if its step is still the latest decision step; restores the previous policy. */
export async function undoApplied(): Promise<void> {
  const step = useProposalStore.getState().applied;
  if (step?.seq == null || !canUndoApplied()) return;
  useProposalStore.setState({ applied: null });
  await Promise.all([useDecisionStore.getState().undoStep(step.seq), rememberPolicy(step.previous)]);
}

export function canUndoApplied(): boolean {
  const step = useProposalStore.getState().applied;
  return step?.seq != null && useDecisionStore.getState().canUndo(step.seq);
}

/**
 * Starts reviewing `policy`'s proposals one by one, in file order: each proposed sample is selected
 * in turn (the table scrolls to it, the detail pane shows it). With `onlyChanges`, samples whose
 * decision already equals the proposal are left out.
 */
export function startReview(policy: Policy, onlyChanges: boolean): number {
  const proposal = currentProposal(policy);
  const decisions = useDecisionStore.getState().decisions;
  const items: ReviewItem[] = [];
  for (const s of useDatasetStore.getState().samples) {
    const proposed: FinalDecision | null = proposal.keep.has(s.id) ? 'accepted' : proposal.reject.has(s.id) ? 'rejected' : null;
    if (!proposed || (onlyChanges && decisions[s.id] === proposed)) continue;
    items.push({ id: s.id, proposed });
  }
  useProposalStore.setState({ review: { policy, items, index: 0, accepted: 0, overridden: 0, skipped: 0, recorded: false }, applied: null });
  showCurrent();
  return items.length;
}

function showCurrent(): void {
  const review = useProposalStore.getState().review;
  const item = review?.items[review.index];
  if (item) useViewStore.getState().select(item.id);
}

function advance(patch: Partial<ReviewState>): void {
  const review = useProposalStore.getState().review;
  if (!review) return;
  useProposalStore.setState({ review: { ...review, ...patch, index: Math.min(review.items.length, review.index + 1) } });
  showCurrent();
}

async function decideCurrent(to: FinalDecision, how: 'accept' | 'override'): Promise<void> {
  const review = useProposalStore.getState().review;
  const item = review?.items[review.index];
  if (!review || !item) return;
  // The first decision taken through a review makes its policy the session's last applied one.
  const first = !review.recorded;
  const label = `${policyLabel(review.policy)} (review)`;
  advance(how === 'accept' ? { accepted: review.accepted + 1, recorded: true } : { overridden: review.overridden + 1, recorded: true });
  await Promise.all([useDecisionStore.getState().decide([item.id], to, label), first ? rememberPolicy(review.policy) : null]);
}

export const reviewActions = {
  /** Takes the proposed decision for the current sample and moves on. */
  accept: () => {
    const r = useProposalStore.getState().review;
    const item = r?.items[r.index];
    return item ? decideCurrent(item.proposed, 'accept') : Promise.resolve();
  },
  /** Takes the opposite decision for the current sample and moves on. */
  override: () => {
    const r = useProposalStore.getState().review;
    const item = r?.items[r.index];
    return item ? decideCurrent(item.proposed === 'accepted' ? 'rejected' : 'accepted', 'override') : Promise.resolve();
  },
  /** Leaves the current sample as it is and moves on. */
  skip: () => {
    const r = useProposalStore.getState().review;
    if (r && r.index < r.items.length) advance({ skipped: r.skipped + 1 });
  },
  /** Goes back to the previous sample (its decision, if taken, stays: undo it or decide again). */
  back: () => {
    const r = useProposalStore.getState().review;
    if (!r || r.index === 0) return;
    useProposalStore.setState({ review: { ...r, index: r.index - 1 } });
    showCurrent();
  },
  stop: () => useProposalStore.setState({ review: null }),
};

/**
 * Follows the open session: a different session brings its own last policy, and no review or undo
 * offer carries over. Called once at boot (state/connectStores' `connectStores`); returns the
 * unsubscribe. Importing this module subscribes to nothing.
 */
export function connectProposals(): () => void {
  return useDatasetStore.subscribe((s, prev) => {
    if (s.session?.id === prev.session?.id) return;
    useProposalStore.setState({ lastPolicy: s.session?.policy ?? null, applied: null, review: null });
  });
}
