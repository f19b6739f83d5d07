import { useEffect, useMemo, useState } from 'react';
import {
  POLICY_IDS,
  POLICY_PRESETS,
  RuleSyntaxError,
  defaultPolicy,
  describePolicy,
  parseRule,
  proposeDecisions,
  validatePolicy,
  type Policy,
  type PolicyId,
  type PolicyParameter,
  type Proposal,
} from '../../core/selection';
import { useDatasetStore } from '../../state/datasetStore';
import { useDecisionStore } from '../../state/decisionStore';
import {
  applyPolicy,
  canUndoApplied,
  changeCount,
  policySamples,
  startReview,
  undoApplied,
  useProposalStore,
} from '../../state/proposalStore';
import { useScoreStore } from '../../state/scoreStore';
import { ReviewBar } from './ReviewBar';
import './selection.css';

/** Preview recomputation waits this long after the last change (parameters typed, scores arriving). */
const PREVIEW_DEBOUNCE_MS = 150;

type Policies = { [K in PolicyId]: Extract<Policy, { id: K }> };

function initialPolicies(last: Policy | null | undefined): Policies {
  const all: Policies = { cherry: defaultPolicy('cherry'), 'robust-hard': defaultPolicy('robust-hard'), custom: defaultPolicy('custom') };
  if (last) (all as Record<PolicyId, Policy>)[last.id] = { ...last };
  return all;
}

type Preview = { proposal: Proposal; changes: number } | { error: string };

/**
 * Selection policies in the top bar: a preset (Cherry, Robust and hard, Custom rule) with editable
 * thresholds and a live preview of how many samples it keeps / rejects / leaves unscored. The
 * policy only proposes: apply it to all samples in one undoable step, or review its proposals one
 * by one (ReviewBar).
 */
export function PolicyMenu() {
  const session = useDatasetStore((s) => s.session);
  const [open, setOpen] = useState(false);
  const review = useProposalStore((s) => s.review);
  return (
    <div className="menu policy-menu">
      <button
        type="button"
        className="button"
        disabled={!session}
        aria-expanded={open}
        aria-haspopup="dialog"
        data-testid="policy-menu-button"
        title="Selection policies: propose accept/reject decisions from the scores"
        onClick={() => setOpen(!open)}
      >
        Policies…
      </button>
      {open && session && <PolicyPanel key={session.id} onClose={() => setOpen(false)} />}
      {review && <ReviewBar />}
    </div>
  );
}

