// Persistent notices above the workspace: writes that failed (never only on the console), a session
// this tab may only read (with "Take over"), and safe mode.
import { useDecisionStore } from '../../state/decisionStore';
import { useDatasetStore } from '../../state/datasetStore';
import { bootFlags } from '../../state/bootFlags';
import { READ_ONLY_OTHER_TAB, READ_ONLY_TAKEN, takeOver } from '../../state/tabSync';
import { useWriteFailures } from '../../state/writeFailures';

export function Banners() {
  const failures = useWriteFailures((s) => s.failures);
  const dismiss = useWriteFailures((s) => s.dismiss);
  const readOnly = useDecisionStore((s) => s.readOnly);
  const sessionId = useDatasetStore((s) => s.session?.id);
  return (
    <div className="banners">
      {bootFlags.safe && (
        <div className="banner info" role="status" data-testid="safe-mode">
          Safe mode: nothing was replayed, resumed or opened automatically. Open, export or delete sessions from the
          Sessions menu; reload without <code>?safe</code> to start normally.
        </div>
      )}
      {readOnly && sessionId && (
        <div className="banner warn" role="status" data-testid="read-only">
          <span>{readOnly}</span>
          {(readOnly === READ_ONLY_OTHER_TAB || readOnly === READ_ONLY_TAKEN) && (
            <button type="button" className="button" data-testid="take-over" onClick={() => void takeOver(sessionId)}>
              Take over
            </button>
          )}
        </div>
      )}
      {failures.map((f) => (
        <div key={f.id} className="banner error" role="alert" data-testid="write-failure">
          <span>
            Could not save {f.what}: {f.message}
            {f.quota ? ' — the browser’s storage is full: delete a saved session (Sessions menu) to free space.' : ''}
          </span>
          <button type="button" className="button ghost" aria-label="Dismiss" onClick={() => dismiss(f.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
