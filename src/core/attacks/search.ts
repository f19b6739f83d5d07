// PromptBench-style greedy search over an abstract AttackScorer, and the random baseline.
//
// Per sample (one AttackSession):
//   1. s(A|Q) of the original (opts.baseScore, or 1 query).
//   2. Word importance (once, shared by all word-level attacks): every attackable word is deleted
//      in turn and the deletions are scored in ONE batch; importance = s(A|Q without w) - s(A|Q).
//      At most maxRankedWords words are ranked (content words first, then longer, then earlier);
//      the rest follow in text order.
// Per word-level variant (greedy search):
//   3. Words in importance order; for each, the attack's candidates for that word are applied on
//      top of the edits kept so far and scored in one batch. The best candidate is kept only if it
//      raises s(A|Q') over the current best AND keeps cosine(Q', Q) >= similarityThreshold (the
//      next-best improving candidate is tried when the best fails the similarity check).
//   4. Stop when the edit budget (max(1, floor(maxEditFraction * words)), maxEdits) or the query
//      budget (queryBudget scored candidates) is reached, or the words run out.
//   5. If no edit raised the score, the variant falls back to the single-word candidate with the
//      highest score that passes the similarity constraint (improved = false).
// Per sentence-level / paraphrase variant:
//   candidates (seeded) are scored and embedded in one batch each; the highest-scoring one that
//   passes the similarity constraint wins; if none passes, the most similar is returned with
//   constraintsPassed = false.

import type { EditOp } from '../types.ts';
import {
  DEFAULT_MAX_EDIT_FRACTION,
  DEFAULT_MAX_RANKED_WORDS,
  DEFAULT_QUERY_BUDGET,
  DEFAULT_SIMILARITY_THRESHOLD,
  cosine,
  maxEditedWords,
} from './constraints.ts';
import { applyEdits, editsTouchProtected, shiftEdits } from './edits.ts';
import { makeRng, type Rng } from './prng.ts';
import { ATTACKS, attackAvailable, attackParams } from './registry.ts';
import { isStopword } from './stopwords.ts';
import { tokenize, type TokenizedInstruction, type WordToken } from './tokenize.ts';
import { charApplicable, charCandidates } from './transforms/char.ts';
import { paraphraseCandidates } from './transforms/model.ts';
import { checklistCandidates, distractorCandidates, stresstestCandidates } from './transforms/sentence.ts';
import { loadSynonymTable, readWord, synonymCandidates, type SynonymContext, type SynonymTable } from './transforms/synonym.ts';
import type { TextCandidate, WordCandidate } from './transforms/types.ts';
import type { AttackName, AttackParams, AttackScorer, AttackVariant, GenerateOptions, RandomOptions } from './types.ts';

export interface RankedWord {
  word: WordToken;
  /** s(A|Q without the word) - s(A|Q); -Infinity for words beyond maxRankedWords (not scored). */
  importance: number;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('Aborted', 'AbortError');
}

/** `text` without word `w` (and one neighbouring run of spaces). */
export function deleteWord(text: string, w: { start: number; end: number }): string {
  let { start, end } = w;
  const after = /^[ \t]+/.exec(text.slice(end));
  if (after) end += after[0].length;
  else {
    const before = /[ \t]+$/.exec(text.slice(0, start));
    if (before) start -= before[0].length;
  }
  return text.slice(0, start) + text.slice(end);
}

/** Neighbouring-word context of a word, for the synonym POS guess. */
export function wordContext(tok: TokenizedInstruction, w: WordToken): SynonymContext {
  const prev = tok.words[w.index - 1];
  const next = tok.words[w.index + 1];
  const gapBefore = prev ? tok.text.slice(prev.end, w.start) : '';
  const gapAfter = next ? tok.text.slice(w.end, next.start) : '';
  const sentenceStart = !prev || /[.!?:;\n]/.test(gapBefore);
  return {
    sentenceStart,
    ...(prev && !/[.!?:;\n]/.test(gapBefore) ? { prev: prev.text } : {}),
    ...(next && !/[.!?:;\n,]/.test(gapAfter) ? { next: next.text } : {}),
  };
}

