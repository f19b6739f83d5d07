import { useDecisionStore, type DecisionDiff } from '../../state/decisionStore';
import { useVisibleStore } from '../../state/visibleSamples';
import { getAction, isEnabled, runAction, type ActionId } from './registry';
import { keysHint } from './KeyCaps';
import { useActionUiStore } from './uiStore';
import './actions.css';

const BUTTON = { source: 'button' } as const;

function describe(step: DecisionDiff | undefined): string {
  if (!step) return '';
  const n = step.changes.length;
  return `${step.label} (${n.toLocaleString()})`;
}

/** Undo/redo, bulk decisions over the shown (filtered) rows, auto-advance and the shortcuts help. */
export function CurationToolbar() {
  // Subscriptions that decide the buttons' state (the registry's `enabled` reads the same stores).
  const undoTop = useDecisionStore((s) => s.undoStack[s.undoStack.length - 1]);
  const redoTop = useDecisionStore((s) => s.redoStack[s.redoStack.length - 1]);
  useDecisionStore((s) => s.historyLoading);
  const shown = useVisibleStore((s) => s.rows.length);
  useVisibleStore((s) => s.pending);
  const autoAdvance = useActionUiStore((s) => s.autoAdvance);

  const enabled = (id: ActionId) => isEnabled(id, BUTTON);
  const title = (id: ActionId, text: string) => text + keysHint(getAction(id));
  const undoText = undoTop ? `Undo ${describe(undoTop)}` : 'Undo';
  const redoText = redoTop ? `Redo ${describe(redoTop)}` : 'Redo';

  return (
    <div className="curation-toolbar" role="group" aria-label="Curation">
      <button
        type="button"
        className="button"
        data-testid="undo-button"
        disabled={!enabled('undo') || !undoTop}
        title={title('undo', undoTop ? `${undoText} sample${undoTop.changes.length === 1 ? '' : 's'}` : 'Nothing to undo')}
        onClick={() => runAction('undo', BUTTON)}
      >
        ↶ <span className="curation-step">{undoText}</span>
      </button>
      <button
        type="button"
        className="button"
        data-testid="redo-button"
        disabled={!enabled('redo') || !redoTop}
        title={title('redo', redoTop ? `${redoText} sample${redoTop.changes.length === 1 ? '' : 's'}` : 'Nothing to redo')}
        onClick={() => runAction('redo', BUTTON)}
      >
        ↷ <span className="curation-step">{redoText}</span>
      </button>
      <button
        type="button"
        className="button bulk-accept"
        data-testid="accept-filtered"
        disabled={!enabled('acceptFiltered')}
        title={title('acceptFiltered', `Accept all ${shown.toLocaleString()} shown samples`)}
        onClick={() => runAction('acceptFiltered', BUTTON)}
      >
        ✓ Accept filtered
      </button>
      <button
        type="button"
        className="button bulk-reject"
        data-testid="reject-filtered"
        disabled={!enabled('rejectFiltered')}
        title={title('rejectFiltered', `Reject all ${shown.toLocaleString()} shown samples`)}
        onClick={() => runAction('rejectFiltered', BUTTON)}
      >
        ✗ Reject filtered
      </button>
      <label className="auto-advance" title={title('toggleAutoAdvance', 'Move to the next sample after accepting or rejecting the selected one')}>
        <input type="checkbox" data-testid="auto-advance" checked={autoAdvance} onChange={() => runAction('toggleAutoAdvance', BUTTON)} />
        Auto-advance
      </label>
      <button
        type="button"
        className="button ghost shortcuts-button"
        aria-label="Keyboard shortcuts"
        data-testid="shortcuts-button"
        title={title('showShortcuts', 'Keyboard shortcuts')}
        onClick={() => runAction('showShortcuts', BUTTON)}
      >
        ?
      </button>
    </div>
  );
}
