import type { Decision } from '../../core/types';
import { getAction, runAction } from '../actions/registry';
import { keysHint } from '../actions/KeyCaps';

/**
 * Accept / reject toggles, running the registered `accept` / `reject` actions on `ids`. Clicking the
 * active decision again returns the sample to undecided. The detail pane's buttons auto-advance (when
 * on); a table row's (`compact`) never move the selection.
 */
export function DecisionButtons({
  ids,
  decision,
  compact = false,
  advance = !compact,
}: {
  ids: string[];
  decision: Decision;
  compact?: boolean;
  /** Whether deciding the selected sample may move the selection on (auto-advance). */
  advance?: boolean;
}) {
  const toggle = (id: 'accept' | 'reject') => (e: React.MouseEvent) => {
    e.stopPropagation();
    runAction(id, { source: 'button', ids, toggle: true, advance });
  };
  return (
    <div className={`decision-buttons ${compact ? 'compact' : ''}`} role="group" aria-label="Decision">
      <button
        type="button"
        className={`decide accept ${decision === 'accepted' ? 'on' : ''}`}
        aria-pressed={decision === 'accepted'}
        data-testid="accept-button"
        title={compact ? 'Accept' : `Accept${keysHint(getAction('accept'))}`}
        onClick={toggle('accept')}
      >
        {compact ? '✓' : '✓ Accept'}
      </button>
      <button
        type="button"
        className={`decide reject ${decision === 'rejected' ? 'on' : ''}`}
        aria-pressed={decision === 'rejected'}
        data-testid="reject-button"
        title={compact ? 'Reject' : `Reject${keysHint(getAction('reject'))}`}
        onClick={toggle('reject')}
      >
        {compact ? '✗' : '✗ Reject'}
      </button>
    </div>
  );
}
