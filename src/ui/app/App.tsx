import { DropZone } from '../import/DropZone';
import { LoadStatus } from '../import/LoadStatus';
import { IssuesPanel } from '../import/IssuesPanel';
import { TopBar } from './TopBar';
import { Banners } from './Banners';
import { RunStatus } from '../scoring/RunStatus';
import { KeyboardLayer } from '../actions/KeyboardLayer';
import { ChartsPanel } from '../charts/ChartsPanel';
import { SampleTable } from '../table/SampleTable';
import { TableToolbar } from '../table/TableToolbar';
import { SampleDetail } from '../sample/SampleDetail';
import { useDatasetStore } from '../../state/datasetStore';

export function App() {
  const sessionId = useDatasetStore((s) => s.session?.id);
  return (
    <DropZone>
      <div className="app">
        <TopBar />
        <Banners />
        <LoadStatus />
        <RunStatus />
        <KeyboardLayer />
        {sessionId ? (
          // Keyed by session: switching sessions remounts the table, which restores that session's scroll.
          <main className="workspace" key={sessionId}>
            <section className="table-pane" aria-label="Samples">
              <ChartsPanel />
              <TableToolbar />
              <SampleTable />
            </section>
            <SampleDetail />
          </main>
        ) : (
          <EmptyState />
        )}
        <IssuesPanel />
      </div>
    </DropZone>
  );
}

function EmptyState() {
  return (
    <main className="empty-state">
      <h2>Open an instruction dataset</h2>
      <p>
        Drop a JSONL, JSON, CSV/TSV or Parquet file anywhere on this page, or use <strong>Open file</strong>. Alpaca,
        ShareGPT, chat-messages and prompt/response shapes are detected automatically; anything else can be mapped by
        hand. Your data never leaves this browser.
      </p>
    </main>
  );
}
