// The registry in Node: its bindings are valid and unambiguous, and the actions drive the stores.
// (IndexedDB comes from fake-indexeddb, imported before anything opens Dexie.)
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Sample } from '../../core/types';
import { historyReady, useDecisionStore } from '../../state/decisionStore';
import { useViewStore } from '../../state/viewStore';
import { useVisibleStore } from '../../state/visibleSamples';
import { conflicts, findByKey, parseBinding, type KeyLike } from './keys';
import { useProposalStore } from '../../state/proposalStore';
import { actions, getAction, isEnabled, runAction, type ActionId } from './registry';
import { useActionUiStore } from './uiStore';

const sample = (i: number): Sample => ({ id: `id${i}`, index: i, line: i + 1, instruction: `q${i}`, input: '', response: `a${i}`, history: [] }) as unknown as Sample;
const KEY = { source: 'key' } as const;
const press = (k: string, mods: Partial<KeyLike> = {}) =>
  findByKey(actions, { key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods })?.id;
const selected = () => useViewStore.getState().selectedId;
const decisions = () => useDecisionStore.getState().decisions;

describe('the registry', () => {
  it('registers every curation action once, with valid, unambiguous keys', () => {
    const ids: ActionId[] = [
      'next',
      'previous',
      'accept',
      'reject',
      'skip',
      'undo',
      'redo',
      'toggleAutoAdvance',
      'acceptFiltered',
      'rejectFiltered',
      'focusFilter',
      'showShortcuts',
      'escape',
      'reviewAccept',
      'reviewOverride',
      'reviewSkip',
      'reviewBack',
      'reviewStop',
    ];
    expect(actions.map((a) => a.id).sort()).toEqual([...ids].sort());
    for (const a of actions) {
      expect(a.label).not.toBe('');
      for (const k of a.keys) expect(() => parseBinding(k)).not.toThrow();
    }
    expect(conflicts(actions)).toEqual([]);
  });

  it('gives every action its own keys: no binding is shared, the review keys included', () => {
    const seen = new Map<string, string>();
    for (const a of actions)
      for (const k of a.keys) {
        const b = parseBinding(k);
        const norm = JSON.stringify(b);
        expect(seen.get(norm) ?? a.id, `${k} is bound twice`).toBe(a.id);
        seen.set(norm, a.id);
      }
    const review = actions.filter((a) => a.id.startsWith('review'));
    expect(review).toHaveLength(5);
    for (const a of review) {
      expect(a.group).toBe('Policy review');
      expect(a.keys.length).toBeGreaterThan(0);
    }
  });

  it('maps the documented keys to their actions', () => {
    expect(press('j')).toBe('next');
    expect(press('k')).toBe('previous');
    expect(press('a')).toBe('accept');
    expect(press('r')).toBe('reject');
    expect(press('s')).toBe('skip');
    expect(press('u')).toBe('undo');
    expect(press('z', { ctrlKey: true })).toBe('undo');
    expect(press('z', { metaKey: true })).toBe('undo');
    expect(press('U', { shiftKey: true })).toBe('redo');
    expect(press('Z', { ctrlKey: true, shiftKey: true })).toBe('redo');
    expect(press('/')).toBe('focusFilter');
    expect(press('?', { shiftKey: true })).toBe('showShortcuts');
    expect(press('Escape')).toBe('escape');
    expect(press('p')).toBe('reviewAccept');
    expect(press('o')).toBe('reviewOverride');
    expect(press('n')).toBe('reviewSkip');
    expect(press('b')).toBe('reviewBack');
    expect(press('q')).toBe('reviewStop');
    expect(press('P', { shiftKey: true })).toBeUndefined();
    expect(press('j', { ctrlKey: true })).toBeUndefined();
    expect(press('a', { metaKey: true })).toBeUndefined();
  });
});

