/// <reference lib="webworker" />
import Dexie from 'dexie';
import { blobSource, ingest } from '../core/ingest';
import { csvHeader, csvHeaderLine, csvPart, CSV_EOL, exportRow, jsonlPart, recordOf, storedRecordOf, type ExportRow, type ScoredWith } from '../core/export';
import { importedResult } from '../core/export/importMeta';
import { toParquet } from '../core/export/parquet';
import { summaryMarkdown } from '../core/export/summary';
import { isTemplateName } from '../core/templates';
import type { Decision, SampleScores } from '../core/types';
import { serveRpc } from '../lib/workerRpc';
import { DEFAULT_HUB, DEFAULT_SCORING } from '../core/scoringConfig';
import { DEFAULT_VIEW } from '../core/view';
import { getDb, type SessionRecord, type StoredDecision, type StoredRaw, type StoredSample, type StoredScore } from '../persist/db';
import type { DataApi, ExportWhich } from './dataApi';

declare const self: DedicatedWorkerGlobalScope;

const READ_CHUNK = 5000;

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
}

/** Reads a session's samples in primary-key order, chunk by chunk. */
async function* readSamples(sessionId: string): AsyncGenerator<StoredSample[]> {
  const db = getDb();
  let next = 0;
  for (;;) {
    const chunk = await db.samples.where('[sessionId+index]').between([sessionId, next], [sessionId, Dexie.maxKey]).limit(READ_CHUNK).toArray();
    if (chunk.length === 0) return;
    yield chunk;
    next = chunk[chunk.length - 1]!.index + 1;
  }
}

/** The scoring state of a session whose scores came with the file (not scored here). */
function importedScoring(model: string | null, template: string | null): NonNullable<SessionRecord['scoring']> {
  const t = template !== null && isTemplateName(template) ? template : 'alpaca';
  return {
    config: { ...DEFAULT_SCORING, model: { kind: 'hub', id: model ?? 'unknown', remoteHost: DEFAULT_HUB }, template: t },
    status: 'done',
    modelName: model,
    startedAt: Date.now(),
  };
}

function keep(which: ExportWhich, decision: Decision): boolean {
  return which === 'all' || which === decision;
}

