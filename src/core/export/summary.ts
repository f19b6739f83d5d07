// Summary card: a Markdown file written beside an export, recording what was exported and how.
// Pure TypeScript (Worker, Node, vitest); deterministic: the date is passed in.
import { describePolicy, type Policy } from '../selection';
import type { SampleScores } from '../types';

export interface SummaryCounts {
  /** Samples in the session (after ingest). */
  total: number;
  accepted: number;
  rejected: number;
  undecided: number;
  /** Rows written to the export file. */
  exported: number;
  /** Records skipped at ingest (malformed, empty, too large, ...). */
  skippedAtIngest: number;
}

export interface SummaryInfo {
  /** Name of the source dataset file (user-provided: escaped in the output). */
  datasetFile: string;
  /** Export date as an ISO 8601 string (or a Date, written with toISOString()). */
  date: string | Date;
  counts: SummaryCounts;
  /** Which samples were exported: 'all' | 'accepted' | 'rejected' | 'undecided' (other text is printed as is). */
  subset: string;
  /** 'jsonl' | 'csv' | 'parquet' (other text is printed as is). */
  format: string;
  /** Name of the export file, when known. */
  exportFile?: string | null;
  /** The selection policy applied before export, if any. */
  policy?: Policy | null;
  model?: string | null;
  template?: string | null;
  dtype?: string | null;
  device?: string | null;
  /** Attack names used to build the adversarial variants. */
  attacks?: readonly string[] | null;
  variantsPerSample?: number | null;
  seed?: number | string | null;
  /** Scores of the exported rows (null for unscored rows); statistics are computed over these. */
  scores: ReadonlyArray<SampleScores | null>;
}

/** Scores summarised in the statistics table, in order. */
export const SUMMARY_STAT_KEYS = ['ifd', 'aifd', 'aifd_gap', 'dist_consistency', 'embed_consistency'] as const satisfies ReadonlyArray<
  keyof SampleScores
>;

export interface ScoreStats {
  /** Number of rows with a finite value. */
  count: number;
  mean: number;
  median: number;
  min: number;
  max: number;
}

/**
 * Mean / median (average of the two middle values for an even count) / min / max of one score
 * over the rows where it is a finite number; null when no row has one.
 */
export function scoreStats(scores: ReadonlyArray<SampleScores | null>, key: keyof SampleScores): ScoreStats | null {
  const values: number[] = [];
  for (const s of scores) {
    const v = s ? s[key] : null;
    if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  let sum = 0;
  for (const v of values) sum += v;
  const n = values.length;
  const mid = n >> 1;
  const median = n % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  return { count: n, mean: sum / n, median, min: values[0]!, max: values[n - 1]! };
}

const MD_SPECIAL = /[\\`*_[\]<>#!|~&$]/g;

/**
 * Make user-provided text inert inside a Markdown line: line breaks become spaces and every
 * character that Markdown (CommonMark, GFM tables/strikethrough/autolinks, `$` math) could
 * interpret inline is backslash-escaped. `-`, `+` and `.` are left alone (they only matter at the
 * start of a line, and the escaped text is always placed after a prefix), and so are `(` `)`
 * (they only form a link after `]`, which is escaped).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ').replace(MD_SPECIAL, '\\$&');
}

const NONE = '—';

/** Statistics are printed with 4 decimals. */
function fmt(x: number): string {
  return x.toFixed(4);
}

function text(v: string | null | undefined): string {
  return v === null || v === undefined || v === '' ? NONE : escapeMarkdown(v);
}

const SUBSET_LABELS: Record<string, string> = {
  all: 'all samples',
  accepted: 'accepted samples',
  rejected: 'rejected samples',
  undecided: 'undecided samples',
};

const FORMAT_LABELS: Record<string, string> = { jsonl: 'JSONL', csv: 'CSV', parquet: 'Parquet', json: 'JSON' };

/**
 * The summary card as Markdown (ends with a newline): title, dataset file, date, exported subset
 * and format, counts, the selection policy (describePolicy) if one was applied, the scoring setup
 * (model, template, dtype/device, attacks, variants per sample, seed) and a table of score
 * statistics over the exported rows ("—" where a score is absent). User-provided strings are
 * escaped with `escapeMarkdown`.
 */
export function summaryMarkdown(info: SummaryInfo): string {
  const date = typeof info.date === 'string' ? info.date : info.date.toISOString();
  const c = info.counts;
  const subset = SUBSET_LABELS[info.subset] ?? escapeMarkdown(info.subset);
  const format = FORMAT_LABELS[info.format.toLowerCase()] ?? escapeMarkdown(info.format);
  const dtypeDevice = info.dtype || info.device ? `${text(info.dtype)} / ${text(info.device)}` : NONE;
  const attacks = info.attacks && info.attacks.length > 0 ? info.attacks.map(escapeMarkdown).join(', ') : NONE;
  const num = (v: number | string | null | undefined): string =>
    v === null || v === undefined || v === '' ? NONE : typeof v === 'number' ? String(v) : escapeMarkdown(v);

  const lines: string[] = [
    `# Quarry export: ${escapeMarkdown(info.datasetFile)}`,
    '',
    `- **Dataset file:** ${escapeMarkdown(info.datasetFile)}`,
    `- **Date:** ${escapeMarkdown(date)}`,
    `- **Exported:** ${subset} as ${format}${info.exportFile ? ` (${escapeMarkdown(info.exportFile)})` : ''}`,
    '',
    '## Counts',
    '',
    '| Samples | Count |',
    '| --- | ---: |',
    `| Total | ${c.total} |`,
    `| Accepted | ${c.accepted} |`,
    `| Rejected | ${c.rejected} |`,
    `| Undecided | ${c.undecided} |`,
    `| Exported | ${c.exported} |`,
    `| Skipped at ingest | ${c.skippedAtIngest} |`,
    '',
    '## Selection policy',
    '',
    info.policy ? escapeMarkdown(describePolicy(info.policy)) : 'None applied.',
    '',
    '## Scoring',
    '',
    `- **Model:** ${text(info.model)}`,
    `- **Template:** ${text(info.template)}`,
    `- **Dtype / device:** ${dtypeDevice}`,
    `- **Attacks:** ${attacks}`,
    `- **Variants per sample:** ${num(info.variantsPerSample)}`,
    `- **Seed:** ${num(info.seed)}`,
    '',
    `## Score statistics (${c.exported} exported rows)`,
    '',
    '| Score | Rows | Mean | Median | Min | Max |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const key of SUMMARY_STAT_KEYS) {
    const s = scoreStats(info.scores, key);
    const name = `\`${key}\``;
    lines.push(
      s
        ? `| ${name} | ${s.count} | ${fmt(s.mean)} | ${fmt(s.median)} | ${fmt(s.min)} | ${fmt(s.max)} |`
        : `| ${name} | 0 | ${NONE} | ${NONE} | ${NONE} | ${NONE} |`,
    );
  }
  return lines.join('\n') + '\n';
}
