import 'fake-indexeddb/auto';
import { emptyScores } from '../core/metrics/aggregate';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScoreResult } from '../core/scoring/types';
import type { Sample, SampleScores } from '../core/types';
import { DEFAULT_VIEW } from '../core/view';
import { getDb, type SessionRecord } from '../persist/db';
import { useDatasetStore } from './datasetStore';
import { decisionsSettled, historyReady, useDecisionStore } from './decisionStore';
import { applyPolicy, canUndoApplied, connectProposals, currentProposal, policyLabel, reviewActions, startReview, undoApplied, useProposalStore } from './proposalStore';
import { useScoreStore } from './scoreStore';
import { useViewStore } from './viewStore';

const NULLS: SampleScores = emptyScores();

// IFDs of s0..s9; s9 unscored. Scored 9: IFD < 1 pool = s0 s2 s3 s5 s6 s8 (6).
const IFD = [0.5, 1.2, 0.9, 0.7, 1.0, 0.95, 0.3, 1.5, 0.8, null];

function sample(i: number): Sample {
  return { id: `s${i}`, index: i, line: i + 1, instruction: `Instruction ${i}`, input: '', response: `Response ${i}`, history: [] };
}

async function openSession(): Promise<SessionRecord> {
  const session: SessionRecord = {
    id: `t-${Math.random().toString(36).slice(2)}`,
    name: 'test.jsonl',
    fileName: 'test.jsonl',
    fileSize: 1,
    format: 'jsonl',
    shape: 'alpaca',
    mapping: null,
    status: 'ready',
    sampleCount: IFD.length,
    issueCount: 0,
    createdAt: 0,
    updatedAt: 0,
    view: DEFAULT_VIEW,
  };
  await getDb().sessions.put(session);
  const samples = IFD.map((_, i) => sample(i));
  useDatasetStore.getState().show(session, samples, []);
  useDecisionStore.getState().reset(session.id, { s1: 'accepted' });
  const results = new Map<string, ScoreResult>();
  IFD.forEach((ifd, i) => {
    if (ifd === null) return;
    results.set(`s${i}`, { id: `s${i}`, scores: { ...NULLS, ifd }, variants: [], truncated: false, tokens: { prompted: 0, answer: 0, response: 0 } });
  });
  useScoreStore.getState().setResults(results);
  return session;
}

