import { useEffect, useState } from 'react';
import { useDatasetStore } from '../../state/datasetStore';
import { useDecisionStore } from '../../state/decisionStore';
import { useViewStore } from '../../state/viewStore';
import { useVisibleSamples, useVisibleStore } from '../../state/visibleSamples';
import { CurationToolbar } from '../actions/CurationToolbar';
import { RangeChips } from '../charts/RangeEditor';

/** Text filter (debounced so typing stays smooth on large datasets) and decision tallies. */
export function TableToolbar() {
  const filter = useViewStore((s) => s.filter);
  const setFilter = useViewStore((s) => s.setFilter);
  const [text, setText] = useState(filter);
  useEffect(() => setText(filter), [filter]);
  useEffect(() => {
    if (text === filter) return;
    const t = setTimeout(() => setFilter(text), 150);
    return () => clearTimeout(t);
  }, [text, filter, setFilter]);

  const total = useDatasetStore((s) => s.samples.length);
  const shown = useVisibleSamples().length;
  const pending = useVisibleStore((s) => s.pending);
  const decisions = useDecisionStore((s) => s.decisions);
  let accepted = 0;
  let rejected = 0;
  for (const d of Object.values(decisions)) d === 'accepted' ? accepted++ : rejected++;

  return (
    <div className="toolbar">
      <input
        type="search"
        className="filter"
        placeholder="Filter instruction, input, response…"
        aria-label="Filter samples"
        data-testid="filter-input"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <span className="muted" data-testid="shown-count">
        {shown === total ? `${total.toLocaleString()} shown` : `${shown.toLocaleString()} of ${total.toLocaleString()} shown`}
      </span>
      {pending && <span className="muted">filtering…</span>}
      <RangeChips />
      <span className="tally accepted">{accepted.toLocaleString()} accepted</span>
      <span className="tally rejected">{rejected.toLocaleString()} rejected</span>
      <CurationToolbar />
    </div>
  );
}
