// The shown rows follow their stores only once connected (importing subscribes to nothing), and stop
// when disconnected. The algorithms themselves are tested in core/sampleViews.test.ts.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ScoreResult } from '../core/scoring/types';
import type { Sample } from '../core/types';
import { DEFAULT_VIEW } from '../core/view';
import type { SessionRecord } from '../persist/db';
import { useDatasetStore } from './datasetStore';
import { connectStores } from './connectStores';
import { useScoreStore } from './scoreStore';
import { useViewStore } from './viewStore';
import { connectVisibleSamples, peekScoreColumns, useVisibleStore } from './visibleSamples';

const sample = (i: number, instruction: string): Sample => ({ id: `id${i}`, index: i, line: i + 1, instruction, input: '', response: `answer ${i}`, history: [] });
const SAMPLES = [sample(0, 'alpha'), sample(1, 'beta'), sample(2, 'gamma'), sample(3, 'alpha again')];
const session = { id: 'visible-test', view: DEFAULT_VIEW } as SessionRecord;
const shownIds = () => useVisibleStore.getState().rows.map((r) => r.id);

function result(id: string, ifd: number): ScoreResult {
  return { id, scores: { ifd }, variants: [], truncated: false, tokens: { prompted: 0, answer: 0, response: 0 } } as unknown as ScoreResult;
}

describe('visible samples', () => {
  let disconnect: (() => void) | null = null;
  afterEach(() => {
    disconnect?.();
    disconnect = null;
    useViewStore.getState().restore(DEFAULT_VIEW);
  });

  it('importing subscribes to nothing: the rows follow only once connected, and stop when disconnected', async () => {
    useDatasetStore.getState().show(session, SAMPLES, []);
    useViewStore.getState().setFilter('alpha');
    await new Promise((r) => setTimeout(r, 20));
    expect(useVisibleStore.getState().rows).toEqual([]);

    disconnect = connectVisibleSamples(); // catches up with the samples shown before
    await vi.waitFor(() => expect(shownIds()).toEqual(['id0', 'id3']));
    useViewStore.getState().setFilter('');
    useViewStore.getState().setSort('instruction');
    await vi.waitFor(() => expect(shownIds()).toEqual(['id0', 'id3', 'id1', 'id2']));

    disconnect();
    disconnect = null;
    useViewStore.getState().setFilter('gamma');
    await new Promise((r) => setTimeout(r, 20));
    expect(shownIds()).toEqual(['id0', 'id3', 'id1', 'id2']);
  });

  it('connectStores connects once; score changes re-derive a score-dependent view', async () => {
    useDatasetStore.getState().show(session, [...SAMPLES], []);
    disconnect = connectStores();
    expect(connectStores()).toBe(disconnect);
    useViewStore.getState().setRange('ifd', { min: 0.5, max: null });
    await vi.waitFor(() => expect(useVisibleStore.getState().pending).toBe(false));
    expect(shownIds()).toEqual([]); // nothing scored: a range matches nothing
    useScoreStore.getState().setResults(new Map([['id1', result('id1', 0.7)], ['id2', result('id2', 0.2)]]));
    await vi.waitFor(() => expect(shownIds()).toEqual(['id1']));
    expect(peekScoreColumns()?.scored).toBe(2);
  });
});