interface ResolvedOptions {
  attacks: AttackName[];
  variants: number;
  seed: string;
  sampleId: string;
  queryBudget: number;
  maxEdits: number;
  maxRankedWords: number;
  similarityThreshold: number;
  baseScore: number | undefined;
  params: Partial<Record<AttackName, AttackParams>>;
  maxFailures: number;
}

function resolveOptions(opts: GenerateOptions, tok: TokenizedInstruction): ResolvedOptions {
  const unknown = opts.attacks.filter((a) => !Object.prototype.hasOwnProperty.call(ATTACKS, a));
  if (unknown.length > 0) throw new Error(`unknown attack(s): ${unknown.join(', ')}`);
  if (!Number.isInteger(opts.variants) || opts.variants < 0) throw new RangeError(`variants must be a non-negative integer, got ${opts.variants}`);
  const queryBudget = opts.queryBudget ?? DEFAULT_QUERY_BUDGET;
  if (!(queryBudget >= 1)) throw new RangeError(`queryBudget must be >= 1, got ${queryBudget}`);
  const similarityThreshold = opts.similarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD;
  if (!(similarityThreshold >= -1 && similarityThreshold <= 1)) {
    throw new RangeError(`similarityThreshold must be in [-1, 1], got ${similarityThreshold}`);
  }
  return {
    attacks: [...new Set(opts.attacks)],
    variants: opts.variants,
    seed: String(opts.seed),
    sampleId: opts.sampleId,
    queryBudget: Math.floor(queryBudget),
    maxEdits: maxEditedWords(tok.words.length, opts.maxEditFraction ?? DEFAULT_MAX_EDIT_FRACTION, opts.maxEdits),
    maxRankedWords: Math.max(0, Math.floor(opts.maxRankedWords ?? DEFAULT_MAX_RANKED_WORDS)),
    similarityThreshold,
    baseScore: opts.baseScore,
    params: opts.params ?? {},
    maxFailures: Math.max(1, Math.floor(opts.maxFailures ?? 3)),
  };
}

/** Shared per-sample state: base score, original embedding, word ranking, synonym table. */
export class AttackSession {
  readonly tok: TokenizedInstruction;
  readonly opts: ResolvedOptions;
  /** Queries spent on the base score (0 or 1) and on the ranking. */
  baseQueries = 0;
  rankQueries = 0;
  private base: Promise<number> | null = null;
  private origEmbedding: Promise<Float32Array> | null = null;
  private ranking: Promise<RankedWord[]> | null = null;
  private table: Promise<SynonymTable> | null = null;

  constructor(
    readonly instruction: string,
    options: GenerateOptions,
    readonly scorer: AttackScorer,
    readonly signal?: AbortSignal,
  ) {
    this.tok = tokenize(instruction);
    this.opts = resolveOptions(options, this.tok);
    if (options.synonyms) this.table = Promise.resolve(options.synonyms);
  }

  params(attack: AttackName): Required<AttackParams> {
    return attackParams(attack, this.opts.params[attack]);
  }

  rng(attack: AttackName, ...rest: (string | number)[]): Rng {
    return makeRng(this.opts.seed, this.opts.sampleId, attack, ...rest);
  }

  synonyms(): Promise<SynonymTable> {
    this.table ??= loadSynonymTable();
    return this.table;
  }

  /** Scores texts (validated: one finite-or-not number per text; non-finite reads as -Infinity). */
  async score(texts: string[]): Promise<number[]> {
    throwIfAborted(this.signal);
    if (texts.length === 0) return [];
    const r = await this.scorer.scoreInstructions(texts, this.signal);
    if (!Array.isArray(r) || r.length !== texts.length) {
      throw new Error(`AttackScorer.scoreInstructions returned ${Array.isArray(r) ? r.length : typeof r} scores for ${texts.length} candidates`);
    }
    return r.map((x) => (Number.isFinite(x) ? x : -Infinity));
  }

