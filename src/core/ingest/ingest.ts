import { splitQuarryMeta } from '../export/importMeta';
import type { DatasetShape, FieldMapping, IngestIssue, RawRecord, SourceFormat } from '../types';
import { checkTextHead, detectFormat, HEAD_BYTES, hasParquetMagic } from './detect';
import { emptyFile, fatal, makeIssue, throwIfAborted } from './errors';
import { hashString, utf8LongerThan } from './hash';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_RECORD_BYTES,
  type ByteSource,
  type FormatParser,
  type IngestedRow,
  type IngestEvent,
  type IngestOptions,
  type ParseContext,
  type ParsedItem,
  type PositionLabel,
} from './model';
import { csvParser } from './parsers/csv';
import { jsonItems } from './parsers/json';
import { jsonlItems } from './parsers/jsonl';
import { parquetItems } from './parsers/parquet';
import { columnsOf, detectShape, extractFields, SHAPE_SAMPLE_SIZE } from './shape';

const PROGRESS_INTERVAL_MS = 100;
const PREVIEW_RECORDS = 5;

const PARSERS: Record<SourceFormat, FormatParser> = {
  jsonl: jsonlItems,
  json: jsonItems,
  csv: csvParser(','),
  tsv: csvParser('\t'),
  parquet: parquetItems,
};

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * Ingest a dataset file: detect its format and shape, then stream normalised samples in batches.
 *
 * Events, in order: 'format', then either 'needs-mapping' (shape not recognised and no mapping
 * given; the generator ends) or 'shape', any number of 'batch' / 'progress', and 'done'.
 * Whole-file problems throw IngestFatalError; row problems become IngestIssues in the batches.
 * Aborting via opts.signal rejects with a DOMException named 'AbortError'.
 *
 * If no row at all could be parsed (e.g. every JSONL line is malformed) there is nothing to
 * detect a shape from: no 'shape' event is sent, the issues come in a batch, and 'done' reports
 * shape 'mapped' with the given mapping (or null).
 */
