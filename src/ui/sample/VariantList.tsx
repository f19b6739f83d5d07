import { useMemo } from 'react';
import type { OutputEmbeddingInfo } from '../../core/scoring/types';
import type { EditOp, VariantScores } from '../../core/types';
import { useDatasetStore } from '../../state/datasetStore';
import { useScoreStore } from '../../state/scoreStore';
import { formatScore } from '../table/SampleTable';
import { codePointLabel, describeChar, diffInstruction, type DiffSpan, type InstructionDiff } from './variantDiff';
import './variants.css';

/** Edits listed under a diff; the rest are summarised. */
const MAX_EDITS_SHOWN = 12;

interface Ranked {
  variant: VariantScores;
  /** Position in ScoreResult.variants (and in outputs.variantOutputs). */
  index: number;
  diff: InstructionDiff;
}

/** Most damaging first: AIFD descending, variants without an AIFD last, ties in their original order. */
function byAifdDesc(a: Ranked, b: Ranked): number {
  const x = a.variant.aifd;
  const y = b.variant.aifd;
  const mx = x === null || !Number.isFinite(x);
  const my = y === null || !Number.isFinite(y);
  if (mx || my) return mx && my ? a.index - b.index : mx ? 1 : -1;
  return y! - x! || a.index - b.index;
}

/**
 * The adversarial variants of a sample beside its original instruction: a word- and
 * character-level diff (homoglyphs and invisible characters outlined, code points in tooltips),
 * the attack, similarity and per-variant scores, and — when outputs were generated — the model's
 * output under Q beside its output under each Q'. All text is rendered as text nodes.
 */
export function VariantList({ sampleId }: { sampleId: string }) {
  const result = useScoreStore((s) => s.results.get(sampleId));
  const sample = useDatasetStore((s) => s.samples.find((x) => x.id === sampleId));
  const instruction = sample?.instruction ?? '';
  const ranked = useMemo(
    () =>
      (result?.variants ?? [])
        .map((variant, index) => ({ variant, index, diff: diffInstruction(instruction, variant.instruction) }))
        .sort(byAifdDesc),
    [result, instruction],
  );
  if (!result || !sample) return null;
  if (ranked.length === 0) {
    return (
      <section className="vl" data-testid="variant-list">
        <h3>Adversarial variants</h3>
        <p className="muted small">None: score with prompt attacks to see how rewritten instructions change the scores.</p>
      </section>
    );
  }
  const outputs = result.outputs;
  return (
    <section className="vl" data-testid="variant-list">
      <h3>
        Adversarial variants ({ranked.length}) <span className="vl-sub">most damaging first (AIFD ↓)</span>
      </h3>
      <div className="vl-legend muted small">
        <span className="vl-del">removed</span> <span className="vl-ins">inserted</span>{' '}
        <span className="vl-ins vl-special">а</span> look-alike or invisible character (hover for its code point)
      </div>
      {outputs && <ReferenceOutputs response={sample.response} outputs={outputs} />}
      <ol className="vl-cards">
        {ranked.map((r, rank) => (
          <VariantCard key={r.index} rank={rank + 1} ranked={r} ifd={result.scores.ifd} outputs={outputs} />
        ))}
      </ol>
    </section>
  );
}

