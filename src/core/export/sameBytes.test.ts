// The CLI (`npm run score`) and the app's JSONL export must write the same bytes for the same record,
// score result and decision. Both paths are built here from the functions they call: the CLI's
// `scoredRowsPart` over ingested rows; the app's ingest (`storedRecordOf`, stored in IndexedDB:
// structured clone) and export (`exportRow` per row, `jsonlPart` per chunk), as in data.worker.ts.
import { describe, expect, it } from 'vitest';
import { bytesSource, ingest, type IngestedRow } from '../ingest';
import { emptyScores } from '../metrics/aggregate';
import type { ScoreResult } from '../scoring/types';
import type { SampleScores } from '../types';
import { exportRow, jsonlPart, quarryMeta, scoredRowsPart, storedRecordOf, type ScoredWith } from './index';
import { importedResult } from './importMeta';

const RUN: ScoredWith = { model: 'llama2c-stories260K', template: 'alpaca' };

async function ingestText(name: string, text: string): Promise<IngestedRow[]> {
  const rows: IngestedRow[] = [];
  for await (const ev of ingest(bytesSource(name, new TextEncoder().encode(text)))) {
    if (ev.type === 'needs-mapping') throw new Error('needs mapping');
    if (ev.type === 'batch') {
      expect(ev.issues.filter((i) => i.severity !== 'warning')).toEqual([]);
      rows.push(...ev.rows);
    }
  }
  return rows;
}

function scores(ifd: number): SampleScores {
  return { ...emptyScores(), s_a_given_q: ifd * 2, s_a: 2, ifd };
}

/** The app's export of these rows: ingest stores them, a run stores their results, export reads both back. */
function appExport(rows: readonly IngestedRow[], results: readonly (ScoreResult | undefined)[], run: ScoredWith, chunk = 2): string {
  const stored = rows.map((row) => structuredClone({ sessionId: 's', index: row.sample.index, ...storedRecordOf(row) }));
  const kept = results.map((r) => (r ? structuredClone(r) : undefined));
  const parts: string[] = [];
  for (let start = 0; start < rows.length; start += chunk) {
    const batch = [];
    for (let i = start; i < Math.min(rows.length, start + chunk); i++) {
      batch.push(exportRow('jsonl', { id: rows[i]!.sample.id, stored: stored[i], result: kept[i], decision: 'undecided' }, run));
    }
    parts.push(jsonlPart(batch));
  }
  return parts.join('');
}

const JSONL = [
  // an integer beyond 2^53, key order and number spellings that parsing would change
  '{"instruction": "Count to ten.", "output": "1 2 3", "10": "ten", "id": 12345678901234567891, "f": 1.0}',
  // truncated
  '{"instruction": "Write a long story.", "output": "Once upon a time", "e": "\\u00e9"}',
  // an error result (scores null)
  '{"instruction": "Say nothing.", "output": "-"}',
  // a well-formed quarry member from an earlier export, in the middle of the record
  '{"instruction": "Again.", "quarry": {"id": "old-id", "model": "other", "template": "plain", "scores": null, "variants": [], "decision": "accepted"}, "output": "Yes."}',
  // a malformed quarry member (kept as data at ingest, replaced on export)
  '{"instruction": "Odd.", "quarry": 5, "output": "No."}',
].join('\n');

function resultsFor(rows: readonly IngestedRow[]): ScoreResult[] {
  const tokens = { prompted: 10, answer: 5, response: 4 };
  return rows.map((row, i) => {
    const base = { id: row.sample.id, tokens, truncated: false };
    if (i === 1) return { ...base, scores: scores(0.9), variants: [], truncated: true };
    if (i === 2) return { ...base, scores: emptyScores(), variants: [], error: 'the response is empty after the template' };
    if (i === 3) {
      const variant = { attack: 'checklist', instruction: 'Again. LkF0FZxMZ4', s_a_given_q: 1.4, aifd: 0.7, dist_consistency: 0.99, embed_consistency: null, similarity: 0.91, queries: 6, edits: [] };
      return { ...base, scores: { ...scores(0.5), aifd: 0.7, aifd_max: 0.7, aifd_min: 0.7, aifd_gap: 0.2, dist_consistency: 0.99 }, variants: [variant] };
    }
    return { ...base, scores: scores(0.25 * (i + 1)), variants: [] };
  });
}

