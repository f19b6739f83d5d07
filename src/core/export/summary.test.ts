import { describe, expect, it } from 'vitest';
import { emptyScores } from '../metrics/aggregate';
import type { SampleScores } from '../types';
import { escapeMarkdown, scoreStats, summaryMarkdown, type SummaryInfo } from './summary';

function scores(over: Partial<SampleScores>): SampleScores {
  return {
    ...emptyScores(),
    ...over,
  };
}

const INFO: SummaryInfo = {
  datasetFile: 'my_data [v2]*.jsonl',
  date: '2025-03-04T05:06:07.000Z',
  counts: { total: 10, accepted: 3, rejected: 5, undecided: 2, exported: 3, skippedAtIngest: 1 },
  subset: 'accepted',
  format: 'parquet',
  exportFile: 'my_data [v2]*.quarry-accepted.parquet',
  policy: { id: 'robust-hard', topPercent: 10, minConsistency: 0.8, consistencyKey: 'dist_consistency' },
  model: 'HuggingFaceTB/SmolLM2-135M-Instruct',
  template: 'chatml',
  dtype: 'q8',
  device: 'webgpu',
  attacks: ['synonym', 'typo'],
  variantsPerSample: 3,
  seed: 42,
  scores: [
    scores({ ifd: 0.5, aifd: 0.6, aifd_gap: 0.1, dist_consistency: 0.9 }),
    scores({ ifd: 0.7, aifd: 0.8, aifd_gap: 0.3, dist_consistency: 1 }),
    null,
  ],
};

describe('summaryMarkdown', () => {
  it('writes the exact card for a fixed input', () => {
    expect(summaryMarkdown(INFO)).toBe(
      [
        '# Quarry export: my\\_data \\[v2\\]\\*.jsonl',
        '',
        '- **Dataset file:** my\\_data \\[v2\\]\\*.jsonl',
        '- **Date:** 2025-03-04T05:06:07.000Z',
        '- **Exported:** accepted samples as Parquet (my\\_data \\[v2\\]\\*.quarry-accepted.parquet)',
        '',
        '## Counts',
        '',
        '| Samples | Count |',
        '| --- | ---: |',
        '| Total | 10 |',
        '| Accepted | 3 |',
        '| Rejected | 5 |',
        '| Undecided | 2 |',
        '| Exported | 3 |',
        '| Skipped at ingest | 1 |',
        '',
        '## Selection policy',
        '',
        'Robust and hard: keep IFD \\< 1, AIFD \\< 1 and dist\\_consistency ≥ 0.8 (missing consistency fails), then the top 10% of scored samples by AIFD (highest first)',
        '',
        '## Scoring',
        '',
        '- **Model:** HuggingFaceTB/SmolLM2-135M-Instruct',
        '- **Template:** chatml',
        '- **Dtype / device:** q8 / webgpu',
        '- **Attacks:** synonym, typo',
        '- **Variants per sample:** 3',
        '- **Seed:** 42',
        '',
        '## Score statistics (3 exported rows)',
        '',
        '| Score | Rows | Mean | Median | Min | Max |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        '| `ifd` | 2 | 0.6000 | 0.6000 | 0.5000 | 0.7000 |',
        '| `aifd` | 2 | 0.7000 | 0.7000 | 0.6000 | 0.8000 |',
        '| `aifd_gap` | 2 | 0.2000 | 0.2000 | 0.1000 | 0.3000 |',
        '| `dist_consistency` | 2 | 0.9500 | 0.9500 | 0.9000 | 1.0000 |',
        '| `embed_consistency` | 0 | — | — | — | — |',
        '',
      ].join('\n'),
    );
  });

  it('shows dashes when nothing was scored and no policy was applied', () => {
    const md = summaryMarkdown({
      datasetFile: 'plain.csv',
      date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      counts: { total: 2, accepted: 0, rejected: 0, undecided: 2, exported: 2, skippedAtIngest: 0 },
      subset: 'all',
      format: 'csv',
      scores: [null, null],
    });
    expect(md).toContain('- **Date:** 2024-01-02T03:04:05.000Z\n');
    expect(md).toContain('- **Exported:** all samples as CSV\n');
    expect(md).toContain('## Selection policy\n\nNone applied.\n');
    expect(md).toContain(
      [
        '- **Model:** —',
        '- **Template:** —',
        '- **Dtype / device:** —',
        '- **Attacks:** —',
        '- **Variants per sample:** —',
        '- **Seed:** —',
      ].join('\n'),
    );
    for (const k of ['ifd', 'aifd', 'aifd_gap', 'dist_consistency', 'embed_consistency']) {
      expect(md).toContain(`| \`${k}\` | 0 | — | — | — | — |`);
    }
    expect(md.endsWith('\n')).toBe(true);
  });

  it('describes a custom rule policy with escaping, on one line', () => {
    const md = summaryMarkdown({ ...INFO, policy: { id: 'custom', rule: 'ifd < 1 and\naifd_gap >= 0.05 top 20% by ifd' } });
    expect(md).toContain('\n\nCustom rule: ifd \\< 1 and aifd\\_gap \\>= 0.05 top 20% by ifd\n\n');
  });

  it('escapes Markdown in user-provided strings (no new lines, no tables, no HTML)', () => {
    const md = summaryMarkdown({
      ...INFO,
      datasetFile: '# evil | name\n- [x](javascript:alert(1)) <b>`code`</b>',
      model: 'a|b',
      attacks: ['syn_onym', '*typo*'],
      dtype: 'q8',
      device: null,
    });
    const lines = md.split('\n');
    expect(lines[0]).toBe('# Quarry export: \\# evil \\| name - \\[x\\](javascript:alert(1)) \\<b\\>\\`code\\`\\</b\\>');
    expect(md).toContain('- **Model:** a\\|b\n');
    expect(md).toContain('- **Attacks:** syn\\_onym, \\*typo\\*\n');
    expect(md).toContain('- **Dtype / device:** q8 / —\n');
    // the file name did not add lines
    expect(lines.filter((l) => l.startsWith('- [x]'))).toEqual([]);
  });
});