describe('actions', () => {
  beforeEach(async () => {
    useDecisionStore.getState().reset(`test-${Math.random()}`, {});
    await historyReady();
    useViewStore.getState().select(null);
    useVisibleStore.setState({ rows: [0, 1, 2, 3].map(sample), pending: false });
    useActionUiStore.setState({ autoAdvance: true, overlayOpen: false });
  });

  it('j/k walk the visible rows; j with nothing selected selects the first', () => {
    runAction('next', KEY);
    expect(selected()).toBe('id0');
    runAction('next', KEY);
    runAction('next', KEY);
    expect(selected()).toBe('id2');
    runAction('previous', KEY);
    expect(selected()).toBe('id1');
    runAction('next', KEY);
    runAction('next', KEY);
    runAction('next', KEY); // stays on the last row
    expect(selected()).toBe('id3');
  });

  it('accept/reject decide the selected sample and auto-advance (when on)', async () => {
    useViewStore.getState().select('id0');
    runAction('accept', KEY);
    expect(decisions()).toEqual({ id0: 'accepted' });
    expect(selected()).toBe('id1');
    useActionUiStore.getState().setAutoAdvance(false);
    runAction('reject', KEY);
    expect(decisions()).toEqual({ id0: 'accepted', id1: 'rejected' });
    expect(selected()).toBe('id1');
    await useDecisionStore.getState().undo(); // settle the writes
  });

  it('explicit targets (a row button) decide without moving the selection, and toggle', () => {
    useViewStore.getState().select('id0');
    runAction('accept', { source: 'button', ids: ['id2'], toggle: true, advance: false });
    expect(decisions()).toEqual({ id2: 'accepted' });
    expect(selected()).toBe('id0');
    runAction('accept', { source: 'button', ids: ['id2'], toggle: true, advance: false });
    expect(decisions()).toEqual({});
  });

  it('skip moves to the next undecided sample', () => {
    useViewStore.getState().select('id0');
    runAction('accept', { source: 'button', ids: ['id1'], advance: false });
    runAction('skip', KEY);
    expect(selected()).toBe('id2');
    expect(decisions()).toEqual({ id1: 'accepted' });
  });

  it('undo reverts the last step and returns to its sample; redo replays it', async () => {
    useViewStore.getState().select('id0');
    runAction('reject', KEY);
    expect(selected()).toBe('id1');
    runAction('undo', KEY);
    await vi.waitFor(() => expect(decisions()).toEqual({}));
    expect(selected()).toBe('id0');
    expect(isEnabled('redo', KEY)).toBe(true);
    runAction('redo', KEY);
    await vi.waitFor(() => expect(decisions()).toEqual({ id0: 'rejected' }));
  });

  it('bulk decisions cover every visible row, ask first, and are one undo step', async () => {
    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);
    await getAction('rejectFiltered').run(KEY);
    expect(confirm).toHaveBeenCalledWith(expect.stringContaining('4'));
    expect(Object.keys(decisions())).toHaveLength(4);
    expect(useDecisionStore.getState().undoStack.at(-1)).toMatchObject({ label: 'Reject filtered' });
    await useDecisionStore.getState().undo();
    expect(decisions()).toEqual({});
    confirm.mockReturnValue(false);
    await getAction('acceptFiltered').run(KEY);
    expect(decisions()).toEqual({});
    useVisibleStore.setState({ pending: true });
    expect(isEnabled('acceptFiltered', KEY)).toBe(false);
    vi.unstubAllGlobals();
  });

  it('? toggles the overlay; Escape closes it, then clears the selection', () => {
    useViewStore.getState().select('id1');
    runAction('showShortcuts', KEY);
    expect(useActionUiStore.getState().overlayOpen).toBe(true);
    runAction('escape', KEY);
    expect(useActionUiStore.getState().overlayOpen).toBe(false);
    expect(selected()).toBe('id1');
    runAction('escape', KEY);
    expect(selected()).toBeNull();
  });
});

describe('review actions', () => {
  const REVIEW: ActionId[] = ['reviewAccept', 'reviewOverride', 'reviewSkip', 'reviewBack', 'reviewStop'];
  const review = () => useProposalStore.getState().review;
  beforeEach(async () => {
    useDecisionStore.getState().reset(`review-${Math.random()}`, {});
    await historyReady();
    useViewStore.getState().select(null);
    useVisibleStore.setState({ rows: [0, 1, 2, 3].map(sample), pending: false });
    useActionUiStore.setState({ autoAdvance: true, overlayOpen: false });
    useProposalStore.setState({ review: null, applied: null });
  });

  const startReview = () =>
    useProposalStore.setState({
      review: {
        policy: { id: 'cherry', topPercent: 50 },
        items: [
          { id: 'id0', proposed: 'accepted' },
          { id: 'id1', proposed: 'rejected' },
          { id: 'id2', proposed: 'accepted' },
        ],
        index: 0,
        accepted: 0,
        overridden: 0,
        skipped: 0,
        recorded: false,
      },
    });

  it('are enabled only while a review is open', () => {
    for (const id of REVIEW) expect(isEnabled(id, KEY), id).toBe(false);
    expect(runAction('reviewAccept', KEY)).toBe(false);
    expect(decisions()).toEqual({});
    startReview();
    expect(REVIEW.filter((id) => isEnabled(id, KEY))).toEqual(['reviewAccept', 'reviewOverride', 'reviewSkip', 'reviewStop']);
    runAction('reviewSkip', KEY);
    expect(isEnabled('reviewBack', KEY)).toBe(true);
    runAction('reviewStop', KEY);
    expect(review()).toBeNull();
    for (const id of REVIEW) expect(isEnabled(id, KEY), id).toBe(false);
  });

  it('drive the review queue: accept, override, skip, back; at the end only back and stop', async () => {
    startReview();
    runAction('reviewAccept', KEY);
    await vi.waitFor(() => expect(decisions()).toEqual({ id0: 'accepted' }));
    expect(selected()).toBe('id1');
    runAction('reviewOverride', KEY);
    await vi.waitFor(() => expect(decisions()).toEqual({ id0: 'accepted', id1: 'accepted' }));
    expect(selected()).toBe('id2');
    runAction('reviewBack', KEY);
    expect(selected()).toBe('id1');
    runAction('reviewSkip', KEY);
    runAction('reviewSkip', KEY);
    expect(review()).toMatchObject({ index: 3, accepted: 1, overridden: 1, skipped: 2 });
    expect(REVIEW.filter((id) => isEnabled(id, KEY))).toEqual(['reviewBack', 'reviewStop']);
    expect(decisions()).toEqual({ id0: 'accepted', id1: 'accepted' });
  });
});
