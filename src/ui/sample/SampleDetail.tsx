import { useDatasetStore } from '../../state/datasetStore';
import { useDecisionStore } from '../../state/decisionStore';
import { useViewStore } from '../../state/viewStore';
import { DecisionButtons } from './DecisionButtons';
import { ScoreSummary } from './ScoreSummary';
import { VariantList } from './VariantList';

/** The selected sample in full. All dataset text is rendered as text nodes, never as HTML. */
export function SampleDetail() {
  const selectedId = useViewStore((s) => s.selectedId);
  const select = useViewStore((s) => s.select);
  const sample = useDatasetStore((s) => (selectedId ? s.samples.find((x) => x.id === selectedId) : undefined));
  const decision = useDecisionStore((s) => (sample ? (s.decisions[sample.id] ?? 'undecided') : 'undecided'));
  const fileName = useDatasetStore((s) => s.session?.fileName);
  if (!sample) {
    return (
      <aside className="detail-pane empty" aria-label="Sample">
        <p className="muted">Select a row to see the sample in full.</p>
      </aside>
    );
  }
  return (
    <aside className="detail-pane" aria-label="Sample" data-testid="sample-detail">
      <div className="detail-head">
        <div>
          <div className="detail-title">Sample {sample.index + 1}</div>
          <div className="muted small">
            {fileName} line {sample.line} · id {sample.id}
          </div>
        </div>
        <DecisionButtons ids={[sample.id]} decision={decision} />
        <button type="button" className="button ghost" aria-label="Close sample" onClick={() => select(null)}>
          ×
        </button>
      </div>
      {sample.history.length > 0 && (
        <section>
          <h3>Conversation so far</h3>
          {sample.history.map((turn, i) => (
            <div key={i} className={`turn turn-${turn.role}`}>
              <div className="turn-role">{turn.role}</div>
              <pre className="text">{turn.content}</pre>
            </div>
          ))}
        </section>
      )}
      <section>
        <h3>Instruction</h3>
        <pre className="text" data-testid="detail-instruction">{sample.instruction}</pre>
      </section>
      {sample.input && (
        <section>
          <h3>Input</h3>
          <pre className="text" data-testid="detail-input">{sample.input}</pre>
        </section>
      )}
      <section>
        <h3>Response</h3>
        <pre className="text" data-testid="detail-response">{sample.response}</pre>
      </section>
      <ScoreSummary sampleId={sample.id} />
      <VariantList sampleId={sample.id} />
    </aside>
  );
}
