// The inverse of the export's `quarry` object: a file that Quarry (or its CLI) wrote can be loaded
// again with its ids, scores, variants and decisions — e.g. shards scored offline with
// `npm run score -- --shard I/N`, concatenated, then curated in the browser.
import type { ScoreResult } from '../scoring/types';
import { SCORE_KEYS, type QuarryRecordMeta, type RawRecord, type SampleScores, type VariantScores } from '../types';

const isNum = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));

function readScores(v: unknown): SampleScores | null {
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const out = {} as SampleScores;
  for (const k of SCORE_KEYS) {
    const x = o[k] ?? null;
    if (!isNum(x)) return null;
    out[k] = x;
  }
  return out;
}

function readVariants(v: unknown): VariantScores[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (x): x is VariantScores =>
      x !== null && typeof x === 'object' && typeof (x as VariantScores).attack === 'string' && typeof (x as VariantScores).instruction === 'string',
  );
}

/**
 * Splits a record into the original record and the `quarry` metadata it carries, if that metadata
 * is well-formed (a string id at least). A malformed `quarry` value is left in the record untouched.
 */
export function splitQuarryMeta(record: RawRecord): { raw: RawRecord; meta: QuarryRecordMeta | null } {
  const q = record.quarry;
  if (q === null || typeof q !== 'object' || Array.isArray(q) || typeof (q as { id?: unknown }).id !== 'string') return { raw: record, meta: null };
  const o = q as Record<string, unknown>;
  const { quarry: _quarry, ...raw } = record;
  const decision = o.decision === 'accepted' || o.decision === 'rejected' ? o.decision : null;
  const meta: QuarryRecordMeta = {
    id: o.id as string,
    model: typeof o.model === 'string' ? o.model : null,
    template: typeof o.template === 'string' ? o.template : null,
    scores: readScores(o.scores),
    variants: readVariants(o.variants),
    decision,
  };
  if (o.truncated === true) meta.truncated = true;
  return { raw, meta };
}

/**
 * The stored score result of an imported `quarry` object that carries scores (null otherwise): its
 * scores, variants and truncation as they were, with the model and template it named (`origin`), so
 * that exporting it again writes the same `quarry` object (core/export `quarryMeta`). Token counts
 * are unknown (0). `id` is the sample's final id.
 */
export function importedResult(id: string, meta: QuarryRecordMeta): ScoreResult | null {
  if (!meta.scores) return null;
  return {
    id,
    scores: meta.scores,
    variants: meta.variants,
    truncated: meta.truncated === true,
    tokens: { prompted: 0, answer: 0, response: 0 },
    imported: true,
    origin: { model: meta.model, template: meta.template },
  };
}
