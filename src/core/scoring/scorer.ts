// The scoring pipeline (issue #3): render -> tokenize -> truncate -> batch -> forward -> metrics.
// Model-agnostic: everything model-specific is behind ScoringBackend (src/engine implements it).

import type { Sample, VariantScores } from '../types';
import type { PromptParts, RenderedText, Template } from '../templates';
import {
  alignResponseTokens,
  consistencyFromJs,
  cosine,
  jsDivergenceLog,
  logSoftmaxRow,
  mean,
  responseNlls,
  type ResponseTokens,
} from '../metrics';
import { emptyScores, sampleScores, variantScores } from '../metrics/aggregate';
import { packBatches, padBatch, truncateSample, type PlannedSequence } from './planner';
import {
  DEFAULT_SCORING_OPTIONS,
  type OutputEmbeddingInfo,
  type ScoreItem,
  type ScoreProgress,
  type ScoreResult,
  type ScoringBackend,
  type ScoringOptions,
  type TokenizedText,
  type VariantSpec,
} from './types';

export function abortError(): DOMException {
  return new DOMException('The operation was aborted.', 'AbortError');
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError();
}

/**
 * Lets queued events run (a worker's incoming 'cancel' message): inference resolves through
 * microtasks, which never give the event loop a turn. setImmediate in Node, a MessageChannel
 * round trip in browsers (no setTimeout clamping).
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

export function promptParts(sample: Sample, variant?: VariantSpec): PromptParts {
  return {
    instruction: variant ? variant.instruction : sample.instruction,
    input: variant?.input ?? sample.input,
    history: sample.history,
  };
}

/** The texts scored for one item: s(A), s(A|Q), s(A|Q'_k). */
export function renderItem(template: Template, item: ScoreItem): { answer: RenderedText; prompted: RenderedText; variants: RenderedText[] } {
  const { sample } = item;
  return {
    answer: template.answerOnly(sample.response),
    prompted: template.withPrompt(promptParts(sample), sample.response),
    variants: (item.variants ?? []).map((v) => template.withPrompt(promptParts(sample, v), sample.response)),
  };
}

interface ItemState {
  error?: string;
  truncated: boolean;
  sA: number | null;
  sAQ: number | null;
  sAQv: Array<number | null>;
  dist: Array<number | null>;
  embed: Array<number | null>;
  outputs?: OutputEmbeddingInfo;
  tokens: { prompted: number; answer: number; response: number };
}

/** Log-probabilities of the scored response positions of the s(A|Q) sequence, kept for JS. */
interface Reference {
  /** [rows, V] log-probs; row r is the prediction of response token firstK + r. */
  rows: Float32Array;
  firstK: number;
  tokens: ResponseTokens;
  pending: number;
}

function responseTokens(t: TokenizedText): ResponseTokens {
  return { ids: t.ids.slice(t.respStart, t.respEnd), spans: t.respSpans };
}

function nanToNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * Scores every item. Per-item failures (empty response, template error) give null scores and an
 * `error`; a model failure rejects. Results are in item order.
 */
