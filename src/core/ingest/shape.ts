import type { DatasetShape, FieldMapping, IngestIssue, RawRecord, Role, Sample, Turn } from '../types';
import { makeIssue, typeName } from './errors';
import { hashString } from './hash';
import type { PositionLabel } from './model';

/** detectShape looks at up to this many records. */
export const SHAPE_SAMPLE_SIZE = 50;

/** Flat (instruction, response) field-name pairs recognised as 'prompt-response', in priority order. */
export const PROMPT_RESPONSE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['prompt', 'response'],
  ['prompt', 'completion'],
  ['prompt', 'output'],
  ['prompt', 'answer'],
  ['question', 'answer'],
  ['question', 'response'],
  ['query', 'response'],
  ['query', 'answer'],
  ['instruction', 'response'],
  ['instruction', 'completion'],
  ['input', 'output'],
  ['input', 'target'],
  ['source', 'target'],
  ['human', 'assistant'],
  ['user', 'assistant'],
];

const ROLE_ALIASES: Record<string, Role> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  chatgpt: 'assistant',
  bard: 'assistant',
  model: 'assistant',
  system: 'system',
};

/** Normalise a ShareGPT / chat role name; null if unknown. */
export function normaliseRole(role: string): Role | null {
  return ROLE_ALIASES[role.toLowerCase()] ?? null;
}