  baseScore(): Promise<number> {
    if (!this.base) {
      if (this.opts.baseScore !== undefined) this.base = Promise.resolve(this.opts.baseScore);
      else {
        this.baseQueries = 1;
        this.base = this.score([this.instruction]).then((r) => r[0] ?? -Infinity);
      }
    }
    return this.base;
  }

  /** cosine(embed(text), embed(original)) for each text. */
  async similarity(texts: string[]): Promise<number[]> {
    throwIfAborted(this.signal);
    if (texts.length === 0) return [];
    this.origEmbedding ??= this.scorer.embed([this.instruction]).then((e) => {
      const v = e[0];
      if (!v) throw new Error('AttackScorer.embed returned no embedding');
      return v;
    });
    const orig = await this.origEmbedding;
    const embs = await this.scorer.embed(texts);
    if (embs.length !== texts.length) throw new Error(`AttackScorer.embed returned ${embs.length} embeddings for ${texts.length} texts`);
    return embs.map((e) => cosine(orig, e));
  }

  /** Can `attack` change this word? (Pure and cheap; decides which words are ranked.) */
  applicable(attack: AttackName, w: WordToken, table: SynonymTable | null): boolean {
    if (w.protected) return false;
    switch (attack) {
      case 'synonym':
        return table !== null && readWord(w.text, table, wordContext(this.tok, w)) !== null;
      default:
        return ATTACKS[attack].search === 'word' && charApplicable(w.text, this.params(attack).ops);
    }
  }

  /** Word importance ranking for the union of words the session's word-level attacks can change. */
  rankWords(): Promise<RankedWord[]> {
    this.ranking ??= (async () => {
      const wordAttacks = this.opts.attacks.filter((a) => ATTACKS[a].search === 'word' && attackAvailable(a, this.scorer));
      const table = wordAttacks.includes('synonym') ? await this.synonyms() : null;
      const words = this.tok.words.filter((w) => wordAttacks.some((a) => this.applicable(a, w, table)));
      const cap = this.opts.maxRankedWords;
      const chosen =
        words.length <= cap
          ? words
          : words
              .slice()
              .sort(
                (a, b) =>
                  Number(isStopword(a.text)) - Number(isStopword(b.text)) || b.text.length - a.text.length || a.index - b.index,
              )
              .slice(0, cap);
      const chosenSet = new Set(chosen.map((w) => w.index));
      const base = await this.baseScore();
      const ordered = words.filter((w) => chosenSet.has(w.index));
      const scores = await this.score(ordered.map((w) => deleteWord(this.instruction, w)));
      this.rankQueries = ordered.length;
      const ranked: RankedWord[] = ordered.map((word, i) => ({ word, importance: (scores[i] ?? -Infinity) - base }));
      ranked.sort((a, b) => b.importance - a.importance || a.word.index - b.word.index);
      for (const w of words) if (!chosenSet.has(w.index)) ranked.push({ word: w, importance: -Infinity });
      return ranked;
    })();
    return this.ranking;
  }

  /** Candidates of a word-level attack for word `w`. */
  async wordCandidates(attack: AttackName, w: WordToken, rng: Rng): Promise<WordCandidate[]> {
    const p = this.params(attack);
    switch (attack) {
      case 'synonym':
        return synonymCandidates(w.text, await this.synonyms(), wordContext(this.tok, w), p.candidatesPerWord);
      default:
        return charCandidates(w.text, p.ops, rng, p.candidatesPerWord);
    }
  }

  /** Whole-instruction candidates of a sentence-level / paraphrase attack. */
  async textCandidates(attack: AttackName, rng: Rng): Promise<TextCandidate[]> {
    const p = this.params(attack);
    switch (attack) {
      case 'checklist':
        return checklistCandidates(this.instruction, rng, p.candidates, p.tokenLength);
      case 'stresstest':
        return stresstestCandidates(this.instruction, rng, p.candidates, p.maxRepeats);
      case 'distractor':
        return distractorCandidates(this.instruction, rng, p.candidates);
      case 'paraphrase':
        throwIfAborted(this.signal);
        return paraphraseCandidates(this.scorer, this.instruction, p.candidates, rng.u32());
      default:
        return [];
    }
  }
}

