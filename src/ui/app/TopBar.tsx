import { useState } from 'react';
import { useDatasetStore } from '../../state/datasetStore';
import { ScorePanel } from '../scoring/ScorePanel';
import { loadDemo, loadFile } from '../../state/sessionController';
import { ExportMenu } from '../export/ExportMenu';
import { SessionsMenu } from '../sessions/SessionsMenu';
import { PolicyMenu } from '../selection/PolicyMenu';

export const ACCEPTED_FILES = '.jsonl,.ndjson,.json,.csv,.tsv,.tab,.parquet';

export function TopBar() {
  const session = useDatasetStore((s) => s.session);
  const rowCount = useDatasetStore((s) => s.samples.length);
  // Warnings (e.g. a colliding id that was renamed) did not skip a row.
  const issueCount = useDatasetStore((s) => s.issues.filter((i) => i.severity !== 'warning').length);
  const [scoring, setScoring] = useState(false);
  return (
    <header className="topbar">
      <h1 className="brand">Quarry</h1>
      <div className="session-name" title={session?.fileName}>
        {session ? session.name : 'No dataset'}
      </div>
      <div className="counts">
        <span>
          <span data-testid="row-count">{rowCount}</span> samples
        </span>
        <span className={issueCount ? 'warn' : undefined}>
          <span data-testid="ingest-issue-count">{issueCount}</span> skipped
        </span>
      </div>
      <div className="spacer" />
      <label className="button primary">
        Open file
        <input
          type="file"
          data-testid="dataset-file-input"
          accept={ACCEPTED_FILES}
          hidden
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) void loadFile(file);
          }}
        />
      </label>
      <button type="button" className="button" onClick={() => void loadDemo()}>
        Demo data
      </button>
      <div className="menu">
        <button type="button" className="button" disabled={!session} aria-expanded={scoring} onClick={() => setScoring(!scoring)} data-testid="score-open">
          Score…
        </button>
        {scoring && session && <ScorePanel onClose={() => setScoring(false)} />}
      </div>
      <PolicyMenu />
      <SessionsMenu />
      <ExportMenu />
    </header>
  );
}