function isPlainObject(v: unknown): v is RawRecord {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Map of lower-cased key -> actual key (first occurrence wins). */
function lowerKeys(rec: RawRecord): Map<string, string> {
  const m = new Map<string, string>();
  for (const k of Object.keys(rec)) {
    const l = k.toLowerCase();
    if (!m.has(l)) m.set(l, k);
  }
  return m;
}

interface Vote {
  shape: DatasetShape;
  instruction?: string;
  response?: string;
}

function voteFor(rec: RawRecord): Vote | null {
  if (Array.isArray(rec['messages'])) return { shape: 'messages' };
  if (Array.isArray(rec['conversations'])) return { shape: 'sharegpt' };
  const keys = lowerKeys(rec);
  const instr = keys.get('instruction');
  if (instr !== undefined) {
    const out = keys.get('output') ?? keys.get('response');
    if (out !== undefined) return { shape: 'alpaca', instruction: instr, response: out };
  }
  for (const [a, b] of PROMPT_RESPONSE_PAIRS) {
    const ka = keys.get(a);
    const kb = keys.get(b);
    if (ka !== undefined && kb !== undefined) return { shape: 'prompt-response', instruction: ka, response: kb };
  }
  return null;
}

/**
 * Recognise the dataset shape from (up to) the first 50 records. The shape matched by the most
 * records wins, provided it matches at least half of them; otherwise null (ask the user for a
 * mapping). Flat shapes come with the field mapping (actual key names, matched case-insensitively).
 */
export function detectShape(records: RawRecord[]): { shape: DatasetShape; mapping: FieldMapping | null } | null {
  const sample = records.slice(0, SHAPE_SAMPLE_SIZE).filter(isPlainObject);
  if (sample.length === 0) return null;
  const tally = new Map<string, { vote: Vote; count: number; first: number }>();
  sample.forEach((rec, i) => {
    const v = voteFor(rec);
    if (!v) return;
    const key = `${v.shape}\u0000${v.instruction ?? ''}\u0000${v.response ?? ''}`;
    const t = tally.get(key);
    if (t) t.count++;
    else tally.set(key, { vote: v, count: 1, first: i });
  });
  let best: { vote: Vote; count: number; first: number } | undefined;
  for (const t of tally.values()) {
    if (!best || t.count > best.count || (t.count === best.count && t.first < best.first)) best = t;
  }
  if (!best || best.count * 2 < sample.length) return null;
  const { vote } = best;
  if (vote.shape === 'messages' || vote.shape === 'sharegpt') return { shape: vote.shape, mapping: null };

  let input: string | null = null;
  if (vote.shape === 'alpaca') {
    // alpaca's optional context field: `input` (standard) or `context` (Dolly-style)
    let contextKey: string | null = null;
    for (const rec of sample) {
      const keys = lowerKeys(rec);
      const k = keys.get('input');
      if (k !== undefined && k !== vote.instruction && k !== vote.response) {
        input = k;
        break;
      }
      if (contextKey === null) contextKey = keys.get('context') ?? null;
    }
    if (input === null) input = contextKey ?? 'input';
  }
  return {
    shape: vote.shape,
    mapping: { instruction: vote.instruction!, input, response: vote.response! },
  };
}

/** Union of the keys of the records, in first-seen order. */
export function columnsOf(records: RawRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records) if (isPlainObject(r)) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export interface ToSampleOptions {
  /** File name put in issues (default ''). */
  file?: string;
  /** Sample id; default: hashString(JSON.stringify(raw)) (no duplicate suffix). */
  id?: string;
  /** How the position is named in issue messages (default 'line'). */
  label?: PositionLabel;
}

export type ToSampleResult = { ok: true; sample: Sample } | { ok: false; issue: IngestIssue };

/** The normalised content of a record, before an id is assigned. */
export interface SampleFields {
  instruction: string;
  input: string;
  response: string;
  history: Turn[];
}

export type ExtractResult = { ok: true; fields: SampleFields } | { ok: false; issue: IngestIssue };

/** Default mapping for a flat shape when none was detected/given. */
function defaultMapping(raw: RawRecord, shape: DatasetShape): FieldMapping | null {
  if (shape === 'alpaca') {
    const keys = lowerKeys(raw);
    return {
      instruction: keys.get('instruction') ?? 'instruction',
      input: keys.get('input') ?? keys.get('context') ?? 'input',
      response: keys.get('output') ?? keys.get('response') ?? 'output',
    };
  }
  if (shape === 'prompt-response') {
    const v = voteFor(raw);
    if (v && v.instruction && v.response) return { instruction: v.instruction, input: null, response: v.response };
    return { instruction: 'prompt', input: null, response: 'response' };
  }
  return null;
}

/**
 * Turn a raw record into the (instruction, input, response, history) of a sample, or an issue
 * explaining why the row is skipped.
 */
export function extractFields(
  raw: RawRecord,
  shape: DatasetShape,
  mapping: FieldMapping | null,
  line: number,
  file = '',
  label: PositionLabel = 'line',
): ExtractResult {
  const issue = (kind: IngestIssue['kind'], text: string, field?: string): ExtractResult => ({
    ok: false,
    issue: makeIssue(file, line, label, kind, text, field),
  });

  if (shape === 'messages' || shape === 'sharegpt') {
    const field = shape === 'messages' ? 'messages' : 'conversations';
    const turnsRaw = raw[field];
    if (turnsRaw === undefined || turnsRaw === null) return issue('missing-field', `field "${field}" is missing`, field);
    if (!Array.isArray(turnsRaw)) return issue('malformed', `field "${field}" is not an array (${typeName(turnsRaw)})`, field);
    const turns: Turn[] = [];
    for (let i = 0; i < turnsRaw.length; i++) {
      const t: unknown = turnsRaw[i];
      const where = `${field}[${i}]`;
      if (!isPlainObject(t)) return issue('malformed', `${where} is not an object (${typeName(t)})`, field);
      const roleKey = 'from' in t ? 'from' : 'role';
      const contentKey = 'value' in t ? 'value' : 'content';
      const roleRaw = t[roleKey];
      if (roleRaw === undefined || roleRaw === null) return issue('missing-field', `${where} has no "${roleKey}"`, field);
      if (typeof roleRaw !== 'string') {
        return issue('not-a-string', `field "${where}.${roleKey}" is not a string (${typeName(roleRaw)})`, field);
      }
      const role = normaliseRole(roleRaw);
      if (!role) return issue('malformed', `${where} has an unknown role "${roleRaw}"`, field);
      const content = t[contentKey];
      if (content === undefined || content === null) {
        return issue('missing-field', `field "${where}.${contentKey}" is missing`, field);
      }
      if (typeof content !== 'string') {
        return issue('not-a-string', `field "${where}.${contentKey}" is not a string (${typeName(content)})`, field);
      }
      turns.push({ role, content });
    }
    let last = -1;
    for (let i = turns.length - 1; i >= 0; i--) {
      if (turns[i]!.role === 'assistant') {
        last = i;
        break;
      }
    }
    if (last === -1) return issue('missing-field', `field "${field}" has no assistant turn`, field);
    const prev = last > 0 ? turns[last - 1]! : undefined;
    if (!prev || prev.role !== 'user') {
      return issue('missing-field', `field "${field}" has no user turn right before the last assistant turn`, field);
    }
    const instruction = prev.content;
    const response = turns[last]!.content;
    if (instruction.trim() === '') return issue('empty-instruction', 'the instruction (last user turn) is empty', field);
    if (response.trim() === '') return issue('empty-response', 'the response (last assistant turn) is empty', field);
    return { ok: true, fields: { instruction, input: '', response, history: turns.slice(0, last - 1) } };
  }

  const m = mapping ?? defaultMapping(raw, shape);
  if (!m) throw new Error(`toSample: shape "${shape}" needs a field mapping`);

  const required = (name: string): { ok: true; value: string } | { ok: false; r: ExtractResult } => {
    const v = raw[name];
    if (v === undefined || v === null) {
      return { ok: false, r: issue('missing-field', `field "${name}" is missing${v === null ? ' (null)' : ''}`, name) };
    }
    if (typeof v !== 'string') return { ok: false, r: issue('not-a-string', `field "${name}" is not a string (${typeName(v)})`, name) };
    return { ok: true, value: v };
  };

  const ins = required(m.instruction);
  if (!ins.ok) return ins.r;
  const res = required(m.response);
  if (!res.ok) return res.r;
  let input = '';
  if (m.input !== null && m.input !== '') {
    const v = raw[m.input];
    if (v !== undefined && v !== null) {
      if (typeof v !== 'string') return issue('not-a-string', `field "${m.input}" is not a string (${typeName(v)})`, m.input);
      input = v;
    }
  }
  if (ins.value.trim() === '') return issue('empty-instruction', `field "${m.instruction}" (instruction) is empty`, m.instruction);
  if (res.value.trim() === '') return issue('empty-response', `field "${m.response}" (response) is empty`, m.response);
  return { ok: true, fields: { instruction: ins.value, input, response: res.value, history: [] } };
}

/**
 * Normalise one raw record into a Sample, or return the issue that makes it unusable.
 * `index` is the 0-based record position, `line` the 1-based line/record number for messages.
 * Flat shapes ('alpaca', 'prompt-response', 'mapped') use `mapping`; 'alpaca' and
 * 'prompt-response' fall back to their conventional field names when it is null, 'mapped'
 * requires it (throws otherwise).
 */
export function toSample(
  raw: RawRecord,
  shape: DatasetShape,
  mapping: FieldMapping | null,
  index: number,
  line: number,
  opts: ToSampleOptions = {},
): ToSampleResult {
  const r = extractFields(raw, shape, mapping, line, opts.file ?? '', opts.label ?? 'line');
  if (!r.ok) return r;
  const id = opts.id ?? hashString(JSON.stringify(raw));
  return { ok: true, sample: { id, index, line, ...r.fields } };
}
