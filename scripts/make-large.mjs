// Generates a large Alpaca-shaped JSONL file for the scale test.
// Usage: node scripts/make-large.mjs [OUT] [N]
//   OUT defaults to <tmpdir>/quarry-large.jsonl, N defaults to 100000.
// Records are ~1 KB on average (each line about 200–1800 bytes), deterministic
// (seeded PRNG), with the occasional multi-byte character, streamed to disk.
import { createWriteStream, statSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mulberry32 } from './prng.mjs'

const out = process.argv[2] || join(tmpdir(), 'quarry-large.jsonl')
const n = process.argv[3] ? Number.parseInt(process.argv[3], 10) : 100000
if (!Number.isFinite(n) || n < 0) {
  console.error('usage: node scripts/make-large.mjs [OUT] [N]')
  process.exit(1)
}

const { rand, pick, between } = mulberry32(0x5eed1234)

const WORDS = (
  'the a of and to in is that for it as with was on be by this are from or at an which ' +
  'data model river signal garden engine market planet answer question system value table ' +
  'process energy history language method result pattern network window theory example ' +
  'simple careful quickly rarely bright quiet complex useful ancient modern typical honest ' +
  'explain describe compare measure build collect observe predict improve reduce consider ' +
  'because however although therefore meanwhile instead perhaps usually often sometimes ' +
  'student teacher doctor farmer engineer writer city village ocean mountain forest winter ' +
  'summer morning evening number letter record sample batch column field format server'
).split(' ')
// Rare multi-byte words (2-, 3- and 4-byte UTF-8 sequences).
const RARE = ['café', 'naïve', 'Zürich', 'façade', '東京', 'données', 'año', '—', '→', '€5', '🙂', 'Ελλάδα']
const VERBS = ['Explain', 'Describe', 'Summarise', 'Compare', 'List', 'Write about', 'Classify', 'Rewrite']
const TOPICS = ['river systems', 'market signals', 'garden planning', 'network theory', 'ancient history',
  'energy storage', 'language models', 'winter farming', 'city transport', 'ocean currents']

const byteLen = (s) => Buffer.byteLength(s, 'utf8')
const WORD_BYTES = new Map([...WORDS, ...RARE].map((w) => [w, byteLen(w)]))

/** Build prose of roughly `bytes` UTF-8 bytes. */
function prose(bytes) {
  const parts = []
  let size = 0
  let sentence = 0
  while (size < bytes) {
    const base = rand() < 0.0005 ? pick(RARE) : pick(WORDS)
    const w = sentence === 0 ? base[0].toUpperCase() + base.slice(1) : base
    sentence++
    const end = sentence > 6 && rand() < 0.15
    if (end) sentence = 0
    const piece = (parts.length ? ' ' : '') + w + (end ? '.' : '')
    parts.push(piece)
    size += WORD_BYTES.get(base) + piece.length - w.length
  }
  return parts.join('') + (sentence ? '.' : '')
}

const JSON_OVERHEAD = '{"instruction":"","input":"","output":""}'.length + 1
const stream = createWriteStream(out)
const t0 = Date.now()
const BATCH = 1000
for (let i = 0; i < n; i += BATCH) {
  let chunk = ''
  for (let j = i; j < Math.min(n, i + BATCH); j++) {
    const target = between(200, 1785) - JSON_OVERHEAD
    const instruction = `${pick(VERBS)} ${pick(TOPICS)} (item ${j + 1}).`
    const withInput = rand() < 0.3
    let rest = Math.max(20, target - byteLen(instruction))
    let input = ''
    if (withInput) {
      const inBytes = Math.floor(rest * (0.2 + rand() * 0.3))
      input = prose(inBytes)
      rest = Math.max(20, rest - byteLen(input))
    }
    const output = prose(rest)
    chunk += JSON.stringify({ instruction, input, output }) + '\n'
  }
  if (!stream.write(chunk)) await once(stream, 'drain')
}
stream.end()
await once(stream, 'finish')
const size = statSync(out).size
console.log(`${out}: ${n} records, ${size} bytes (${(size / 1048576).toFixed(1)} MiB) in ${((Date.now() - t0) / 1000).toFixed(2)} s`)
