// Word-level synonym substitution from the compiled WordNet table (data/synonyms.json, built by
// scripts/build-synonyms.ts). The original's part of speech is guessed from the table (most frequent
// POS) and the neighbouring words; the synonym is re-inflected to the original's form and given
// its capitalisation: "Writes" -> "Composes", "stories" -> "tales", "bigger" -> "larger".

import { analyze, inflect, matchCase, type Pos, type WordForm } from '../inflect.ts';
import { isStopword } from '../stopwords.ts';
import type { WordCandidate } from './types.ts';

export interface SynonymEntry {
  pos: Pos;
  synonyms: string[];
}

export interface SynonymTable {
  /** Entries of a lemma (lower case), most frequent POS first; [] when unknown. */
  lookup(lemma: string): SynonymEntry[];
  has(lemma: string): boolean;
  readonly size: number;
}

/** The compiled table's JSON shape: `words[lemma] = "v:compose,pen|n:..."`. */
export interface SynonymTableJson {
  meta?: Record<string, unknown>;
  words: Record<string, string>;
}

export function parseSynonymTable(json: SynonymTableJson): SynonymTable {
  const raw = json.words;
  const cache = new Map<string, SynonymEntry[]>();
  const keys = Object.keys(raw);
  return {
    size: keys.length,
    has: (lemma) => Object.prototype.hasOwnProperty.call(raw, lemma),
    lookup(lemma) {
      const hit = cache.get(lemma);
      if (hit) return hit;
      const s = Object.prototype.hasOwnProperty.call(raw, lemma) ? raw[lemma] : undefined;
      const entries: SynonymEntry[] = [];
      for (const part of s ? s.split('|') : []) {
        const pos = part.charAt(0) as Pos;
        const list = part.slice(2);
        entries.push({ pos, synonyms: list.length > 0 ? list.split(',') : [] });
      }
      cache.set(lemma, entries);
      return entries;
    },
  };
}

let loaded: Promise<SynonymTable> | null = null;

/** The committed WordNet synonym table (lazily imported, so it is a separate chunk in the app). */
export function loadSynonymTable(): Promise<SynonymTable> {
  loaded ??= import('../data/synonyms.json').then((m) => parseSynonymTable((m.default ?? m) as SynonymTableJson));
  return loaded;
}

/** Neighbouring context used to guess the part of speech. */
export interface SynonymContext {
  /** The previous word (any case), if any. */
  prev?: string;
  /** The next word, if any. */
  next?: string;
  /** First word of the instruction or of a sentence/line (instructions usually start with a verb). */
  sentenceStart?: boolean;
}

const DETERMINERS = new Set(
  'a an the this that these those my your his her its our their each every some any no another which what whose'.split(' '),
);
const VERB_BEFORE = new Set(
  "to can could will would should must may might please do does did don't doesn't didn't let's not never always".split(' '),
);
const DEGREE = new Set('very too so quite rather extremely really more most less least how as'.split(' '));
const OBJECTS = new Set('a an the this that these those me it them us him her my your his our their some any all'.split(' '));

/** POS preference weights from context (higher = more likely). */
export function posHints(word: string, ctx: SynonymContext): Partial<Record<Pos, number>> {
  const h: Partial<Record<Pos, number>> = {};
  const bump = (p: Pos, w: number): void => {
    h[p] = (h[p] ?? 0) + w;
  };
  const prev = ctx.prev?.toLowerCase();
  const next = ctx.next?.toLowerCase();
  if (prev && DETERMINERS.has(prev)) {
    bump('n', 4);
    bump('a', 3);
  }
  if (prev && VERB_BEFORE.has(prev)) bump('v', 4);
  if (prev && DEGREE.has(prev)) {
    bump('a', 4);
    bump('r', 3);
  }
  if (ctx.sentenceStart) bump('v', 3);
  if (next && OBJECTS.has(next)) bump('v', 3);
  if (/ly$/i.test(word)) bump('r', 2);
  return h;
}

export interface SynonymReading {
  lemma: string;
  form: WordForm;
  pos: Pos;
  synonyms: string[];
}

/**
 * The most plausible (lemma, form, POS) reading of `word` that has synonyms in the table, or null.
 * Score: context hint weight + 1 for a literal (uninflected) reading + 1 for the lemma's most frequent
 * POS + 1.5 for an irregular-form reading ("found" is read as find+past, not the verb "found").
 */
export function readWord(word: string, table: SynonymTable, ctx: SynonymContext = {}): SynonymReading | null {
  if (isStopword(word) || !/^[\p{L}]+$/u.test(word)) return null;
  const hints = posHints(word, ctx);
  let best: { r: SynonymReading; score: number } | null = null;
  for (const a of analyze(word, (l) => table.has(l))) {
    const entries = table.lookup(a.lemma);
    entries.forEach((e, rank) => {
      if (!a.pos.includes(e.pos) || e.synonyms.length === 0) return;
      // only the dominant POS is used without a context hint pointing elsewhere
      const hint = hints[e.pos] ?? 0;
      if (rank > 0 && hint === 0) return;
      const score = hint + (a.form === 'base' ? 1 : 0) + (rank === 0 ? 1 : 0) + (a.irregular ? 1.5 : 0);
      if (!best || score > best.score) best = { r: { lemma: a.lemma, form: a.form, pos: e.pos, synonyms: e.synonyms }, score };
    });
  }
  return (best as { r: SynonymReading } | null)?.r ?? null;
}

/** Synonym replacements of `word`, re-inflected and case-matched, at most `max`. */
export function synonymCandidates(word: string, table: SynonymTable, ctx: SynonymContext = {}, max = 8): WordCandidate[] {
  const reading = readWord(word, table, ctx);
  if (!reading) return [];
  const out: WordCandidate[] = [];
  const seen = new Set<string>([word.toLowerCase()]);
  for (const syn of reading.synonyms) {
    if (out.length >= max) break;
    const inflected = inflect(syn, reading.form, reading.pos);
    if (!inflected || isStopword(inflected)) continue;
    const text = matchCase(inflected, word);
    if (seen.has(text.toLowerCase())) continue;
    seen.add(text.toLowerCase());
    out.push({ text, ops: [{ start: 0, end: word.length, before: word, after: text, op: 'synonym' }] });
  }
  return out;
}
