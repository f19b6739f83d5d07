import type { Decision } from '../../core/types';
import { useDecisionStore } from '../../state/decisionStore';

/** Accept / reject toggles. Clicking the active decision again returns the sample to undecided. */
export function DecisionButtons({ ids, decision, compact = false }: { ids: string[]; decision: Decision; compact?: boolean }) {
  const decide = useDecisionStore((s) => s.decide);
  const toggle = (to: Exclude<Decision, 'undecided'>) => (e: React.MouseEvent) => {
    e.stopPropagation();
    void decide(ids, decision === to ? 'undecided' : to);
  };
  return (
    <div className={`decision-buttons ${compact ? 'compact' : ''}`} role="group" aria-label="Decision">
      <button
        type="button"
        className={`decide accept ${decision === 'accepted' ? 'on' : ''}`}
        aria-pressed={decision === 'accepted'}
        data-testid="accept-button"
        title="Accept"
        onClick={toggle('accepted')}
      >
        {compact ? '✓' : '✓ Accept'}
      </button>
      <button
        type="button"
        className={`decide reject ${decision === 'rejected' ? 'on' : ''}`}
        aria-pressed={decision === 'rejected'}
        data-testid="reject-button"
        title="Reject"
        onClick={toggle('rejected')}
      >
        {compact ? '✗' : '✗ Reject'}
      </button>
    </div>
  );
}
