import { POLICY_PRESETS } from '../../core/selection';
import { useDecisionStore } from '../../state/decisionStore';
import { reviewActions, useProposalStore } from '../../state/proposalStore';

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
        <button type="button" className="button" data-testid="review-back" onClick={reviewActions.back} disabled={total === 0}>
          ← Back
        </button>
        <button type="button" className="button primary" data-testid="review-stop" onClick={reviewActions.stop}>
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
      <button type="button" className="button" data-testid="review-back" onClick={reviewActions.back} disabled={review.index === 0} title="Previous sample">
        ←
      </button>
      <button type="button" className={`button primary review-${item.proposed}`} data-testid="review-accept" onClick={() => void reviewActions.accept()}>
        Accept proposal: {WORD[item.proposed]}
      </button>
      <button type="button" className="button" data-testid="review-override" onClick={() => void reviewActions.override()} title={`Take the opposite decision: ${WORD[opposite]}`}>
        Override: {WORD[opposite]}
      </button>
      <button type="button" className="button" data-testid="review-skip" onClick={reviewActions.skip} title="Leave this sample as it is">
        Skip
      </button>
      <button type="button" className="button ghost" data-testid="review-stop" onClick={reviewActions.stop} aria-label="Stop reviewing">
        Stop
      </button>
    </div>
  );
}
