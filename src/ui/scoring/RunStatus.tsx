import { useDatasetStore } from '../../state/datasetStore';
import { cancelScoring, pauseScoring, resumeScoring } from '../../state/scoringController';
import { useScoreStore } from '../../state/scoreStore';

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** The scoring run: progress, rate, time left, device, and pause / resume / cancel. */
export function RunStatus() {
  const run = useScoreStore((s) => s.run);
  const engine = useScoreStore((s) => s.engine);
  const notice = useScoreStore((s) => s.notice);
  const hasRun = useDatasetStore((s) => s.session?.scoring !== undefined);
  if (run.status === 'idle' && !hasRun) return null;
  const pct = run.total ? (100 * run.done) / run.total : 0;
  const active = run.status === 'running' || run.status === 'loading-model' || run.status === 'pausing';
  return (
    <div
      className={`run-status ${run.status}`}
      role="status"
      data-testid="score-status"
      data-status={run.status}
      data-done={run.done}
      data-total={run.total}
      data-run-scored={run.scoredThisRun}
    >
      <span className="run-label">
        {run.status === 'loading-model' ? (run.message ?? 'Loading model…') : `Scored ${run.done.toLocaleString()} of ${run.total.toLocaleString()}`}
      </span>
      <progress max={100} value={pct} aria-label="Scoring progress" data-testid="score-progress" />
      {run.status === 'running' && run.rate !== null && (
        <span className="muted small" data-testid="score-rate">
          {run.rate.toFixed(2)} samples/s · {formatSeconds(run.etaSeconds ?? Infinity)} left
        </span>
      )}
      {run.attackRate !== null && (
        <span className="muted small" data-testid="score-attack-rate" data-rate={run.attackRate}>
          attacks: {run.attackRate.toFixed(2)} variants/s
        </span>
      )}
      {engine && (
        <span className="device-badge" data-testid="engine-device" title={engine.reason}>
          {engine.model} · {engine.device.toUpperCase()} · {engine.dtype}
          {engine.numThreads ? ` · ${engine.numThreads} threads` : ''}
        </span>
      )}
      {engine && (
        <span className="muted small device-reason" data-testid="engine-reason">
          {engine.reason}
        </span>
      )}
      {(run.status === 'paused' || run.status === 'running' || run.status === 'pausing') && run.message && (
        <span className="muted small" data-testid="score-message">
          {run.message}
        </span>
      )}
      {run.status === 'error' && (
        <span className="error-text" role="alert" data-testid="score-error">
          {run.error}
        </span>
      )}
      {notice && (
        <span className="warn small" data-testid="engine-notice">
          {notice}
        </span>
      )}
      <div className="spacer" />
      {active ? (
        <>
          <button type="button" className="button" onClick={pauseScoring} disabled={run.status !== 'running'} data-testid="score-pause">
            Pause
          </button>
          <button type="button" className="button" onClick={cancelScoring} data-testid="score-cancel">
            Cancel
          </button>
        </>
      ) : (
        (run.status === 'paused' || run.status === 'error') &&
        run.done < run.total && (
          <button type="button" className="button" onClick={() => void resumeScoring()} data-testid="score-resume">
            Resume
          </button>
        )
      )}
    </div>
  );
}
