// Shared helpers for the ingest unit tests (not part of the public API).
import type { IngestIssue, Sample } from '../types';
import { ingest, textSource, bytesSource } from './index';
import type { ByteSource, IngestEvent, IngestOptions, IngestedRow } from './index';

export interface Collected {
  events: IngestEvent[];
  rows: IngestedRow[];
  samples: Sample[];
  issues: IngestIssue[];
  types: string[];
  done: Extract<IngestEvent, { type: 'done' }> | undefined;
}

export async function collect(src: ByteSource, opts?: IngestOptions): Promise<Collected> {
  const events: IngestEvent[] = [];
  for await (const ev of ingest(src, opts)) events.push(ev);
  const rows = events.flatMap((e) => (e.type === 'batch' ? e.rows : []));
  return {
    events,
    rows,
    samples: rows.map((r) => r.sample),
    issues: events.flatMap((e) => (e.type === 'batch' ? e.issues : [])),
    types: events.map((e) => e.type),
    done: events.find((e): e is Extract<IngestEvent, { type: 'done' }> => e.type === 'done'),
  };
}

export function collectText(name: string, text: string, opts?: IngestOptions, chunkSize?: number): Promise<Collected> {
  return collect(textSource(name, text, chunkSize), opts);
}

export function collectBytes(name: string, bytes: Uint8Array, opts?: IngestOptions, chunkSize?: number): Promise<Collected> {
  return collect(bytesSource(name, bytes, chunkSize), opts);
}

export function jsonl(records: unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** Await a promise expected to reject; returns the rejection. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}