describe('scoreStats', () => {
  it('mean, median (odd and even counts), min, max over finite values only', () => {
    const rows = [
      scores({ ifd: 3 }),
      scores({ ifd: 1 }),
      null,
      scores({ ifd: null }),
      scores({ ifd: 2 }),
      scores({ ifd: Number.NaN }),
      scores({ ifd: Number.POSITIVE_INFINITY }),
    ];
    expect(scoreStats(rows, 'ifd')).toEqual({ count: 3, mean: 2, median: 2, min: 1, max: 3 });
    expect(scoreStats([...rows, scores({ ifd: 10 })], 'ifd')).toEqual({ count: 4, mean: 4, median: 2.5, min: 1, max: 10 });
    expect(scoreStats([scores({ aifd: -0.5 })], 'aifd')).toEqual({ count: 1, mean: -0.5, median: -0.5, min: -0.5, max: -0.5 });
    expect(scoreStats(rows, 'aifd')).toBeNull();
    expect(scoreStats([], 'ifd')).toBeNull();
  });

  it('is order-independent', () => {
    const vals = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2];
    const a = scoreStats(vals.map((v) => scores({ dist_consistency: v })), 'dist_consistency');
    const b = scoreStats([...vals].reverse().map((v) => scores({ dist_consistency: v })), 'dist_consistency');
    expect(a).toEqual(b);
    expect(a!.median).toBeCloseTo(0.4, 12);
    expect(a!.mean).toBeCloseTo(2.7 / 6, 12);
  });
});

describe('escapeMarkdown', () => {
  it('escapes significant characters and flattens line breaks', () => {
    expect(escapeMarkdown('a_b*c`d[e]f<g>h|i#j!k~l&m$n\\o')).toBe('a\\_b\\*c\\`d\\[e\\]f\\<g\\>h\\|i\\#j\\!k\\~l\\&m\\$n\\\\o');
    expect(escapeMarkdown('line1\r\nline2\nline3')).toBe('line1 line2 line3');
    expect(escapeMarkdown('train.jsonl')).toBe('train.jsonl');
    expect(escapeMarkdown('données 🌍')).toBe('données 🌍');
  });
});