export async function* ingest(src: ByteSource, opts: IngestOptions = {}): AsyncGenerator<IngestEvent, void, undefined> {
  const signal = opts.signal;
  const maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? DEFAULT_BATCH_SIZE));
  const file = src.name;
  throwIfAborted(signal);

  if (src.size === 0) throw emptyFile(file, '0 bytes');
  const head = new Uint8Array(await src.slice(0, Math.min(src.size, HEAD_BYTES)));
  throwIfAborted(signal);
  const detected = detectFormat(file, head);
  if (detected === 'parquet') {
    if (!hasParquetMagic(head)) {
      throw fatal(file, `${file} is not a valid Parquet file (truncated or corrupt): it does not start with the PAR1 magic bytes`);
    }
  } else {
    checkTextHead(file, head, src.size, detected);
  }

  const ctx: ParseContext = { src, maxRecordBytes, signal, bytesRead: 0 };
  const items = PARSERS[detected](ctx);

  let format: SourceFormat = detected;
  let label: PositionLabel = 'line';
  let shape: DatasetShape | null = null;
  let mapping: FieldMapping | null = opts.mapping ?? null;

  let rows: IngestedRow[] = [];
  let issues: IngestIssue[] = [];
  let samples = 0;
  let issueCount = 0;
  let warningCount = 0;
  let index = 0; // records processed (samples + skipped rows)
  const seen = new Map<string, number>();
  // Every id given so far: an imported `quarry.id` may equal another record's content hash (or
  // another imported id). The later record gets a fresh id and a warning; ids are never shared.
  const usedIds = new Set<string>();
  const nextSuffix = new Map<string, number>();
  const freshId = (base: string): string => {
    let n = nextSuffix.get(base) ?? 2;
    while (usedIds.has(`${base}-${n}`)) n++;
    nextSuffix.set(base, n + 1);
    return `${base}-${n}`;
  };
  let lastProgress = now();

  const progress = (): IngestEvent => {
    lastProgress = now();
    return { type: 'progress', bytesRead: ctx.bytesRead, totalBytes: src.size, records: index };
  };

  /** Turn one parsed item into a row or an issue (appended to the current batch). */
  const process = (item: ParsedItem): void => {
    if (item.kind === 'issue') {
      issues.push(item.issue);
      issueCount++;
      index++;
      return;
    }
    if (item.kind !== 'record') return;
    try {
      processRecord(item);
    } catch (e) {
      // one record can never fail the load: whatever goes wrong with it is that record's issue
      const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      issues.push(makeIssue(file, item.line, label, 'malformed', `could not be read (${why.slice(0, 160)})`));
      issueCount++;
      index++;
    }
  };

  const processRecord = (item: Extract<ParsedItem, { kind: 'record' }>): void => {
    const { raw, line } = item;
    const canonical = JSON.stringify(raw);
    if (utf8LongerThan(canonical, maxRecordBytes)) {
      issues.push(makeIssue(file, line, label, 'too-large', `record is larger than ${maxRecordBytes} bytes`));
      issueCount++;
      index++;
      return;
    }
    const r = extractFields(raw, shape!, mapping, line, file, label);
    if (!r.ok) {
      issues.push(r.issue);
      issueCount++;
      index++;
      return;
    }
    // A file Quarry exported carries `quarry` objects: the id comes from there.
    const { raw: original, meta } = splitQuarryMeta(raw);
    let id: string;
    if (meta) {
      id = meta.id;
    } else {
      const h = hashString(canonical);
      const n = (seen.get(h) ?? 0) + 1;
      seen.set(h, n);
      id = n === 1 ? h : `${h}-${n}`;
    }
    if (usedIds.has(id)) {
      const fresh = freshId(id);
      const whose = meta ? `its quarry.id "${id}"` : `its id "${id}" (a content hash)`;
      issues.push({
        ...makeIssue(file, line, label, 'id-collision', `${whose} is already used by an earlier record; loaded with the new id "${fresh}"`),
        severity: 'warning',
      });
      warningCount++;
      if (meta) meta.id = fresh;
      id = fresh;
    }
    usedIds.add(id);
    const row: IngestedRow = { sample: { id, index, line, ...r.fields }, raw: original };
    if (item.rawText !== undefined) row.rawText = item.rawText;
    if (meta) row.meta = meta;
    rows.push(row);
    samples++;
    index++;
  };

  const takeBatch = (): IngestEvent => {
    const ev: IngestEvent = { type: 'batch', rows, issues };
    rows = [];
    issues = [];
    return ev;
  };

  try {
    // Phase 1: buffer up to SHAPE_SAMPLE_SIZE records (and the issues among them) to detect the shape.
    const buffered: ParsedItem[] = [];
    const sampleRecords: RawRecord[] = [];
    let exhausted = true;
    for (;;) {
      const next = await items.next();
      if (next.done) break;
      const item = next.value;
      throwIfAborted(signal);
      if (item.kind === 'format') {
        format = item.format;
        label = item.label;
        yield { type: 'format', format };
        continue;
      }
      if (item.kind === 'tick') {
        if (now() - lastProgress >= PROGRESS_INTERVAL_MS) yield progress();
        continue;
      }
      buffered.push(item);
      if (item.kind === 'record') {
        sampleRecords.push(item.raw);
        if (sampleRecords.length >= SHAPE_SAMPLE_SIZE) {
          exhausted = false;
          break;
        }
      }
    }

    if (opts.mapping) {
      shape = 'mapped';
    } else if (sampleRecords.length > 0) {
      const d = detectShape(sampleRecords);
      if (!d) {
        yield {
          type: 'needs-mapping',
          columns: columnsOf(sampleRecords),
          preview: sampleRecords.slice(0, PREVIEW_RECORDS),
        };
        return;
      }
      shape = d.shape;
      mapping = d.mapping;
    }

    if (shape !== null) yield { type: 'shape', shape, mapping };

    for (let i = 0; i < buffered.length; i++) {
      process(buffered[i]!);
      if (rows.length + issues.length >= batchSize) {
        yield takeBatch();
        yield progress();
      }
    }
    buffered.length = 0;

    // Phase 2: stream the rest.
    if (!exhausted) {
      for (;;) {
        const next = await items.next();
        if (next.done) break;
        const item = next.value;
        throwIfAborted(signal);
        if (item.kind === 'tick') {
          if (now() - lastProgress >= PROGRESS_INTERVAL_MS) yield progress();
          continue;
        }
        if (item.kind === 'format') continue;
        process(item);
        if (rows.length + issues.length >= batchSize) {
          yield takeBatch();
          yield progress();
        }
      }
    }
    throwIfAborted(signal);
    if (rows.length > 0 || issues.length > 0) yield takeBatch();
    ctx.bytesRead = src.size;
    yield progress();
    yield {
      type: 'done',
      samples,
      issues: issueCount,
      ...(warningCount > 0 ? { warnings: warningCount } : {}),
      format,
      shape: shape ?? 'mapped',
      mapping,
    };
  } finally {
    // stop the parser (closes the underlying stream) when we end early, fail or are aborted
    await items.return(undefined);
  }
}
