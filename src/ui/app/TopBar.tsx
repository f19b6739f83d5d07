import { useDatasetStore } from '../../state/datasetStore';
import { loadDemo, loadFile } from '../../state/sessionController';
import { ExportMenu } from '../export/ExportMenu';
import { SessionsMenu } from '../sessions/SessionsMenu';

export const ACCEPTED_FILES = '.jsonl,.ndjson,.json,.csv,.tsv,.tab,.parquet';

export function TopBar() {
  const session = useDatasetStore((s) => s.session);
  const rowCount = useDatasetStore((s) => s.samples.length);
  const issueCount = useDatasetStore((s) => s.issues.length);
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
      <SessionsMenu />
      <ExportMenu />
    </header>
  );
}