describe('the CLI and the app export write the same bytes', () => {
  it('CLI scoredRowsPart === app export (exportRow + jsonlPart) for big integers, truncated, error, existing quarry members, no source text', async () => {
    const rows = await ingestText('in.jsonl', JSONL);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.rawText !== undefined)).toBe(true);
    const results = resultsFor(rows);
    const cli = scoredRowsPart(rows, results, RUN);
    expect(appExport(rows, results, RUN)).toBe(cli);

    const lines = cli.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe('');
    // the record's own bytes, then quarry last
    expect(lines[0]!.startsWith('{"instruction": "Count to ten.", "output": "1 2 3", "10": "ten", "id": 12345678901234567891, "f": 1.0,"quarry":{"id":')).toBe(true);
    expect(lines[1]).toContain('"e": "\\u00e9","quarry":');
    expect(lines[1]!.endsWith(',"decision":null,"truncated":true}}')).toBe(true);
    expect(JSON.parse(lines[2]!).quarry).toEqual({ id: rows[2]!.sample.id, model: RUN.model, template: RUN.template, scores: null, variants: [], decision: null });
    expect(lines[3]!.startsWith('{"instruction": "Again.", "output": "Yes.","quarry":{"id":"old-id","model":"llama2c-stories260K"')).toBe(true);
    expect(lines[4]!.startsWith('{"instruction": "Odd.", "output": "No.","quarry":{')).toBe(true);
    for (const line of lines.slice(0, 5)) {
      expect(Object.keys(JSON.parse(line).quarry as object)).toEqual(
        line.includes('"truncated"') ? ['id', 'model', 'template', 'scores', 'variants', 'decision', 'truncated'] : ['id', 'model', 'template', 'scores', 'variants', 'decision'],
      );
    }
  });

  it('records without source text (CSV), one of them with an integer beyond 2^53 and a quarry column', async () => {
    const rows = await ingestText('in.csv', 'instruction,quarry,output,n\nHello,5,World,12345678901234567891\n"Two, words",,"Re ""quoted""",-0.5\n');
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.rawText === undefined)).toBe(true);
    const results = resultsFor(rows);
    const cli = scoredRowsPart(rows, results, RUN);
    expect(appExport(rows, results, RUN, 1)).toBe(cli);
    // `quarry` replaces the CSV column and is the last member
    expect(cli.split('\n')[0]!.startsWith('{"instruction":"Hello","output":"World","n":"12345678901234567891","quarry":{"id":')).toBe(true);
  });

  it('a file the CLI wrote, loaded into the app and exported again, comes back byte for byte (scored records)', async () => {
    const rows = await ingestText('in.jsonl', JSONL);
    const results = resultsFor(rows);
    // the error record (index 2) has no scores: the app does not store a result for it, so it is left out here
    const keep = [0, 1, 3, 4];
    const cli = scoredRowsPart(keep.map((i) => rows[i]!), keep.map((i) => results[i]!), RUN);
    const loaded = await ingestText('scored.jsonl', cli);
    const imported = loaded.map((row) => importedResult(row.sample.id, row.meta!) ?? undefined);
    expect(imported.every((r) => r?.imported === true)).toBe(true);
    // the session's own run (if any) used another model: imported results keep the one they named
    expect(appExport(loaded, imported, { model: 'another-model', template: 'chat' })).toBe(cli);
  });

  it('quarryMeta: no result -> model, template and scores null; undecided -> null', () => {
    expect(quarryMeta({ id: 'x', ...RUN, result: undefined, decision: 'undecided' })).toEqual({ id: 'x', model: null, template: null, scores: null, variants: [], decision: null });
    const m = quarryMeta({ id: 'x', ...RUN, result: { id: 'x', scores: scores(1), variants: [], truncated: false, tokens: { prompted: 0, answer: 0, response: 0 } }, decision: 'rejected' });
    expect(m.decision).toBe('rejected');
    expect(m.model).toBe(RUN.model);
    expect('truncated' in m).toBe(false);
  });
});
