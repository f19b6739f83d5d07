import { useEffect, useRef, useState } from 'react';
import { useViewStore } from '../../state/viewStore';
import type { ScoreKey } from '../../core/types';
import { SCORE_LABELS, describeRange, formatBound } from './rangeLabels';
import './charts.css';

/** Keeps a fixed-position popover inside the viewport, below (or above) its anchor. */
function place(anchor: DOMRect, width: number, height: number): { left: number; top: number } {
  const left = Math.max(8, Math.min(anchor.left, window.innerWidth - width - 8));
  const below = anchor.bottom + 4;
  const top = below + height > window.innerHeight - 8 ? Math.max(8, anchor.top - height - 4) : below;
  return { left, top };
}

/** Closes on Escape or a press outside `ref`. */
function useDismiss(ref: React.RefObject<HTMLElement | null>, onClose: () => void) {
  useEffect(() => {
    const down = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    // Registered after the click that opened the popover has finished.
    const t = setTimeout(() => {
      document.addEventListener('pointerdown', down, true);
      document.addEventListener('keydown', key, true);
    }, 0);
    return () => {
      clearTimeout(t);
      document.removeEventListener('pointerdown', down, true);
      document.removeEventListener('keydown', key, true);
    };
  }, [ref, onClose]);
}

function parseBound(text: string): number | null | 'invalid' {
  const t = text.trim();
  if (!t) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : 'invalid';
}

/** Min/max editor for one score's range filter, anchored under a column header. */
export function RangeEditor({ scoreKey, anchor, onClose }: { scoreKey: ScoreKey; anchor: DOMRect; onClose: () => void }) {
  const current = useViewStore((s) => s.ranges[scoreKey]);
  const setRange = useViewStore((s) => s.setRange);
  const [min, setMin] = useState(formatBound(current?.min ?? null));
  const [max, setMax] = useState(formatBound(current?.max ?? null));
  const ref = useRef<HTMLFormElement>(null);
  useDismiss(ref, onClose);
  const lo = parseBound(min);
  const hi = parseBound(max);
  const invalid = lo === 'invalid' || hi === 'invalid';
  const pos = place(anchor, 230, 150);

  return (
    <form
      ref={ref}
      className="range-popover"
      style={pos}
      data-testid="range-editor"
      onSubmit={(e) => {
        e.preventDefault();
        if (invalid) return;
        setRange(scoreKey, { min: lo, max: hi });
        onClose();
      }}
    >
      <h5>{SCORE_LABELS[scoreKey]} range</h5>
      <div className="range-fields">
        <label>
          min
          <input type="number" step="any" value={min} autoFocus data-testid="range-min" aria-label={`${SCORE_LABELS[scoreKey]} minimum`} onChange={(e) => setMin(e.target.value)} />
        </label>
        <label>
          max
          <input type="number" step="any" value={max} data-testid="range-max" aria-label={`${SCORE_LABELS[scoreKey]} maximum`} onChange={(e) => setMax(e.target.value)} />
        </label>
      </div>
      <div className="muted small" style={{ marginTop: 6 }}>
        {current ? describeRange(scoreKey, current) : 'No range: all values, unscored rows included.'}
      </div>
      <div className="row-actions">
        {current && (
          <button
            type="button"
            className="button ghost"
            data-testid="range-clear"
            onClick={() => {
              setRange(scoreKey, null);
              onClose();
            }}
          >
            Clear
          </button>
        )}
        <button type="submit" className="button primary" disabled={invalid} data-testid="range-apply">
          Apply
        </button>
      </div>
    </form>
  );
}

/** Active range filters as chips with a clear button each (shown in the table toolbar). */
export function RangeChips() {
  const ranges = useViewStore((s) => s.ranges);
  const setRange = useViewStore((s) => s.setRange);
  const clearRanges = useViewStore((s) => s.clearRanges);
  const entries = (Object.keys(ranges) as ScoreKey[]).flatMap((k) => {
    const r = ranges[k];
    return r ? [[k, r] as const] : [];
  });
  if (entries.length === 0) return null;
  return (
    <span className="range-chips" data-testid="range-chips">
      {entries.map(([k, r]) => (
        <span key={k} className="range-chip" data-testid={`range-chip-${k}`} data-min={r.min ?? ''} data-max={r.max ?? ''}>
          {describeRange(k, r)}
          <button type="button" aria-label={`Clear the ${SCORE_LABELS[k]} range`} title="Clear this range" data-testid={`range-chip-clear-${k}`} onClick={() => setRange(k, null)}>
            ×
          </button>
        </span>
      ))}
      {entries.length > 1 && (
        <button type="button" className="range-clear-all" data-testid="range-clear-all" onClick={clearRanges}>
          Clear ranges
        </button>
      )}
    </span>
  );
}

export { place as placePopover, useDismiss };
