// Public API of the ingest core: pure TypeScript, runs in a Web Worker and in Node.
export type { ByteSource, IngestOptions, IngestedRow, IngestEvent, PositionLabel } from './model';
export { DEFAULT_BATCH_SIZE, DEFAULT_MAX_RECORD_BYTES, MAX_NESTING_DEPTH } from './model';
export { bytesSource, textSource, blobSource } from './source';
export { ingest } from './ingest';
export { detectFormat } from './detect';
export {
  detectShape,
  toSample,
  extractFields,
  normaliseRole,
  columnsOf,
  PROMPT_RESPONSE_PAIRS,
  SHAPE_SAMPLE_SIZE,
} from './shape';
export type { ToSampleOptions, ToSampleResult, SampleFields, ExtractResult } from './shape';
export { hashString } from './hash';
export { ACCEPTED_FORMATS } from './errors';
