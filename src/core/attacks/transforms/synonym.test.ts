import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { STOPWORDS } from '../stopwords.ts';
import {
  loadSynonymTable,
  parseSynonymTable,
  posHints,
  readWord,
  synonymCandidates,
  type SynonymTable,
} from './synonym.ts';

const TABLE_PATH = fileURLToPath(new URL('../data/synonyms.json', import.meta.url));
let table: SynonymTable;
beforeAll(async () => {
  table = await loadSynonymTable();
});

const texts = (word: string, ctx = {}): string[] => synonymCandidates(word, table, ctx).map((c) => c.text);

describe('synonym table (compiled from WordNet)', () => {
  it('is compact and well-formed', () => {
    expect(statSync(TABLE_PATH).size).toBeLessThan(1.5 * 1024 * 1024);
    const json = JSON.parse(readFileSync(TABLE_PATH, 'utf8')) as { meta: Record<string, unknown>; words: Record<string, string> };
    expect(json.meta.generator).toBe('scripts/build-synonyms.ts');
    const entries = Object.entries(json.words);
    expect(entries.length).toBeGreaterThan(5000);
    expect(table.size).toBe(entries.length);
    for (const [w, s] of entries) {
      expect(w).toMatch(/^[a-z]{2,}$/);
      expect(STOPWORDS.has(w)).toBe(false);
      expect(s).toMatch(/^[nvar]:[a-z,]*(\|[nvar]:[a-z,]*)*$/);
      for (const part of s.split('|')) {
        const syns = part.slice(2).split(',').filter(Boolean);
        expect(syns.length).toBeLessThanOrEqual(8);
        expect(syns).not.toContain(w);
      }
    }
  });

  it('contains expected common synonyms', () => {
    expect(table.lookup('write')).toEqual([{ pos: 'v', synonyms: ['compose', 'pen'] }]);
    expect(table.lookup('story')[0]?.synonyms).toContain('tale');
    expect(table.lookup('large')[0]?.synonyms).toContain('big');
    expect(table.lookup('quickly')[0]?.synonyms).toContain('rapidly');
    expect(table.lookup('the')).toEqual([]);
    expect(table.has('constructor')).toBe(false);
    expect(table.lookup('constructor')).toEqual([]);
  });
});

describe('synonymCandidates', () => {
  it('re-inflects to the original form and keeps capitalisation', () => {
    expect(texts('Writes')).toEqual(['Composes', 'Pens']);
    expect(texts('stories', { prev: 'the' })).toContain('tales');
    expect(texts('writing', { next: 'a' })).toEqual(['composing', 'penning']);
    expect(texts('answers', { prev: 'the' })).toContain('replies');
    expect(texts('largest')).toContain('biggest');
    expect(texts('found')).toContain('discovered');
    expect(texts('QUICKLY')).toContain('RAPIDLY');
  });

  it('never substitutes stopwords, protected-looking or unknown words', () => {
    expect(texts('the')).toEqual([]);
    expect(texts('would')).toEqual([]);
    expect(texts('xqzt')).toEqual([]);
    expect(texts('v2')).toEqual([]);
  });

  it('ops replace the whole word', () => {
    for (const c of synonymCandidates('Writes', table)) {
      expect(c.ops).toEqual([{ start: 0, end: 6, before: 'Writes', after: c.text, op: 'synonym' }]);
    }
  });

  it('uses the context to choose the part of speech', () => {
    // "answer" is both a verb and a noun
    const asNoun = readWord('answer', table, { prev: 'the' });
    const asVerb = readWord('answer', table, { prev: 'to' });
    expect(asNoun?.pos).toBe('n');
    expect(asVerb?.pos).toBe('v');
    expect(posHints('x', { sentenceStart: true }).v).toBeGreaterThan(0);
    expect(posHints('slowly', {}).r).toBeGreaterThan(0);
  });

  it('with no hint only the dominant part of speech is used', () => {
    const t = parseSynonymTable({ words: { essay: 'n:|v:try,attempt' } });
    expect(synonymCandidates('essay', t)).toEqual([]);
    expect(synonymCandidates('essay', t, { prev: 'to' }).map((c) => c.text)).toEqual(['try', 'attempt']);
  });
});