describe('proposalStore', () => {
  let session: SessionRecord;
  // The store follows the open session only once connected (importing it subscribes to nothing).
  let disconnect: () => void;
  beforeAll(() => {
    disconnect = connectProposals();
  });
  afterAll(() => disconnect());
  beforeEach(async () => {
    session = await openSession();
  });

  it('a newly opened session brings its own last policy; no review or undo offer carries over', async () => {
    await applyPolicy({ id: 'cherry', topPercent: 50 });
    startReview({ id: 'cherry', topPercent: 50 }, false);
    expect(useProposalStore.getState().lastPolicy).not.toBeNull();
    const next = await openSession();
    expect(next.id).not.toBe(session.id);
    expect(useProposalStore.getState()).toMatchObject({ lastPolicy: null, applied: null, review: null });
  });

  it('proposes over the open session', () => {
    const p = currentProposal({ id: 'cherry', topPercent: 50 });
    // 50% of 9 scored = 4: s5 (0.95), s2 (0.9), s8 (0.8), s3 (0.7)
    expect([...p.keep].sort()).toEqual(['s2', 's3', 's5', 's8']);
    expect(p.counts).toEqual({ keep: 4, reject: 5, unscored: 1 });
  });

  it('applies as one undoable step, remembers the policy, and undoes it', async () => {
    const before = useDecisionStore.getState().undoStack.length;
    const step = await applyPolicy({ id: 'cherry', topPercent: 50 });
    const d = useDecisionStore.getState().decisions;
    expect(useDecisionStore.getState().undoStack.length).toBe(before + 1);
    expect(step.changed).toBe(9);
    expect(step.seq).toBe(useDecisionStore.getState().undoStack.at(-1)!.seq);
    expect(d.s2).toBe('accepted');
    expect(d.s1).toBe('rejected'); // was accepted by hand; the policy rejects it
    expect(d.s9).toBeUndefined(); // unscored: untouched
    expect(useProposalStore.getState().lastPolicy).toEqual({ id: 'cherry', topPercent: 50 });
    expect((await getDb().sessions.get(session.id))?.policy).toEqual({ id: 'cherry', topPercent: 50 });
    await decisionsSettled();
    expect(await getDb().decisions.where('sessionId').equals(session.id).count()).toBe(9);

    expect(canUndoApplied()).toBe(true);
    await undoApplied();
    expect(useDecisionStore.getState().decisions).toEqual({ s1: 'accepted' });
    expect(useProposalStore.getState().lastPolicy).toBeNull();
    expect((await getDb().sessions.get(session.id))?.policy).toBeUndefined();
    await decisionsSettled();
    expect(await getDb().decisions.where('sessionId').equals(session.id).count()).toBe(1);
  });

  it('does not offer to undo once another decision was taken', async () => {
    await applyPolicy({ id: 'cherry', topPercent: 50 });
    await useDecisionStore.getState().decide(['s9'], 'accepted');
    expect(canUndoApplied()).toBe(false);
    await undoApplied();
    expect(useDecisionStore.getState().decisions.s2).toBe('accepted');
  });

  it("undoes its own step, not a later one with the same label", async () => {
    await historyReady();
    const policy = { id: 'cherry', topPercent: 50 } as const;
    // A decision labelled like the policy lands while the policy's step is being saved.
    const applying = applyPolicy(policy);
    const other = await useDecisionStore.getState().decide(['s9'], 'accepted', policyLabel(policy));
    const step = await applying;
    expect(other).not.toBeNull();
    expect(step.seq).not.toBeNull();
    expect(step.seq).not.toBe(other);
    const stack = useDecisionStore.getState().undoStack;
    expect(stack.at(-1)).toMatchObject({ seq: other, label: policyLabel(policy) });
    expect(stack.find((s) => s.seq === step.seq)?.changes).toHaveLength(9);
    expect(step.changed).toBe(9);

    // Not the latest step: no undo offered, and undoApplied leaves both steps alone.
    expect(canUndoApplied()).toBe(false);
    await undoApplied();
    expect(useDecisionStore.getState().decisions.s9).toBe('accepted');
    expect(useDecisionStore.getState().decisions.s2).toBe('accepted');

    // Once the other step is undone, the policy's own step is the latest again, and only it is undone.
    await useDecisionStore.getState().undo();
    expect(canUndoApplied()).toBe(true);
    await undoApplied();
    expect(useDecisionStore.getState().decisions).toEqual({ s1: 'accepted' });
    expect(useDecisionStore.getState().redoStack.map((s) => s.seq)).toEqual([other, step.seq]);
  });

  it('a step number is never reused: an undone policy step is not mistaken for a new one', async () => {
    await historyReady();
    const step = await applyPolicy({ id: 'cherry', topPercent: 50 });
    await useDecisionStore.getState().undo(); // undone from the history, not from the panel
    const next = await useDecisionStore.getState().decide(['s9'], 'accepted');
    expect(next).not.toBe(step.seq);
    expect(canUndoApplied()).toBe(false);
  });

  it('reviews proposals one by one, selecting each sample', async () => {
    const n = startReview({ id: 'cherry', topPercent: 50 }, false);
    expect(n).toBe(9);
    expect(useViewStore.getState().selectedId).toBe('s0');
    await reviewActions.accept(); // s0 proposed reject
    expect(useDecisionStore.getState().decisions.s0).toBe('rejected');
    expect(useViewStore.getState().selectedId).toBe('s1');
    await reviewActions.override(); // s1 proposed reject -> accepted (already)
    expect(useDecisionStore.getState().decisions.s1).toBe('accepted');
    reviewActions.skip(); // s2
    expect(useDecisionStore.getState().decisions.s2).toBeUndefined();
    expect(useViewStore.getState().selectedId).toBe('s3');
    reviewActions.back();
    expect(useViewStore.getState().selectedId).toBe('s2');
    const r = useProposalStore.getState().review!;
    expect([r.index, r.accepted, r.overridden, r.skipped]).toEqual([2, 1, 1, 1]);
    expect(useProposalStore.getState().lastPolicy).toEqual({ id: 'cherry', topPercent: 50 });
    reviewActions.stop();
    expect(useProposalStore.getState().review).toBeNull();
  });

  it('leaves out samples that already have the proposed decision', () => {
    useDecisionStore.getState().reset(session.id, { s1: 'rejected', s2: 'accepted' });
    expect(startReview({ id: 'cherry', topPercent: 50 }, true)).toBe(7);
    expect(useProposalStore.getState().review!.items.map((i) => i.id)).not.toContain('s1');
  });
});
