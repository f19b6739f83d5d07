import { useDatasetStore } from '../../state/datasetStore';
import { cancelLoad, dismissLoadError, loadFile } from '../../state/sessionController';
import { ColumnMapping } from './ColumnMapping';

import { formatBytes } from '../../persist/storageInfo';

/** Progress of a load, a whole-file error, or the column-mapping step. */
export function LoadStatus() {
  const load = useDatasetStore((s) => s.load);
  switch (load.status) {
    case 'idle':
      return null;
    case 'loading': {
      const pct = load.total > 0 ? Math.min(100, (100 * load.done) / load.total) : 0;
      return (
        <div className="load-status" role="status" data-testid="load-progress">
          <span>
            Loading {load.label}: {load.records.toLocaleString()} records
            {load.total > 0 && load.label !== 'saved session' ? ` · ${formatBytes(load.done)} of ${formatBytes(load.total)}` : ''}
          </span>
          <progress max={100} value={pct} aria-label="Load progress" />
          <button type="button" className="button" onClick={cancelLoad}>
            Cancel
          </button>
        </div>
      );
    }
    case 'error':
      return (
        <div className="load-status error" role="alert" data-testid="load-error">
          <span>
            Could not load <strong>{load.fileName}</strong>: {load.message}
          </span>
          <button type="button" className="button" onClick={dismissLoadError}>
            Dismiss
          </button>
        </div>
      );
    case 'storage-warning':
      return (
        <div className="load-status error" role="alert" data-testid="storage-warning">
          <span>
            <strong>{load.file.name}</strong> needs about {formatBytes(load.needBytes)} of browser storage, but only{' '}
            {formatBytes(load.freeBytes)} is left. Loading may fail part-way; deleting a saved session frees space.
          </span>
          <button type="button" className="button" onClick={() => void loadFile(load.file, load.mapping, true)}>
            Load anyway
          </button>
          <button type="button" className="button" onClick={cancelLoad}>
            Cancel
          </button>
        </div>
      );
    case 'mapping':
      return <ColumnMapping file={load.file} columns={load.columns} preview={load.preview} />;
  }
}
