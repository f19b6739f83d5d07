import { POLICY_PRESETS } from '../../core/selection';
import { useDecisionStore } from '../../state/decisionStore';
import { useProposalStore } from '../../state/proposalStore';
import { keysHint } from '../actions/KeyCaps';
import { getAction, isEnabled, runAction, type ActionId } from '../actions/registry';

const BUTTON = { source: 'button' } as const;
/** A review button's props: it runs the registry's action (as its key does), disabled when the action is. */
const act = (id: ActionId) => ({ onClick: () => void runAction(id, BUTTON), disabled: !isEnabled(id, BUTTON) });
const hint = (id: ActionId, text: string) => text + keysHint(getAction(id));

const WORD = { accepted: 'accept', rejected: 'reject' } as const;

/**
 * The review queue of a policy's proposals, floating over the workspace: the current sample is
 * selected (table and detail pane follow); accept the proposal, override it, or skip.
 */
export function ReviewBar() {
  const review = useProposalStore((s) => s.review);
  const item = review?.items[review.index];
  const current = useDecisionStore((s) => (item ? (s.decisions[item.id] ?? 'undecided') : 'undecided'));
  if (!review) return null;
  const total = review.items.length;
  const name = POLICY_PRESETS[review.policy.id].name;
  if (!item) {
    return (
      <div className="review-bar done" role="region" aria-label="Policy review" data-testid="review-bar">
        <span className="review-title">Review of {name} done</span>
        <span data-testid="review-summary">
          {review.accepted} proposals accepted · {review.overridden} overridden · {review.skipped} skipped
        </span>
        <button type="button" className="button" data-testid="review-back" {...act('reviewBack')} title={hint('reviewBack', 'Previous sample')}>
          ← Back
        </button>
        <button type="button" className="button primary" data-testid="review-stop" {...act('reviewStop')} title={hint('reviewStop', 'Close the review')}>
          Close
        </button>
      </div>
    );
  }
  const opposite = item.proposed === 'accepted' ? 'rejected' : 'accepted';
  return (
    <div className="review-bar" role="region" aria-label="Policy review" data-testid="review-bar">
      <span className="review-title">{name}</span>
      <span className="review-progress" data-testid="review-progress" title={`Reviewing the proposals of ${name}`}>
        {(review.index + 1).toLocaleString()} of {total.toLocaleString()}
      </span>
      <span className={`review-proposed p-${item.proposed}`} data-testid="review-proposed" data-proposed={item.proposed}>
        proposed {WORD[item.proposed]}
      </span>
      <span className="muted small" data-testid="review-current" title="The sample's current decision">
        now {current}
      </span>
      <button type="button" className="button" data-testid="review-back" {...act('reviewBack')} title={hint('reviewBack', 'Previous sample')}>
        ←
      </button>
      <button type="button" className={`button primary review-${item.proposed}`} data-testid="review-accept" {...act('reviewAccept')} title={hint('reviewAccept', `Take the proposed decision: ${WORD[item.proposed]}`)}>
        Accept proposal: {WORD[item.proposed]}
      </button>
      <button type="button" className="button" data-testid="review-override" {...act('reviewOverride')} title={hint('reviewOverride', `Take the opposite decision: ${WORD[opposite]}`)}>
        Override: {WORD[opposite]}
      </button>
      <button type="button" className="button" data-testid="review-skip" {...act('reviewSkip')} title={hint('reviewSkip', 'Leave this sample as it is')}>
        Skip
      </button>
      <button type="button" className="button ghost" data-testid="review-stop" {...act('reviewStop')} aria-label="Stop reviewing" title={hint('reviewStop', 'Stop reviewing')}>
        Stop
      </button>
    </div>
  );
}