function PolicyPanel({ onClose }: { onClose(): void }) {
  const lastPolicy = useProposalStore((s) => s.lastPolicy);
  const [policies, setPolicies] = useState<Policies>(() => initialPolicies(useDatasetStore.getState().session?.policy));
  const [presetId, setPresetId] = useState<PolicyId>(() => useDatasetStore.getState().session?.policy?.id ?? 'cherry');
  const [onlyChanges, setOnlyChanges] = useState(true);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const policy = policies[presetId];
  const preset = POLICY_PRESETS[presetId];

  const samples = useDatasetStore((s) => s.samples);
  const version = useScoreStore((s) => s.version);
  const decisions = useDecisionStore((s) => s.decisions);
  const applied = useProposalStore((s) => s.applied);
  const undoable = useDecisionStore(() => canUndoApplied());
  const scoredCount = useMemo(() => {
    const results = useScoreStore.getState().results;
    let n = 0;
    for (const s of samples) if (results.has(s.id)) n++;
    return n;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [samples, version]);

  // Live preview, debounced: recomputed when the parameters, the samples or the scores change.
  const [preview, setPreview] = useState<Preview | null>(null);
  const [pending, setPending] = useState(true);
  useEffect(() => {
    setPending(true);
    const t = setTimeout(() => {
      const problem = validatePolicy(policy);
      if (problem) setPreview({ error: problem });
      else {
        try {
          const proposal = proposeDecisions(policySamples(samples, useScoreStore.getState().results), policy);
          setPreview({ proposal, changes: changeCount(proposal, useDecisionStore.getState().decisions) });
        } catch (e) {
          setPreview({ error: (e as Error).message });
        }
      }
      setPending(false);
    }, PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [policy, samples, version]);
  // Decisions change the "would change" count only: cheap, no debounce.
  const changes = preview && 'proposal' in preview ? changeCount(preview.proposal, decisions) : null;

  const setParam = (key: string, value: unknown) => setPolicies((all) => ({ ...all, [presetId]: { ...all[presetId], [key]: value } }));
  const valid = preview !== null && 'proposal' in preview && !pending;
  const proposed = valid ? preview.proposal.counts.keep + preview.proposal.counts.reject : 0;

  const apply = async () => {
    setBusy(true);
    setMessage(null);
    try {
      await applyPolicy(policy);
    } catch (e) {
      setMessage(`Could not apply: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="policy-panel" role="dialog" aria-label="Selection policy" data-testid="policy-panel">
      <div className="policy-head">
        <h2>Selection policy</h2>
        <button type="button" className="button ghost" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      <label className="policy-field">
        <span>Policy</span>
        <select data-testid="policy-preset" value={presetId} onChange={(e) => setPresetId(e.target.value as PolicyId)}>
          {POLICY_IDS.map((id) => (
            <option key={id} value={id}>
              {POLICY_PRESETS[id].name}
            </option>
          ))}
        </select>
      </label>
      <p className="muted small policy-description">{preset.description}</p>
      <div className="policy-params">
        {preset.parameters.map((param) => (
          <ParameterField key={param.key} param={param} policy={policy} onChange={setParam} />
        ))}
      </div>
      {presetId !== 'custom' && (
        <button type="button" className="link-button small" onClick={() => setPolicies((all) => ({ ...all, [presetId]: defaultPolicy(presetId) }))}>
          Reset to defaults
        </button>
      )}

      <div className="policy-preview" aria-live="polite" data-testid="policy-preview" data-pending={pending || undefined}>
        {preview && 'error' in preview ? (
          <p className="error-text small" data-testid="policy-error">
            {presetId === 'custom' ? 'Fix the rule to see what it keeps.' : preview.error}
          </p>
        ) : (
          <>
            <div className="policy-count keep">
              <span className="policy-count-value" data-testid="policy-keep-count">
                {valid ? preview.proposal.counts.keep.toLocaleString() : '…'}
              </span>
              <span className="policy-count-label">keep</span>
            </div>
            <div className="policy-count reject">
              <span className="policy-count-value" data-testid="policy-reject-count">
                {valid ? preview.proposal.counts.reject.toLocaleString() : '…'}
              </span>
              <span className="policy-count-label">reject</span>
            </div>
            <div className="policy-count unscored" title="Samples the policy cannot evaluate (missing scores): their decisions are left as they are">
              <span className="policy-count-value" data-testid="policy-unscored-count">
                {valid ? preview.proposal.counts.unscored.toLocaleString() : '…'}
              </span>
              <span className="policy-count-label">unscored</span>
            </div>
            <div className="policy-count changes" title="Current decisions that applying the policy would change">
              <span className="policy-count-value" data-testid="policy-change-count">
                {valid && changes !== null ? changes.toLocaleString() : '…'}
              </span>
              <span className="policy-count-label">would change</span>
            </div>
          </>
        )}
      </div>
      {scoredCount === 0 && <p className="warn small">No sample is scored yet: score the dataset (Score…) to use the score-based policies.</p>}

      <div className="policy-actions">
        <button type="button" className="button primary" data-testid="policy-apply" disabled={!valid || busy || proposed === 0} onClick={() => void apply()}>
          Apply to all
        </button>
        <button
          type="button"
          className="button"
          data-testid="policy-review"
          disabled={!valid || busy || proposed === 0}
          onClick={() => {
            setMessage(null);
            const n = startReview(policy, onlyChanges);
            if (n === 0) setMessage('Nothing to review: every proposed sample already has the proposed decision.');
            else onClose();
          }}
        >
          Review one by one
        </button>
        <label className="check small" title="Leave out samples whose current decision already equals the proposal">
          <input type="checkbox" checked={onlyChanges} data-testid="policy-review-only-changes" onChange={(e) => setOnlyChanges(e.target.checked)} />
          only changes
        </label>
      </div>
      {applied && (
        <div className="policy-message small" data-testid="policy-applied">
          <span>
            Applied {POLICY_PRESETS[applied.policy.id].name}: {applied.keep.toLocaleString()} accepted, {applied.reject.toLocaleString()} rejected
            {applied.seq !== null ? ` (${applied.changed.toLocaleString()} decisions changed).` : ' (nothing changed).'}
          </span>
          {applied.seq !== null && (
            <button
              type="button"
              className="button"
              data-testid="policy-undo"
              disabled={!undoable}
              title={undoable ? 'Undo this step' : 'Other decisions were taken since: use the undo history'}
              onClick={() => {
                const name = POLICY_PRESETS[applied.policy.id].name;
                void undoApplied().then(() => setMessage(`Undone: ${name} is no longer applied.`));
              }}
            >
              Undo
            </button>
          )}
        </div>
      )}
      {message && (
        <p className="policy-message small" data-testid="policy-message">
          {message}
        </p>
      )}
      <p className="muted small policy-last" data-testid="policy-last">
        Last applied: {lastPolicy ? describePolicy(lastPolicy) : 'none'}
      </p>
    </div>
  );
}

/** A numeric input that lets the curator type freely ("0.", "") and reports NaN while the text is not a number. */
function NumberInput({ value, onChange, ...rest }: { value: number; onChange(v: number): void } & Omit<React.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  const [text, setText] = useState(String(value));
  useEffect(() => {
    if (Number(text) !== value) setText(Number.isFinite(value) ? String(value) : text);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  return (
    <input
      {...rest}
      type="number"
      inputMode="decimal"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(e.target.value.trim() === '' ? Number.NaN : Number(e.target.value));
      }}
    />
  );
}

function ParameterField({ param, policy, onChange }: { param: PolicyParameter; policy: Policy; onChange(key: string, value: unknown): void }) {
  const current = (policy as unknown as Record<string, unknown>)[param.key];
  switch (param.kind) {
    case 'number':
      return (
        <label className="policy-field" title={param.help}>
          <span>
            {param.label}
            {'unit' in param ? ` (${param.unit})` : ''}
          </span>
          <NumberInput
            data-testid={`policy-param-${param.key}`}
            min={param.min}
            max={param.max}
            step={param.step}
            value={typeof current === 'number' ? current : Number.NaN}
            onChange={(v) => onChange(param.key, v)}
          />
        </label>
      );
    case 'select':
      return (
        <label className="policy-field" title={param.help}>
          <span>{param.label}</span>
          <select data-testid={`policy-param-${param.key}`} value={String(current)} onChange={(e) => onChange(param.key, e.target.value)}>
            {param.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      );
    case 'boolean':
      return (
        <label className="policy-field check" title={param.help}>
          <input type="checkbox" data-testid={`policy-param-${param.key}`} checked={current === true} onChange={(e) => onChange(param.key, e.target.checked)} />
          <span>{param.label}</span>
        </label>
      );
    case 'rule':
      return <RuleField rule={typeof current === 'string' ? current : ''} help={param.help} onChange={(v) => onChange('rule', v)} />;
  }
}

/** The custom rule, with its syntax error (message and column, the offending spot marked in the text). */
function RuleField({ rule, help, onChange }: { rule: string; help: string; onChange(rule: string): void }) {
  let error: RuleSyntaxError | null = null;
  try {
    parseRule(rule);
  } catch (e) {
    if (e instanceof RuleSyntaxError) error = e;
  }
  const at = error ? Math.max(0, Math.min(rule.length, error.column - 1)) : 0;
  return (
    <div className="policy-rule">
      <label htmlFor="policy-rule-text" className="policy-rule-label">
        Rule
      </label>
      <textarea
        id="policy-rule-text"
        data-testid="policy-rule"
        spellCheck={false}
        rows={3}
        value={rule}
        aria-invalid={error !== null}
        onChange={(e) => onChange(e.target.value)}
      />
      {error && (
        <div className="policy-rule-error" role="alert" data-testid="policy-rule-error">
          <span className="error-text">
            Column {error.column}: {error.detail}
          </span>
          <pre className="policy-rule-where">
            {rule.slice(0, at)}
            <mark>{rule.slice(at, at + 1) || ' '}</mark>
            {rule.slice(at + 1)}
          </pre>
        </div>
      )}
      <p className="muted small">
        {help} instruction_length counts the instruction and its input (the table's Q len).
      </p>
    </div>
  );
}