const editKey = (w: WordToken, c: WordCandidate): string => `${w.index}\u0000${c.text}`;

interface Outcome {
  variant: AttackVariant | null;
  /** Key of the first kept word edit (banned for this attack's later variants, so they differ). */
  firstKey: string | null;
}

function makeVariant(
  s: AttackSession,
  attack: AttackName,
  method: 'search' | 'random',
  text: string,
  edits: EditOp[],
  editedWords: number,
  similarity: number,
  score: number,
  base: number,
  ownQueries: number,
): AttackVariant {
  const info = ATTACKS[attack];
  return {
    attack,
    level: info.level,
    method,
    variant: 0,
    instruction: text,
    edits: edits.slice().sort((a, b) => a.start - b.start || a.end - b.end),
    editedWords,
    similarity,
    constraintsPassed: similarity >= s.opts.similarityThreshold && !editsTouchProtected(edits, s.tok.spans),
    queries: ownQueries + s.baseQueries + (info.search === 'word' ? s.rankQueries : 0),
    s_a_given_q: score,
    baseScore: base,
    improved: score > base,
  };
}

/** Greedy word-importance search for one variant of a word-level attack. */
export async function searchWordAttack(
  s: AttackSession,
  attack: AttackName,
  attempt: number,
  banned: ReadonlySet<string>,
  seen: ReadonlySet<string>,
): Promise<Outcome> {
  const { queryBudget, maxEdits, similarityThreshold } = s.opts;
  const rng = s.rng(attack, attempt);
  const base = await s.baseScore();
  const ranked = await s.rankWords();
  const table = attack === 'synonym' ? await s.synonyms() : null;
  const order = ranked.filter((r) => s.applicable(attack, r.word, table));

  let kept: EditOp[] = [];
  let current = base;
  let currentSim = 1;
  let edited = 0;
  let queries = 0;
  let firstKey: string | null = null;
  const pool: { text: string; edits: EditOp[]; score: number; key: string }[] = [];

  for (const { word } of order) {
    if (edited >= maxEdits || queries >= queryBudget) break;
    throwIfAborted(s.signal);
    const wordRng = rng.fork(word.index);
    const cands = (await s.wordCandidates(attack, word, wordRng))
      .filter((c) => c.text !== word.text && !banned.has(editKey(word, c)))
      .slice(0, queryBudget - queries);
    if (cands.length === 0) continue;
    const edits = cands.map((c) => [...kept, ...shiftEdits(c.ops, word.start)]);
    const texts = edits.map((e) => applyEdits(s.instruction, e));
    const scores = await s.score(texts);
    queries += texts.length;
    const byScore = scores.map((_, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
    if (edited === 0) {
      for (const i of byScore.slice(0, 2)) {
        const c = cands[i];
        if (c) pool.push({ text: texts[i] ?? '', edits: edits[i] ?? [], score: scores[i] ?? -Infinity, key: editKey(word, c) });
      }
    }
    const improving = byScore.filter((i) => (scores[i] ?? -Infinity) > current);
    if (improving.length === 0) continue;
    const sims = await s.similarity(improving.map((i) => texts[i] ?? ''));
    const j = sims.findIndex((sim) => sim >= similarityThreshold);
    const i = improving[j];
    if (j < 0 || i === undefined) continue;
    kept = edits[i] ?? kept;
    current = scores[i] ?? current;
    currentSim = sims[j] ?? currentSim;
    edited++;
    const c = cands[i];
    if (firstKey === null && c) firstKey = editKey(word, c);
  }

  if (edited > 0) {
    const text = applyEdits(s.instruction, kept);
    if (seen.has(text)) return { variant: null, firstKey };
    return { variant: makeVariant(s, attack, 'search', text, kept, edited, currentSim, current, base, queries), firstKey };
  }

  // nothing raised the score: the best-scoring single-word candidate that keeps the meaning
  const fallback = pool
    .filter((p) => !seen.has(p.text))
    .sort((a, b) => b.score - a.score)
    .slice(0, 8);
  if (fallback.length === 0) return { variant: null, firstKey: null };
  const sims = await s.similarity(fallback.map((p) => p.text));
  const j = sims.findIndex((sim) => sim >= similarityThreshold);
  const p = fallback[j];
  if (j < 0 || !p) return { variant: null, firstKey: fallback[0]?.key ?? null };
  return {
    variant: makeVariant(s, attack, 'search', p.text, p.edits, 1, sims[j] ?? 0, p.score, base, queries),
    firstKey: p.key,
  };
}

/** One variant of a sentence-level / paraphrase attack: best-scoring candidate that passes similarity. */
export async function searchTextAttack(
  s: AttackSession,
  attack: AttackName,
  attempt: number,
  seen: ReadonlySet<string>,
  method: 'search' | 'random' = 'search',
): Promise<AttackVariant | null> {
  const rng = s.rng(attack, method, attempt);
  const base = await s.baseScore();
  const uniq = new Set<string>();
  let cands = (await s.textCandidates(attack, rng)).filter((c) => {
    if (c.text === s.instruction || seen.has(c.text) || uniq.has(c.text) || editsTouchProtected(c.edits, s.tok.spans)) return false;
    uniq.add(c.text);
    return true;
  });
  // the random baseline scores one candidate (drawn at random) instead of searching
  if (method === 'random') cands = rng.shuffle(cands).slice(0, 1);
  cands = cands.slice(0, s.opts.queryBudget);
  if (cands.length === 0) return null;
  const texts = cands.map((c) => c.text);
  const scores = await s.score(texts);
  const sims = await s.similarity(texts);
  let best = -1;
  for (let i = 0; i < cands.length; i++) {
    if ((sims[i] ?? -Infinity) < s.opts.similarityThreshold) continue;
    if (best < 0 || (scores[i] ?? -Infinity) > (scores[best] ?? -Infinity)) best = i;
  }
  if (best < 0) {
    // none keeps the meaning: report the most similar, flagged
    best = 0;
    for (let i = 1; i < cands.length; i++) if ((sims[i] ?? -Infinity) > (sims[best] ?? -Infinity)) best = i;
  }
  const c = cands[best];
  if (!c) return null;
  return makeVariant(s, attack, method, c.text, c.edits, 0, sims[best] ?? 0, scores[best] ?? -Infinity, base, texts.length);
}

/** Random baseline for a word-level attack: the same perturbation at random words, same edit budget. */
export async function randomWordAttack(
  s: AttackSession,
  attack: AttackName,
  attempt: number,
  seen: ReadonlySet<string>,
  editCount: number,
  maxTries: number,
): Promise<AttackVariant | null> {
  const rng = s.rng(attack, 'random', attempt);
  const base = await s.baseScore();
  const table = attack === 'synonym' ? await s.synonyms() : null;
  const words = s.tok.words.filter((w) => s.applicable(attack, w, table));
  let best: { text: string; edits: EditOp[]; edited: number; sim: number } | null = null;
  for (let t = 0; t < maxTries; t++) {
    throwIfAborted(s.signal);
    let edits: EditOp[] = [];
    let edited = 0;
    for (const w of rng.shuffle(words)) {
      if (edited >= editCount) break;
      const c = rng.pick(await s.wordCandidates(attack, w, rng.fork(w.index)));
      if (!c || c.text === w.text) continue;
      edits = [...edits, ...shiftEdits(c.ops, w.start)];
      edited++;
    }
    if (edited === 0) break;
    const text = applyEdits(s.instruction, edits);
    if (seen.has(text)) continue;
    const [sim = 0] = await s.similarity([text]);
    if (!best || sim > best.sim) best = { text, edits, edited, sim };
    if (sim >= s.opts.similarityThreshold) break;
  }
  if (!best) return null;
  const [score = -Infinity] = await s.score([best.text]);
  return makeVariant(s, attack, 'random', best.text, best.edits, best.edited, best.sim, score, base, 1);
}

/**
 * Hands out K slots round-robin over the available attacks (in the order given): attack i of m
 * gets floor(K/m) variants, the first K mod m attacks one more. A failed attempt (no candidate, no
 * candidate passing the constraints, a duplicate of an earlier variant) is retried by the same
 * attack; an attack that has failed `maxFailures` times in all (or is unavailable: no paraphrase)
 * gets no more slots and its turns go to the others, so K distinct variants come back
 * unless every attack runs dry.
 */
async function allocate(
  s: AttackSession,
  run: (attack: AttackName, attempt: number, seen: ReadonlySet<string>, banned: Set<string>) => Promise<Outcome>,
): Promise<AttackVariant[]> {
  const out: AttackVariant[] = [];
  const seen = new Set<string>([s.instruction]);
  const active = s.opts.attacks.filter((a) => attackAvailable(a, s.scorer));
  const attempts = new Map<AttackName, number>();
  const failures = new Map<AttackName, number>();
  const produced = new Map<AttackName, number>();
  const banned = new Map<AttackName, Set<string>>();
  let turn = 0;
  while (out.length < s.opts.variants && active.length > 0) {
    throwIfAborted(s.signal);
    const attack = active[turn % active.length];
    if (!attack) break;
    const attempt = attempts.get(attack) ?? 0;
    attempts.set(attack, attempt + 1);
    const ban = banned.get(attack) ?? new Set<string>();
    banned.set(attack, ban);
    const { variant, firstKey } = await run(attack, attempt, seen, ban);
    if (firstKey) ban.add(firstKey);
    if (variant && !seen.has(variant.instruction)) {
      variant.variant = produced.get(attack) ?? 0;
      produced.set(attack, variant.variant + 1);
      seen.add(variant.instruction);
      out.push(variant);
      turn++;
    } else {
      // the same attack retries its slot (next attempt = another random stream, the failed first
      // edit banned) until it has failed maxFailures times; then its slots go to the others
      const f = (failures.get(attack) ?? 0) + 1;
      failures.set(attack, f);
      if (f >= s.opts.maxFailures) active.splice(turn % active.length, 1); // the next attack now sits at this index
    }
  }
  return out;
}

/**
 * K adversarial variants of `instruction` (the instruction only: the input/context and the
 * response are never passed in, so they cannot be touched), spread over `opts.attacks`.
 */
export async function generateVariants(
  instruction: string,
  opts: GenerateOptions,
  scorer: AttackScorer,
  signal?: AbortSignal,
): Promise<AttackVariant[]> {
  const s = new AttackSession(instruction, opts, scorer, signal);
  if (s.opts.variants === 0) return [];
  return allocate(s, async (attack, attempt, seen, banned) => {
    if (ATTACKS[attack].search === 'word') return searchWordAttack(s, attack, attempt, banned, seen);
    return { variant: await searchTextAttack(s, attack, attempt, seen), firstKey: null };
  });
}

/**
 * Random baseline: the same attacks and slot allocation as generateVariants, but each word-level
 * variant perturbs `editCount` (default: the edit budget) randomly chosen words with a randomly
 * chosen candidate (no ranking, no search; up to maxTries draws until one passes the similarity
 * constraint, else the most similar is reported); sentence-level variants take one random
 * candidate. Every variant costs 1 scorer query (plus the base score if not given).
 */
export async function randomVariants(
  instruction: string,
  opts: RandomOptions,
  scorer: AttackScorer,
  signal?: AbortSignal,
): Promise<AttackVariant[]> {
  const s = new AttackSession(instruction, opts, scorer, signal);
  if (s.opts.variants === 0) return [];
  const editCount = Math.max(1, Math.floor(opts.editCount ?? s.opts.maxEdits));
  const maxTries = Math.max(1, Math.floor(opts.maxTries ?? 5));
  return allocate(s, async (attack, attempt, seen) => {
    const variant =
      ATTACKS[attack].search === 'word'
        ? await randomWordAttack(s, attack, attempt, seen, editCount, maxTries)
        : await searchTextAttack(s, attack, attempt, seen, 'random');
    return { variant, firstKey: null };
  });
}