serveRpc<DataApi>(self, {
  async ingest({ file, sessionId, mapping, maxRecordBytes }, emit, signal) {
    const db = getDb();
    const now = Date.now();
    const session: SessionRecord = {
      id: sessionId,
      name: file.name,
      fileName: file.name,
      fileSize: file.size,
      format: null,
      shape: null,
      mapping,
      status: 'loading',
      sampleCount: 0,
      issueCount: 0,
      createdAt: now,
      updatedAt: now,
      view: DEFAULT_VIEW,
    };
    let written = false;
    // A file Quarry exported (or the CLI scored) carries `quarry` objects: keep their ids, scores and decisions.
    const decisions: Record<string, Exclude<Decision, 'undecided'>> = {};
    try {
      for await (const ev of ingest(blobSource(file, file.name), { mapping, maxRecordBytes, signal })) {
        throwIfAborted(signal);
        switch (ev.type) {
          case 'format':
            session.format = ev.format;
            break;
          case 'needs-mapping':
            return { outcome: 'needs-mapping', columns: ev.columns, preview: ev.preview };
          case 'shape':
            session.shape = ev.shape;
            session.mapping = ev.mapping;
            await db.sessions.put(session);
            written = true;
            break;
          case 'batch': {
            const firstSeq = session.issueCount;
            const scores: StoredScore[] = [];
            const decided: StoredDecision[] = [];
            // Ids are final: core ingest gave each record its imported `quarry.id` (a taken one got a new
            // id and an 'id-collision' warning among the issues), so two samples never share one.
            const rows = ev.rows.map((row) => {
              const { sample: s, meta } = row;
              const stored: StoredRaw = { sessionId, index: s.index, ...storedRecordOf(row) };
              if (!meta) return { sample: s, stored };
              const result = importedResult(s.id, meta);
              if (result) {
                scores.push({ sessionId, sampleId: s.id, result });
                session.scoring ??= importedScoring(meta.model, meta.template);
              }
              if (meta.decision) {
                decisions[s.id] = meta.decision;
                decided.push({ sessionId, sampleId: s.id, decision: meta.decision, at: now });
              }
              return { sample: s, stored };
            });
            const samples = rows.map((r) => r.sample);
            await db.transaction('rw', [db.samples, db.raws, db.issues, db.scores, db.decisions], async () => {
              await db.samples.bulkPut(samples.map((s) => ({ ...s, sessionId })));
              await db.raws.bulkPut(rows.map((r) => r.stored));
              if (ev.issues.length) await db.issues.bulkPut(ev.issues.map((iss, i) => ({ ...iss, sessionId, seq: firstSeq + i })));
              if (scores.length) await db.scores.bulkPut(scores);
              if (decided.length) await db.decisions.bulkPut(decided);
            });
            session.sampleCount += samples.length;
            session.issueCount += ev.issues.length;
            emit({ type: 'batch', samples, issues: ev.issues });
            break;
          }
          case 'progress':
            emit({ type: 'progress', done: ev.bytesRead, total: ev.totalBytes, records: ev.records });
            break;
          case 'done':
            session.status = 'ready';
            session.sampleCount = ev.samples;
            session.issueCount = ev.issues;
            session.updatedAt = Date.now();
            // Only a session that still exists is marked complete: never resurrect one deleted meanwhile.
            await db.transaction('rw', db.sessions, async () => {
              if (!(await db.sessions.get(sessionId))) throw new Error('the session being loaded was deleted before the load finished');
              await db.sessions.put(session);
            });
            break;
        }
      }
      return { outcome: 'loaded', session, decisions };
    } catch (err) {
      // A failed or cancelled load leaves nothing half-written behind.
      if (written) await db.deleteSession(sessionId);
      throw err;
    }
  },

  async open({ sessionId }, emit, signal) {
    const db = getDb();
    const session = await db.sessions.get(sessionId);
    if (!session) throw new Error(`saved session ${sessionId} no longer exists`);
    let done = 0;
    const issues = (await db.issues.where('sessionId').equals(sessionId).sortBy('seq')).map(({ sessionId: _s, seq: _q, ...iss }) => iss);
    for await (const chunk of readSamples(sessionId)) {
      throwIfAborted(signal);
      done += chunk.length;
      emit({ type: 'batch', samples: chunk.map(({ sessionId: _s, ...s }) => s), issues: done === chunk.length ? issues : [] });
      emit({ type: 'progress', done, total: session.sampleCount, records: done });
    }
    if (done === 0 && issues.length) emit({ type: 'batch', samples: [], issues });
    const decisions: Record<string, Exclude<Decision, 'undecided'>> = {};
    await db.decisions.where('sessionId').equals(sessionId).each((d) => {
      decisions[d.sampleId] = d.decision;
    });
    return { session, decisions };
  },

  async export({ sessionId, format, which }, emit, signal) {
    const db = getDb();
    const session = await db.sessions.get(sessionId);
    if (!session) throw new Error(`saved session ${sessionId} no longer exists`);
    // the model and template the session's own results were scored with
    const run: ScoredWith = {
      model: session.scoring ? (session.scoring.modelName ?? session.scoring.config.model.id) : null,
      template: session.scoring?.config.template ?? null,
    };
    const decisions = new Map<string, Exclude<Decision, 'undecided'>>();
    await db.decisions.where('sessionId').equals(sessionId).each((d) => void decisions.set(d.sampleId, d.decision));

    /** The session's samples with their stored records, chunk by chunk, in file order. */
    async function* sampleChunks(): AsyncGenerator<{ chunk: StoredSample[]; rawByIndex: Map<number, StoredRaw> }> {
      for await (const chunk of readSamples(sessionId)) {
        throwIfAborted(signal);
        const first = chunk[0]!.index;
        const raws = await db.raws.where('[sessionId+index]').between([sessionId, first], [sessionId, chunk[chunk.length - 1]!.index], true, true).toArray();
        yield { chunk, rawByIndex: new Map(raws.map((r) => [r.index, r])) };
      }
    }

    // The file is built as Blob parts, one per chunk of rows (JSONL, CSV): no single string ever
    // holds the whole export. Parquet is columnar: its rows are gathered and written at the end.
    const parts: BlobPart[] = [];
    const parquetRows: ExportRow[] = [];
    const exportedScores: (SampleScores | null)[] = [];
    let header: string[] | null = null;
    if (format === 'csv') {
      // a first pass for the header: the union of the exported records' keys, in first-seen order
      const keys = new Set<string>();
      for await (const { chunk, rawByIndex } of sampleChunks()) {
        for (const s of chunk) {
          if (!keep(which, decisions.get(s.id) ?? 'undecided')) continue;
          for (const k of Object.keys(recordOf(rawByIndex.get(s.index)))) keys.add(k);
        }
      }
      header = csvHeader([...keys]);
      parts.push(csvHeaderLine(header) + CSV_EOL);
    }

    let done = 0;
    // For the summary card: decisions over the whole session, and what the scores say about the run.
    const tally = { accepted: 0, rejected: 0, undecided: 0 };
    const attacksSeen = new Set<string>();
    let maxVariants = 0;
    let imported = false;
    for await (const { chunk, rawByIndex } of sampleChunks()) {
      const scores = await db.scores.bulkGet(chunk.map((s) => [sessionId, s.id] as [string, string]));
      const batch: ExportRow[] = [];
      for (const [i, s] of chunk.entries()) {
        const result = scores[i]?.result;
        const decision = decisions.get(s.id) ?? 'undecided';
        tally[decision]++;
        if (result) {
          if (result.imported) imported = true;
          maxVariants = Math.max(maxVariants, result.variants.length);
          for (const v of result.variants) attacksSeen.add(v.attack);
        }
        if (!keep(which, decision)) continue;
        const row = exportRow(format, { id: s.id, stored: rawByIndex.get(s.index), result, decision }, run);
        batch.push(row);
        exportedScores.push(row.meta.scores);
      }
      if (format === 'jsonl') parts.push(jsonlPart(batch));
      else if (format === 'csv') parts.push(csvPart(batch, header!));
      else for (const r of batch) parquetRows.push(r);
      done += chunk.length;
      emit({ type: 'progress', done, total: session.sampleCount });
    }

    const base = session.fileName.replace(/\.[^.]+$/, '') || 'dataset';
    const fileName = `${base}.quarry-${which}.${format}`;
    let blob: Blob;
    if (format === 'parquet') blob = new Blob([toParquet(parquetRows) as Uint8Array<ArrayBuffer>], { type: 'application/vnd.apache.parquet' });
    else if (format === 'jsonl') blob = new Blob(parts, { type: 'application/x-ndjson;charset=utf-8' });
    else blob = new Blob(parts, { type: 'text/csv;charset=utf-8' });

    // The summary card: what was exported, the policy last applied and how the samples were scored.
    const scoring = session.scoring;
    const config = scoring?.config;
    const attacks = config && config.attacks.length > 0 ? config.attacks : [...attacksSeen];
    const variantsPerSample = config && config.variants > 0 ? config.variants : maxVariants > 0 ? maxVariants : null;
    const summaryName = `${base}.quarry-${which}.summary.md`;
    const markdown = summaryMarkdown({
      datasetFile: session.fileName,
      date: new Date(),
      counts: { total: done, ...tally, exported: exportedScores.length, skippedAtIngest: session.issueCount },
      subset: which,
      format,
      exportFile: fileName,
      policy: session.policy ?? null,
      model: run.model,
      template: config?.template ?? null,
      // Scores loaded with the file carry no dtype, device or seed: leave them blank rather than guess.
      dtype: config && !imported ? config.dtype : null,
      device: config && !imported ? config.device : null,
      attacks,
      variantsPerSample,
      seed: config && !imported && attacks.length > 0 ? config.seed : null,
      scores: exportedScores,
    });
    const summary = { blob: new Blob([markdown], { type: 'text/markdown;charset=utf-8' }), fileName: summaryName };
    return { blob, fileName, count: exportedScores.length, summary };
  },
});
