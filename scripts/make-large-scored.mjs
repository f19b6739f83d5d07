// Generates an Alpaca-shaped JSONL file whose records carry a `quarry` object, exactly as Quarry's
// JSONL export (and the scoring CLI) write it: id, model, template, scores, variants, decision.
// Loading it gives a scored dataset without running a model (charts, score filters, scale tests).
// Usage: node scripts/make-large-scored.mjs [OUT] [N] [VARIANTS]
//   OUT defaults to <tmpdir>/quarry-large-scored.jsonl, N to 100000; VARIANTS fixes the number of
//   variants per sample (default: 2 or 3). Deterministic (seeded PRNG), streamed to disk.
// The numbers are plausible, not real: s(A) in [0.5, 4], IFD in [0.3, 1.4] (a few above 1), AIFD
// mostly ≥ IFD − 0.05 with a per-attack rise (textbugger hurts most, checklist least), consistencies
// in [0.6, 1] falling as the gap grows; ~2% of records are unscored, ~12% accepted, ~6% rejected.
import { createWriteStream, statSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mulberry32 } from './prng.mjs'

const out = process.argv[2] || join(tmpdir(), 'quarry-large-scored.jsonl')
const n = process.argv[3] ? Number.parseInt(process.argv[3], 10) : 100000
const fixedVariants = process.argv[4] ? Number.parseInt(process.argv[4], 10) : null
if (!Number.isFinite(n) || n < 0 || (fixedVariants !== null && !(fixedVariants >= 0))) {
  console.error('usage: node scripts/make-large-scored.mjs [OUT] [N] [VARIANTS]')
  process.exit(1)
}

const { rand, pick, between } = mulberry32(0x5c07ed)
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v))
/** Approximately normal (Irwin–Hall of 4). */
const gauss = () => (rand() + rand() + rand() + rand() - 2) * 1.732
const r4 = (v) => Math.round(v * 1e4) / 1e4

const WORDS = (
  'the a of and to in is that for it as with was on be by this are from or at an which ' +
  'data model river signal garden engine market planet answer question system value table ' +
  'process energy history language method result pattern network window theory example ' +
  'simple careful quickly rarely bright quiet complex useful ancient modern typical honest ' +
  'explain describe compare measure build collect observe predict improve reduce consider ' +
  'student teacher doctor farmer engineer writer city village ocean mountain forest winter'
).split(' ')
const VERBS = ['Explain', 'Describe', 'Summarise', 'Compare', 'List', 'Write about', 'Classify', 'Rewrite']
const TOPICS = ['river systems', 'market signals', 'garden planning', 'network theory', 'ancient history',
  'energy storage', 'language models', 'winter farming', 'city transport', 'ocean currents']
const SYNONYMS = { Explain: 'Clarify', Describe: 'Portray', Summarise: 'Condense', Compare: 'Contrast', List: 'Enumerate',
  'Write about': 'Discuss', Classify: 'Categorise', Rewrite: 'Rephrase' }

// Attack name → mean AIFD rise and its spread.
const ATTACKS = [
  ['textbugger', 0.14, 0.06],
  ['deepwordbug', 0.09, 0.05],
  ['synonym', 0.05, 0.04],
  ['checklist', 0.02, 0.03],
]

function prose(words) {
  const parts = []
  for (let i = 0; i < words; i++) {
    const w = pick(WORDS)
    parts.push(i === 0 ? w[0].toUpperCase() + w.slice(1) : w)
  }
  return parts.join(' ') + '.'
}

function perturb(attack, verb, rest) {
  switch (attack) {
    case 'textbugger': {
      const i = 1 + ((rand() * (verb.length - 2)) | 0)
      return `${verb.slice(0, i)}${verb[i + 1] ?? ''}${verb[i]}${verb.slice(i + 2)} ${rest}`
    }
    case 'deepwordbug':
      return `${verb} ${rest.replace(/[aeiou]/, (c) => c.toUpperCase())}`
    case 'synonym':
      return `${SYNONYMS[verb] ?? verb} ${rest}`
    default:
      return `${verb} ${rest} Answer briefly.`
  }
}

/** A distinct 8-hex id per index (multiplication by an odd constant is a bijection mod 2^32). */
const idOf = (i) => (Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')

function quarry(i, verb, rest) {
  const id = idOf(i)
  const u = rand()
  const decision = u < 0.12 ? 'accepted' : u < 0.18 ? 'rejected' : null
  if (rand() < 0.02) return { id, model: 'HuggingFaceTB/SmolLM2-135M-Instruct', template: 'alpaca', scores: null, variants: [], decision }
  const sA = 0.5 + 3.5 * rand() ** 1.3
  const ifd = clamp(0.78 + 0.17 * gauss() + (rand() < 0.06 ? 0.35 * rand() : 0), 0.3, 1.4)
  const k = fixedVariants ?? (rand() < 0.5 ? 2 : 3)
  const variants = []
  for (let v = 0; v < k; v++) {
    const [attack, rise, spread] = ATTACKS[(i + v) % ATTACKS.length]
    const aifd = clamp(ifd + rise + spread * gauss(), ifd - 0.08, 1.8)
    const dist = clamp(1 - 1.2 * Math.max(0, aifd - ifd) - 0.12 * rand() ** 2, 0.6, 1)
    const embed = clamp(dist - 0.05 + 0.1 * rand(), 0.5, 1)
    variants.push({
      attack,
      instruction: perturb(attack, verb, rest),
      s_a_given_q: r4(aifd * sA),
      aifd: r4(aifd),
      dist_consistency: r4(dist),
      embed_consistency: r4(embed),
      similarity: r4(0.8 + 0.2 * rand()),
    })
  }
  const mean = (key) => (variants.length ? r4(variants.reduce((s, x) => s + x[key], 0) / variants.length) : null)
  const aifd = mean('aifd')
  const scores = {
    s_a_given_q: r4(ifd * sA),
    s_a: r4(sA),
    ifd: r4(ifd),
    aifd,
    aifd_max: variants.length ? Math.max(...variants.map((x) => x.aifd)) : null,
    aifd_min: variants.length ? Math.min(...variants.map((x) => x.aifd)) : null,
    aifd_gap: aifd === null ? null : r4(aifd - r4(ifd)),
    dist_consistency: mean('dist_consistency'),
    embed_consistency: mean('embed_consistency'),
  }
  return { id, model: 'HuggingFaceTB/SmolLM2-135M-Instruct', template: 'alpaca', scores, variants, decision }
}

const stream = createWriteStream(out)
const t0 = Date.now()
const BATCH = 1000
for (let i = 0; i < n; i += BATCH) {
  let chunk = ''
  for (let j = i; j < Math.min(n, i + BATCH); j++) {
    const verb = pick(VERBS)
    const rest = `${pick(TOPICS)} (item ${j + 1}).`
    const instruction = `${verb} ${rest}`
    const input = rand() < 0.3 ? prose(between(8, 40)) : ''
    const output = prose(between(15, 90))
    chunk += JSON.stringify({ instruction, input, output, quarry: quarry(j, verb, rest) }) + '\n'
  }
  if (!stream.write(chunk)) await once(stream, 'drain')
}
stream.end()
await once(stream, 'finish')
const size = statSync(out).size
console.log(`${out}: ${n} scored records, ${size} bytes (${(size / 1048576).toFixed(1)} MiB) in ${((Date.now() - t0) / 1000).toFixed(2)} s`)
