import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import { useDatasetStore } from '../../state/datasetStore';
import { useScoreStore } from '../../state/scoreStore';
import type { ScoreColumns } from '../../core/sampleViews';
import { loadScoreColumns, peekScoreColumns, useVisibleStore } from '../../state/visibleSamples';

/**
 * The score columns for the charts (null until first built; built in time slices). A scoring run
 * updates the scores in many small chunks: the charts follow at most once per `throttleMs`; a whole
 * new result set (a session opened) at once.
 */
export function useScoreColumns(throttleMs = 1500): ScoreColumns | null {
  const samples = useDatasetStore((s) => s.samples);
  const [columns, setColumns] = useState<ScoreColumns | null>(() => peekScoreColumns());
  useEffect(() => {
    let live = true;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const update = () => {
      timer = undefined;
      last = performance.now();
      void loadScoreColumns().then((c) => {
        if (live && c.samples === useDatasetStore.getState().samples) setColumns(c);
      });
    };
    update();
    const unsubscribe = useScoreStore.subscribe((s, prev) => {
      if (s.version === prev.version) return;
      if (s.results !== prev.results) {
        clearTimeout(timer);
        update();
      } else timer ??= setTimeout(update, Math.max(0, last + throttleMs - performance.now()));
    });
    return () => {
      live = false;
      unsubscribe();
      clearTimeout(timer);
    };
  }, [samples, throttleMs]);
  return columns && columns.samples === samples ? columns : null;
}

/**
 * `value`, delivered to this component in its own macrotask (`slot` orders them): when the scores
 * or the filter change, each chart re-renders (recharts: a render, a commit and its store updates)
 * in a separate task instead of the whole panel in one, so no single task carries it all. Slot 0
 * starts with the value; later slots start undefined (render a placeholder) and catch up.
 */
export function useStaggered<T>(value: T, slot: number): T | undefined {
  const [state, setState] = useState<{ value: T } | undefined>(slot === 0 ? { value } : undefined);
  useEffect(() => {
    if (state?.value === value) return;
    const timer = setTimeout(() => flushSync(() => setState({ value })), 1 + slot * 2);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value, slot]);
  return state?.value;
}

/**
 * The shown rows' positions (into `columns`) for one chart, or null when every sample is shown,
 * delivered in the chart's own task (see useStaggered).
 */
export function useStaggeredShown(columns: ScoreColumns, slot: number): Int32Array | null {
  const pick = (s: { positions: Int32Array; samples: unknown[] }) =>
    s.samples !== columns.samples || s.positions.length === s.samples.length ? null : s.positions;
  const [shown, setShown] = useState<Int32Array | null>(() => pick(useVisibleStore.getState()));
  useEffect(() => {
    setShown(pick(useVisibleStore.getState()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = useVisibleStore.subscribe((s, prev) => {
      // A re-sort keeps the set (setKey): the charts do not care about order.
      if (s.setKey === prev.setKey && s.samples === prev.samples) return;
      clearTimeout(timer);
      timer = setTimeout(() => flushSync(() => setShown(pick(useVisibleStore.getState()))), 1 + slot * 2);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [columns]);
  return shown;
}