export async function scoreItems(
  items: readonly ScoreItem[],
  template: Template,
  backend: ScoringBackend,
  options: Partial<ScoringOptions> = {},
  onProgress?: (p: ScoreProgress) => void,
  signal?: AbortSignal,
): Promise<ScoreResult[]> {
  const opts: ScoringOptions = { ...DEFAULT_SCORING_OPTIONS, ...options };
  const V = backend.vocabSize;
  const states: ItemState[] = items.map((it) => {
    const k = it.variants?.length ?? 0;
    return {
      truncated: false,
      sA: null,
      sAQ: null,
      sAQv: new Array<number | null>(k).fill(null),
      dist: new Array<number | null>(k).fill(null),
      embed: new Array<number | null>(k).fill(null),
      tokens: { prompted: 0, answer: 0, response: 0 },
    };
  });

  // 1. Render, tokenize, truncate.
  const seqs: PlannedSequence[] = [];
  const groups: number[][] = [];
  const wantDist = opts.distConsistency;
  items.forEach((item, i) => {
    const st = states[i]!;
    if ((i & 63) === 0) onProgress?.({ phase: 'tokenize', done: i, total: items.length });
    let toks: TokenizedText[];
    try {
      if (item.sample.response.length === 0) throw new Error('empty response');
      const r = renderItem(template, item);
      const raw = [r.answer, r.prompted, ...r.variants].map((t) => backend.tokenize(t, template.addSpecialTokens));
      if (raw.some((t) => t.respEnd <= t.respStart)) throw new Error('the response has no tokens');
      const tr = truncateSample(raw, opts.maxTokens);
      toks = tr.toks;
      st.truncated = tr.truncated;
    } catch (e) {
      st.error = e instanceof Error ? e.message : String(e);
      return;
    }
    const [answer, prompted, ...variants] = toks;
    st.tokens = { prompted: prompted!.ids.length, answer: answer!.ids.length, response: prompted!.respEnd - prompted!.respStart };
    const base = seqs.length;
    seqs.push({ item: i, kind: 'answer', variant: -1, tok: answer! });
    seqs.push({ item: i, kind: 'prompted', variant: -1, tok: prompted! });
    variants.forEach((tok, v) => seqs.push({ item: i, kind: 'variant', variant: v, tok }));
    groups.push([base]);
    // With distribution consistency, s(A|Q) and its s(A|Q') stay in order (the reference first).
    if (wantDist && variants.length > 0) groups.push([base + 1, ...variants.map((_, v) => base + 2 + v)]);
    else for (let s = base + 1; s < seqs.length; s++) groups.push([s]);
  });
  onProgress?.({ phase: 'tokenize', done: items.length, total: items.length });

  // 2. Batches, forward passes, per-sequence metrics.
  const lengths = seqs.map((s) => s.tok.ids.length);
  const batches = packBatches(lengths, groups, opts, V);
  const refs = new Map<number, Reference>();
  const scratch = new Float64Array(V);
  let done = 0;
  onProgress?.({ phase: 'score', done, total: seqs.length });
  for (const batch of batches) {
    await yieldToEventLoop();
    throwIfAborted(signal);
    const padded = padBatch(
      batch.map((s) => seqs[s]!.tok.ids),
      backend.padId,
    );
    const logits = await backend.forward(padded, signal);
    const T = padded.T;
    if (logits.length !== padded.B * T * V) throw new Error(`forward returned ${logits.length} logits, expected ${padded.B}x${T}x${V}`);
    batch.forEach((s, b) => {
      const seq = seqs[s]!;
      const st = states[seq.item]!;
      const t = seq.tok;
      const rowBase = b * T * V;
      const nll = responseNlls(logits, rowBase, V, t.ids, t.respStart, t.respEnd);
      const ce = nanToNull(mean(nll));
      if (seq.kind === 'answer') st.sA = ce;
      else if (seq.kind === 'prompted') {
        st.sAQ = ce;
        const nv = items[seq.item]!.variants?.length ?? 0;
        if (wantDist && nv > 0) {
          const firstJ = Math.max(1, t.respStart);
          const nRows = Math.max(0, t.respEnd - firstJ);
          const rows = new Float32Array(nRows * V);
          for (let r = 0; r < nRows; r++) logSoftmaxRow(logits, rowBase + (firstJ + r - 1) * V, V, rows.subarray(r * V, (r + 1) * V));
          refs.set(seq.item, { rows, firstK: firstJ - t.respStart, tokens: responseTokens(t), pending: nv });
        }
      } else {
        st.sAQv[seq.variant] = ce;
        const ref = refs.get(seq.item);
        if (ref) {
          const pairs = alignResponseTokens(ref.tokens, responseTokens(t));
          let js = 0;
          let n = 0;
          for (const [ka, kb] of pairs) {
            const ra = ka - ref.firstK;
            const jb = t.respStart + kb;
            if (ra < 0 || jb < 1) continue;
            logSoftmaxRow(logits, rowBase + (jb - 1) * V, V, scratch);
            js += jsDivergenceLog(ref.rows, ra * V, scratch, 0, V);
            n++;
          }
          st.dist[seq.variant] = n > 0 ? consistencyFromJs(js / n) : null;
          if (--ref.pending <= 0) refs.delete(seq.item);
        }
      }
    });
    done += batch.length;
    onProgress?.({ phase: 'score', done, total: seqs.length });
  }

  // 3. Output-embedding consistency (AIOEC): greedy outputs under Q and each Q', embedded.
  if (opts.embedConsistency && backend.generate && backend.embed) {
    await embedConsistency(items, states, template, backend, opts, onProgress, signal);
  }

  // 4. Aggregate.
  return items.map((item, i) => {
    const st = states[i]!;
    const res: ScoreResult = { id: item.sample.id, scores: emptyScores(), variants: [], truncated: st.truncated, tokens: st.tokens };
    const vs: VariantScores[] = (item.variants ?? []).map((v, k) =>
      variantScores(
        {
          attack: v.attack,
          instruction: v.instruction,
          sAGivenQ: st.sAQv[k] ?? null,
          distConsistency: st.dist[k] ?? null,
          embedConsistency: st.embed[k] ?? null,
          similarity: v.similarity,
          queries: v.queries,
          edits: v.edits,
        },
        st.sA,
      ),
    );
    res.variants = vs;
    if (st.error) {
      res.error = st.error;
      return res;
    }
    res.scores = sampleScores(st.sAQ, st.sA, vs);
    if (st.outputs) res.outputs = st.outputs;
    return res;
  });
}

