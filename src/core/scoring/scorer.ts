// The scoring pipeline: render -> tokenize -> truncate -> batch -> forward -> metrics.
// Model-agnostic: everything model-specific is behind ScoringBackend (src/engine implements it).

import type { Sample, VariantScores } from '../types';
import type { PromptParts, RenderedText, Template } from '../templates';
import { alignResponseTokens, consistencyFromJs, cosine, jsFromStats, refProbs, rowStats, type ResponseTokens, type RowStats } from '../metrics';
import { emptyScores, sampleScores, variantScores } from '../metrics/aggregate';
import {
  MIN_SHARED_PREFIX,
  commonPrefixLength,
  packBatches,
  padBatch,
  sharedPrefixLength,
  truncateSample,
  type PlannedSequence,
  type SharedPrefixInput,
} from './planner';
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

/** Next-token distributions at the scored response positions of the s(A|Q) sequence, kept for JS. */
interface Reference {
  /** [rows, V] probabilities (float32); row r is the prediction of response token firstK + r. */
  rows: Float32Array;
  /** Σ p log p of each row (over the stored float32 values). */
  plogp: Float64Array;
  firstK: number;
  tokens: ResponseTokens;
  pending: number;
}

function responseTokens(t: TokenizedText): ResponseTokens {
  return { ids: t.ids.slice(t.respStart, t.respEnd), spans: t.respSpans };
}

/**
 * Prefix caps for packing: per text, the first position whose logits are needed (max(1, respStart)
 * − 1), and at most the longest prefix it shares with another text of the request (its
 * neighbours in lexicographic order), so that a batch of one never turns its own prompt into a
 * cached prefix that nothing else would use.
 */
export function sharedPrefixInput(toks: readonly TokenizedText[]): SharedPrefixInput {
  const ids = toks.map((t) => t.ids);
  const order = ids.map((_, i) => i).sort((a, b) => compareIds(ids[a]!, ids[b]!) || a - b);
  const depth = new Array<number>(ids.length).fill(0);
  for (let k = 1; k < order.length; k++) {
    const a = order[k - 1]!;
    const b = order[k]!;
    const l = commonPrefixLength(ids[a]!, ids[b]!);
    depth[a] = Math.max(depth[a]!, l);
    depth[b] = Math.max(depth[b]!, l);
  }
  return { ids, caps: toks.map((t, i) => Math.min(Math.max(1, t.respStart) - 1, depth[i]!)) };
}

