// Generates the binary e2e fixtures that are awkward to hand-write:
//   e2e/fixtures/alpaca.parquet    valid Parquet, 5 Alpaca rows
//   e2e/fixtures/truncated.parquet the same bytes cut to 60% (footer missing)
//   e2e/fixtures/binary.jsonl      64 bytes of binary noise with NULs
//   e2e/fixtures/latin1.csv        CSV encoded as Latin-1 (invalid UTF-8)
// Usage: node scripts/make-fixtures.mjs
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parquetWriteBuffer } from 'hyparquet-writer'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = join(root, 'e2e', 'fixtures')
mkdirSync(dir, { recursive: true })

const rows = [
  { instruction: 'What gas do plants absorb from the air for photosynthesis?', input: '', output: 'Carbon dioxide (CO2).' },
  { instruction: 'Reverse the order of the words.', input: 'parquet files are columnar', output: 'columnar are files parquet' },
  { instruction: 'How many seconds are in 2 hours?', input: '', output: '2 × 60 × 60 = 7,200 seconds.' },
  { instruction: 'Give a one-word summary of the review.', input: 'Loved every minute — the best concert I have been to in years.', output: 'Delighted' },
  { instruction: 'Name the author of "Don Quixote".', input: '', output: 'Miguel de Cervantes.' },
]

const buf = Buffer.from(parquetWriteBuffer({
  columnData: ['instruction', 'input', 'output'].map((name) => ({
    name,
    data: rows.map((r) => r[name]),
    type: 'STRING',
  })),
}))
writeFileSync(join(dir, 'alpaca.parquet'), buf)
writeFileSync(join(dir, 'truncated.parquet'), buf.subarray(0, Math.floor(buf.length * 0.6)))

// 64 deterministic bytes, NULs sprinkled throughout, plus 0xff (never valid UTF-8).
const bin = Buffer.alloc(64)
for (let i = 0; i < 64; i++) bin[i] = i % 4 === 0 ? 0x00 : (i * 37 + 11) & 0xff
bin[1] = 0x01; bin[2] = 0x02; bin[3] = 0xff
writeFileSync(join(dir, 'binary.jsonl'), bin)

// Latin-1: é = 0xE9, ü = 0xFC, ñ = 0xF1, ç = 0xE7 — each a lone byte, invalid as UTF-8.
const latin1 = [
  'question,answer,topic',
  'What is a café?,A small restaurant serving coffee and light meals.,food',
  'How do you say over in German?,über,language',
  'What is the Spanish word for year?,año,language',
  'Which letter is ç?,A c with a cedilla.,language',
].join('\n') + '\n'
writeFileSync(join(dir, 'latin1.csv'), Buffer.from(latin1, 'latin1'))

console.log(`alpaca.parquet ${buf.length} B, truncated.parquet ${Math.floor(buf.length * 0.6)} B, binary.jsonl 64 B, latin1.csv ${Buffer.byteLength(latin1, 'latin1')} B`)