function Metric({ label, value, hint, testId, hot }: { label: string; value: string; hint: string; testId?: string; hot?: boolean }) {
  return (
    <div className={`vl-metric ${hot ? 'hot' : ''}`} title={hint}>
      <span className="vl-metric-label">{label}</span>
      <span className="vl-metric-value" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

function VariantCard({ rank, ranked, ifd, outputs }: { rank: number; ranked: Ranked; ifd: number | null; outputs: OutputEmbeddingInfo | undefined }) {
  const { variant: v, index, diff } = ranked;
  const delta = v.aifd !== null && ifd !== null ? v.aifd - ifd : null;
  const variantOutput = outputs?.variantOutputs[index];
  return (
    <li className={`vl-card ${v.aifd !== null && v.aifd >= 1 ? 'vl-hot' : ''}`} data-testid="variant-card" data-variant-index={index}>
      <div className="vl-card-head">
        <span className="vl-rank">#{rank}</span>
        <span className="vl-attack" data-testid="variant-attack">
          {v.attack}
        </span>
        {v.similarity !== undefined && v.similarity !== null && (
          <span className="muted small" title="Cosine similarity of the sentence embeddings of Q and Q' (meaning preserved)">
            similarity {formatScore(v.similarity, 3)}
          </span>
        )}
        {v.queries !== undefined && <span className="muted small" title="Candidate instructions scored by the attack search">{v.queries} queries</span>}
        <span className="vl-change muted small">
          −{diff.removed} / +{diff.inserted} chars
        </span>
      </div>
      <div className="vl-metrics">
        <Metric
          label="AIFD"
          value={formatScore(v.aifd, 4)}
          hint="s(A|Q') / s(A): at 1 or above, the rewritten instruction no longer helps the model"
          testId="variant-aifd"
          hot={v.aifd !== null && v.aifd >= 1}
        />
        <Metric label="Δ IFD" value={delta === null ? '—' : `${delta >= 0 ? '+' : ''}${delta.toFixed(4)}`} hint="AIFD of this variant minus the sample's IFD" />
        <Metric label="s(A|Q')" value={formatScore(v.s_a_given_q, 4)} hint="Mean cross-entropy of the response given the rewritten instruction" />
        <Metric label="Dist. cons." value={formatScore(v.dist_consistency, 4)} hint="Distribution consistency: 1 − JS/ln 2 between the next-token distributions under Q and Q'" />
        <Metric label="Output cons." value={formatScore(v.embed_consistency, 4)} hint="Output consistency: cosine of the embeddings of the greedy outputs under Q and Q'" />
      </div>
      <div className="vl-diff" data-testid="variant-diff">
        <div className="vl-side">
          <div className="vl-side-label">Original Q</div>
          <pre className="vl-text" data-testid="variant-diff-original">
            <Spans spans={diff.original} />
          </pre>
        </div>
        <div className="vl-side">
          <div className="vl-side-label">Variant Q′</div>
          <pre className="vl-text" data-testid="variant-diff-variant">
            <Spans spans={diff.variant} />
          </pre>
        </div>
      </div>
      {v.edits && v.edits.length > 0 && <EditList edits={v.edits} />}
      {outputs && variantOutput !== undefined && (
        <div className="vl-outputs" data-testid="variant-outputs">
          <div className="vl-side">
            <div className="vl-side-label">
              Output under Q <span className="muted"> · cos to A {formatScore(outputs.refCosine, 3)}</span>
            </div>
            <pre className="vl-text">{outputs.output}</pre>
          </div>
          <div className="vl-side">
            <div className="vl-side-label">
              Output under Q′ <span className="muted"> · cos to A {formatScore(outputs.variantRefCosines[index], 3)}</span>
            </div>
            <pre className="vl-text" data-testid="variant-output">{variantOutput}</pre>
          </div>
        </div>
      )}
    </li>
  );
}

function Spans({ spans }: { spans: DiffSpan[] }) {
  return (
    <>
      {spans.map((s, i) => {
        const cls = `vl-${s.kind}${s.special ? ' vl-special' : ''}`;
        if (s.kind === 'del')
          return (
            <del key={i} className={cls} title={s.title}>
              {s.text}
            </del>
          );
        if (s.kind === 'ins')
          return (
            <ins key={i} className={cls} title={s.title}>
              {s.text}
            </ins>
          );
        if (s.kind === 'ctx' || s.special)
          return (
            <span key={i} className={cls} title={s.title}>
              {s.text}
            </span>
          );
        return s.text;
      })}
    </>
  );
}

/** A short, readable form of an edit's text: invisible characters named, non-ASCII ones with their code point, newlines shown. */
function visible(text: string): string {
  if (text === '') return '∅';
  const chars = Array.from(text);
  const short = chars.length <= 3;
  return chars
    .map((ch) => {
      if (/^[\p{Cf}\p{Mn}\p{Me}]$/u.test(ch)) return `⟨${codePointLabel(ch)}⟩`;
      if (ch === '\n') return '⏎';
      return short && (ch.codePointAt(0) ?? 0) > 0x7e ? `${ch} (${codePointLabel(ch)})` : ch;
    })
    .join('');
}

function EditList({ edits }: { edits: EditOp[] }) {
  const shown = edits.slice(0, MAX_EDITS_SHOWN);
  return (
    <ul className="vl-edits" aria-label="Edits" data-testid="variant-edits">
      {shown.map((e, i) => {
        const codes = Array.from(e.after).filter((ch) => (ch.codePointAt(0) ?? 0) > 0x7e);
        const title = `${e.op} at characters ${e.start}–${e.end} of the original${codes.length ? ` · ${codes.map(describeChar).join(', ')}` : ''}`;
        return (
          <li key={i} className="vl-edit" title={title}>
            <span className="vl-edit-op">{e.op}</span> <span className="vl-del">{visible(e.before)}</span> → <span className="vl-ins">{visible(e.after)}</span>
          </li>
        );
      })}
      {edits.length > shown.length && <li className="vl-edit muted">+{edits.length - shown.length} more</li>}
    </ul>
  );
}

/** The reference response beside the model's own greedy output under the original instruction. */
function ReferenceOutputs({ response, outputs }: { response: string; outputs: OutputEmbeddingInfo }) {
  return (
    <div className="vl-outputs vl-reference" data-testid="variant-reference-outputs">
      <div className="vl-side">
        <div className="vl-side-label">Response A (reference)</div>
        <pre className="vl-text vl-clamp">{response}</pre>
      </div>
      <div className="vl-side">
        <div className="vl-side-label">
          Model output under Q <span className="muted"> · cos to A {formatScore(outputs.refCosine, 3)}</span>
        </div>
        <pre className="vl-text vl-clamp">{outputs.output}</pre>
      </div>
    </div>
  );
}