function compareIds(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The prefix a batch actually runs on: its rows' common prefix (length c), or the longest prefix
 * of it used by an earlier batch when that one is less than MIN_SHARED_PREFIX tokens shorter (a
 * few more shared tokens are not worth computing another prefix). Records what it picks.
 */
export function choosePrefix(ids: readonly number[], c: number, used: number[][]): number {
  if (c <= 0) return 0;
  let k = 0;
  for (const u of used) if (u.length <= c && u.length > k && commonPrefixLength(u, ids, u.length) === u.length) k = u.length;
  if (c - k < MIN_SHARED_PREFIX) return k;
  used.push(ids.slice(0, c));
  return c;
}

/** The logits of one batch, read row by row (the softmax and JS are done here, in JS). */
interface LogitsReader {
  /** Reads a row: returns −log p(target); with `dist`, keeps its distribution for storeRef / js. */
  read(row: number, target: number, dist: boolean): number;
  /** Stores the last read row's distribution at out[off ..] (float32); returns its Σ p log p. */
  storeRef(out: Float32Array, off: number): number;
  /** JS divergence (nats) between a stored reference row and the last read row. */
  js(ref: Float32Array, refOff: number, plogp: number): number;
}

function logitsReader(logits: Float32Array, V: number, exps: Float64Array): LogitsReader {
  let st: RowStats = { max: NaN, sum: NaN, wsum: NaN, lse: NaN };
  return {
    read(row, target, dist) {
      if (target < 0 || target >= V) throw new RangeError(`target id ${target} outside vocabulary of ${V}`);
      st = rowStats(logits, row * V, V, dist ? exps : undefined);
      return st.lse - logits[row * V + target]!;
    },
    storeRef: (out, off) => refProbs(exps, st, V, out, off),
    js: (ref, refOff, plogp) => jsFromStats(ref, refOff, plogp, exps, st, V),
  };
}

/** One batch's outputs: logits (read in JS), or log p(target) per row from the model. */
type BatchOutput = { kind: 'logits'; reader: LogitsReader } | { kind: 'targets'; logprob: Float32Array };

/**
 * For each response token kb of a variant's text, the row (0-based from the reference's first
 * scored row) of the reference s(A|Q) text that predicts the same response token; −1: not paired.
 */
function referenceRows(ref: { tokens: ResponseTokens; firstK: number }, t: TokenizedText): Int32Array {
  const refRow = new Int32Array(Math.max(0, t.respEnd - t.respStart)).fill(-1);
  for (const [ka, kb] of alignResponseTokens(ref.tokens, responseTokens(t))) refRow[kb] = ka - ref.firstK;
  return refRow;
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
    if (opts.naive) {
      // s(A|Q), s(A), then per variant s(A|Q') and s(A) again; run in this order, one per pass.
      seqs.push({ item: i, kind: 'prompted', variant: -1, tok: prompted! });
      seqs.push({ item: i, kind: 'answer', variant: -1, tok: answer! });
      variants.forEach((tok, v) => {
        seqs.push({ item: i, kind: 'variant', variant: v, tok });
        seqs.push({ item: i, kind: 'answer', variant: -1, tok: answer! });
      });
      return;
    }
    seqs.push({ item: i, kind: 'answer', variant: -1, tok: answer! });
    seqs.push({ item: i, kind: 'prompted', variant: -1, tok: prompted! });
    variants.forEach((tok, v) => seqs.push({ item: i, kind: 'variant', variant: v, tok }));
    groups.push([base]);
    // With distribution consistency, s(A|Q) and its s(A|Q') stay in order (the reference first).
    if (wantDist && variants.length > 0) groups.push([base + 1, ...variants.map((_, v) => base + 2 + v)]);
    else for (let s = base + 1; s < seqs.length; s++) groups.push([s]);
  });
  onProgress?.({ phase: 'tokenize', done: items.length, total: items.length });

  // 2. Batches. With a prefix-capable backend, the tokens the rows of a batch share (the template
  // header) are run once. A row gives up at most the tokens before its first needed logit row,
  // and only tokens it shares with some other text of the request (never its own whole prompt).
  const lengths = seqs.map((s) => s.tok.ids.length);
  const usePrefix = opts.prefixCache && !opts.naive && backend.prefixCache === true;
  const shared: SharedPrefixInput | undefined = usePrefix ? sharedPrefixInput(seqs.map((s) => s.tok)) : undefined;
  const selectRows = backend.logitRows === true && !opts.naive;
  const neededRows = selectRows ? seqs.map((s) => Math.max(0, s.tok.respEnd - Math.max(1, s.tok.respStart))) : undefined;
  const batches = opts.naive ? seqs.map((_, s) => [s]) : packBatches(lengths, groups, opts, V, shared, neededRows);
  const prefixes = new Array<number>(batches.length).fill(0);
  const usedPrefixes: number[][] = [];

  // 3. Forward passes and per-sequence metrics. With backend.overlap, the next batch's forward
  // pass is started before the metrics of the current one are computed (the GPU works while JS
  // does the metrics).
  const refs = new Map<number, Reference>();
  const exps = new Float64Array(V);
  // With backend.logitRows, only the rows predicting response tokens are computed: per batch row,
  // where its rows start in the returned [N, V] logits.
  const rowStarts: Int32Array[] = [];
  // A batch whose rows' distributions are not needed (the s(A) texts, or no distribution
  // consistency) asks the model for log p(target) per row (backend.forwardTargets): no logits
  // are copied out and no vocabulary-sized loop runs here.
  const canTarget = selectRows && typeof backend.forwardTargets === 'function';
  const firstRow = (t: TokenizedText) => Math.max(1, t.respStart);
  const needsDist = (s: number) => wantDist && seqs[s]!.kind !== 'answer' && (items[seqs[s]!.item]!.variants?.length ?? 0) > 0;

  const forwardBatch = (k: number): Promise<BatchOutput> => {
    const batch = batches[k]!;
    const P = shared ? choosePrefix(seqs[batch[0]!]!.tok.ids, sharedPrefixLength(batch, shared), usedPrefixes) : 0;
    prefixes[k] = P;
    const padded = padBatch(
      batch.map((s) => (P > 0 ? seqs[s]!.tok.ids.slice(P) : seqs[s]!.tok.ids)),
      backend.padId,
      P > 0 ? seqs[batch[0]!]!.tok.ids.slice(0, P) : undefined,
    );
    let expected = padded.B * padded.T;
    if (selectRows) {
      const starts = new Int32Array(batch.length);
      const rows: number[] = [];
      const targets: number[] = [];
      batch.forEach((s, b) => {
        const t = seqs[s]!.tok;
        starts[b] = rows.length;
        // token j is predicted by position j − 1, i.e. row j − 1 − P of this batch row
        for (let j = firstRow(t); j < t.respEnd; j++) {
          rows.push(b * padded.T + j - 1 - P);
          targets.push(t.ids[j]!);
        }
      });
      rowStarts[k] = starts;
      padded.logitRows = Int32Array.from(rows);
      expected = rows.length;
      if (canTarget && !batch.some(needsDist)) {
        for (const id of targets) if (id < 0 || id >= V) throw new RangeError(`target id ${id} outside vocabulary of ${V}`);
        const withRows = padded as typeof padded & { logitRows: Int32Array };
        return backend.forwardTargets!(withRows, Int32Array.from(targets), signal).then((logprob): BatchOutput => {
          if (logprob.length !== expected) throw new Error(`forward returned ${logprob.length} log-probabilities, expected ${expected}`);
          return { kind: 'targets', logprob };
        });
      }
    }
    return backend.forward(padded, signal).then((logits): BatchOutput => {
      if (logits.length !== expected * V) throw new Error(`forward returned ${logits.length} logits, expected ${expected}x${V}`);
      return { kind: 'logits', reader: logitsReader(logits, V, exps) };
    });
  };
  let done = 0;
  onProgress?.({ phase: 'score', done, total: seqs.length });
  let pending: Promise<BatchOutput> | null = null;
  // Only where the model runs off the JS thread's cores (a GPU): on a CPU the two compete.
  const overlap = !opts.naive && backend.overlap === true;
  for (let k = 0; k < batches.length; k++) {
    let output: BatchOutput;
    if (pending) {
      output = await pending;
      pending = null;
    } else {
      await yieldToEventLoop();
      throwIfAborted(signal);
      output = await forwardBatch(k);
    }
    if (overlap && k + 1 < batches.length) {
      await yieldToEventLoop();
      throwIfAborted(signal);
      pending = forwardBatch(k + 1);
      pending.catch(() => undefined); // handled when awaited
    }
    const batch = batches[k]!;
    const P = prefixes[k]!;
    const T = Math.max(1, ...batch.map((s) => lengths[s]! - P));
    batch.forEach((s, b) => {
      const seq = seqs[s]!;
      const st = states[seq.item]!;
      const t = seq.tok;
      const firstJ = firstRow(t);
      // the row (of this batch's output) that predicts token j of the sequence
      const sel = rowStarts[k];
      const rowOf = sel ? (j: number) => sel[b]! + j - firstJ : (j: number) => b * T + j - 1 - P;
      const nRows = Math.max(0, t.respEnd - firstJ);
      const mean = (sum: number) => (nRows > 0 ? nanToNull(sum / nRows) : null);
      if (output.kind === 'targets') {
        // no distributions needed in this batch (see canTarget): only the log-likelihood
        let sum = 0;
        for (let j = firstJ; j < t.respEnd; j++) sum -= output.logprob[rowOf(j)]!;
        if (seq.kind === 'answer') st.sA = mean(sum);
        else if (seq.kind === 'prompted') st.sAQ = mean(sum);
        else st.sAQv[seq.variant] = mean(sum);
        return;
      }
      const { reader } = output;
      let sum = 0;
      if (seq.kind === 'answer') {
        for (let j = firstJ; j < t.respEnd; j++) sum += reader.read(rowOf(j), t.ids[j]!, false);
        st.sA = mean(sum);
      } else if (seq.kind === 'prompted') {
        const keep = needsDist(s);
        const rows = keep ? new Float32Array(nRows * V) : null;
        const plogp = keep ? new Float64Array(nRows) : null;
        for (let j = firstJ; j < t.respEnd; j++) {
          sum += reader.read(rowOf(j), t.ids[j]!, keep);
          if (rows) plogp![j - firstJ] = reader.storeRef(rows, (j - firstJ) * V);
        }
        st.sAQ = mean(sum);
        const nv = items[seq.item]!.variants?.length ?? 0;
        if (rows) refs.set(seq.item, { rows, plogp: plogp!, firstK: firstJ - t.respStart, tokens: responseTokens(t), pending: nv });
      } else {
        const ref = refs.get(seq.item);
        const refRow = ref ? referenceRows(ref, t) : null;
        let js = 0;
        let nJs = 0;
        for (let j = firstJ; j < t.respEnd; j++) {
          const ra = refRow ? refRow[j - t.respStart]! : -1;
          sum += reader.read(rowOf(j), t.ids[j]!, ra >= 0);
          if (ra >= 0) {
            js += reader.js(ref!.rows, ra * V, ref!.plogp[ra]!);
            nJs++;
          }
        }
        st.sAQv[seq.variant] = mean(sum);
        if (ref) {
          st.dist[seq.variant] = nJs > 0 ? consistencyFromJs(js / nJs) : null;
          if (--ref.pending <= 0) refs.delete(seq.item);
        }
      }
    });
    done += batch.length;
    onProgress?.({ phase: 'score', done, total: seqs.length });
  }

  // 4. Output-embedding consistency (AIOEC): greedy outputs under Q and each Q', embedded.
  if (opts.embedConsistency && backend.generate && backend.embed) {
    await embedConsistency(items, states, template, backend, opts, onProgress, signal);
  }

  // 5. Aggregate.
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