async function embedConsistency(
  items: readonly ScoreItem[],
  states: ItemState[],
  template: Template,
  backend: ScoringBackend,
  opts: ScoringOptions,
  onProgress: ((p: ScoreProgress) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const generate = backend.generate!.bind(backend);
  const embed = backend.embed!.bind(backend);
  const todo = items.map((it, i) => ({ it, i })).filter(({ it, i }) => !states[i]!.error && (it.variants?.length ?? 0) > 0);
  const prompts: string[] = [];
  const owners: Array<{ i: number; k: number }> = [];
  for (const { it, i } of todo) {
    prompts.push(template.prompt(promptParts(it.sample)));
    owners.push({ i, k: -1 });
    it.variants!.forEach((v, k) => {
      prompts.push(template.prompt(promptParts(it.sample, v)));
      owners.push({ i, k });
    });
  }
  if (prompts.length === 0) return;
  const outputs: string[] = [];
  const chunk = Math.max(1, opts.maxBatch);
  for (let s = 0; s < prompts.length; s += chunk) {
    await yieldToEventLoop();
    throwIfAborted(signal);
    onProgress?.({ phase: 'generate', done: s, total: prompts.length });
    outputs.push(...(await generate(prompts.slice(s, s + chunk), opts.generateTokens, template.addSpecialTokens, signal)));
  }
  onProgress?.({ phase: 'generate', done: prompts.length, total: prompts.length });
  const texts = [...outputs, ...todo.map(({ it }) => it.sample.response)];
  const vecs: Float32Array[] = [];
  for (let s = 0; s < texts.length; s += 64) {
    await yieldToEventLoop();
    throwIfAborted(signal);
    onProgress?.({ phase: 'embed', done: s, total: texts.length });
    vecs.push(...(await embed(texts.slice(s, s + 64), signal)));
  }
  onProgress?.({ phase: 'embed', done: texts.length, total: texts.length });
  const byItem = new Map<number, { q: number; vs: number[] }>();
  owners.forEach(({ i, k }, idx) => {
    const e = byItem.get(i) ?? { q: -1, vs: [] };
    if (k < 0) e.q = idx;
    else e.vs[k] = idx;
    byItem.set(i, e);
  });
  todo.forEach(({ i }, t) => {
    const e = byItem.get(i)!;
    const st = states[i]!;
    const ref = vecs[outputs.length + t]!;
    const q = vecs[e.q]!;
    st.embed = e.vs.map((idx) => cosine(q, vecs[idx]!));
    st.outputs = {
      output: outputs[e.q]!,
      variantOutputs: e.vs.map((idx) => outputs[idx]!),
      refCosine: cosine(q, ref),
      variantRefCosines: e.vs.map((idx) => cosine(vecs[idx]!, ref)),
    };
  });
}
