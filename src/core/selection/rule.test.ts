import { readdirSync, readFileSync } from 'node:fs';
import { emptyScores } from '../metrics/aggregate';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SampleScores } from '../types';
import { compileExpr, formatRule, parseRule, RULE_FIELDS, RuleSyntaxError, Truth, type RuleInput } from './rule';

function syntaxError(rule: string): RuleSyntaxError {
  try {
    parseRule(rule);
  } catch (e) {
    expect(e).toBeInstanceOf(RuleSyntaxError);
    return e as RuleSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(rule)}`);
}

const NULLS: SampleScores = emptyScores();
const input = (scores: Partial<SampleScores> | null, ins = 0, res = 0): RuleInput => ({
  scores: scores ? { ...NULLS, ...scores } : null,
  instructionLength: ins,
  responseLength: res,
});
const truth = (rule: string, s: RuleInput) => compileExpr(parseRule(rule).where!)(s);

describe('parseRule', () => {
  it('parses comparisons into an AST with columns', () => {
    expect(parseRule('ifd < 1')).toEqual({
      source: 'ifd < 1',
      where: { kind: 'compare', field: 'ifd', op: '<', value: 1, column: 1 },
      rank: null,
      usesScores: true,
    });
    expect(parseRule('  aifd_gap >= 0.05').where).toEqual({ kind: 'compare', field: 'aifd_gap', op: '>=', value: 0.05, column: 3 });
    expect(parseRule('s_a between 0.5 and 3').where).toEqual({ kind: 'between', field: 's_a', low: 0.5, high: 3, column: 1 });
    expect(parseRule('ifd is not null').where).toEqual({ kind: 'is-null', field: 'ifd', negated: true, column: 1 });
  });

  it('reads numbers: decimals, leading dot, negative, exponent', () => {
    const values = ['ifd < .5', 'ifd < -0.25', 'ifd < 1e-3', 'ifd < 2.5E+2', 'ifd<-.5', 'ifd < 10'].map((r) => {
      const w = parseRule(r).where;
      return w && w.kind === 'compare' ? w.value : NaN;
    });
    expect(values).toEqual([0.5, -0.25, 0.001, 250, -0.5, 10]);
  });

  it('normalises operators and is case-insensitive', () => {
    const ops = ['<', '<=', '>', '>=', '=', '==', '!=', '<>', '≤', '≥', '≠'].map((op) => {
      const w = parseRule(`ifd ${op} 1`).where;
      return w && w.kind === 'compare' ? w.op : null;
    });
    expect(ops).toEqual(['<', '<=', '>', '>=', '=', '=', '!=', '!=', '<=', '>=', '!=']);
    expect(formatRule(parseRule('IFD < 1 AND NOT Aifd >= 1 OR S_A Between 1 And 2 TOP 5% BY Ifd'))).toBe(
      'ifd < 1 and not aifd >= 1 or s_a between 1 and 2 top 5% by ifd',
    );
  });

  it('gives not > and > or precedence, flattening chains', () => {
    const r = parseRule('not ifd < 1 or aifd < 1 and s_a > 2 and s_a < 3');
    expect(r.where).toEqual({
      kind: 'or',
      args: [
        { kind: 'not', arg: { kind: 'compare', field: 'ifd', op: '<', value: 1, column: 5 } },
        {
          kind: 'and',
          args: [
            { kind: 'compare', field: 'aifd', op: '<', value: 1, column: 16 },
            { kind: 'compare', field: 's_a', op: '>', value: 2, column: 29 },
            { kind: 'compare', field: 's_a', op: '<', value: 3, column: 41 },
          ],
        },
      ],
    });
    expect(formatRule(parseRule('not (ifd < 1 or aifd < 1) and (s_a > 2 or ( s_a < 0 ))'))).toBe(
      'not (ifd < 1 or aifd < 1) and (s_a > 2 or s_a < 0)',
    );
    expect(formatRule(parseRule('not (ifd < 1)'))).toBe('not ifd < 1');
  });

  it('between binds its own "and"', () => {
    expect(formatRule(parseRule('s_a between 0.5 and 3 and ifd < 1'))).toBe('s_a between 0.5 and 3 and ifd < 1');
    const w = parseRule('s_a between 0.5 and 3 and ifd < 1').where;
    expect(w?.kind).toBe('and');
  });

  it('parses the final top/bottom clause (percent or count), with optional separator', () => {
    expect(parseRule('top 20% by ifd')).toEqual({
      source: 'top 20% by ifd',
      where: null,
      rank: { direction: 'top', amount: 20, unit: 'percent', by: 'ifd' },
      usesScores: true,
    });
    expect(parseRule('ifd < 1 bottom 5% by aifd').rank).toEqual({ direction: 'bottom', amount: 5, unit: 'percent', by: 'aifd' });
    expect(parseRule('top 100 by ifd').rank).toEqual({ direction: 'top', amount: 100, unit: 'count', by: 'ifd' });
    for (const sep of [',', ';', 'then', 'and']) {
      expect(parseRule(`ifd < 1 ${sep} top 12.5% by ifd`).rank).toEqual({ direction: 'top', amount: 12.5, unit: 'percent', by: 'ifd' });
    }
  });

  it('tracks whether the rule reads scores', () => {
    expect(parseRule('response_length > 10 and instruction_length < 500').usesScores).toBe(false);
    expect(parseRule('top 10 by response_length').usesScores).toBe(false);
    expect(parseRule('response_length > 10 top 10% by ifd').usesScores).toBe(true);
  });

  it('accepts every documented identifier', () => {
    for (const f of RULE_FIELDS) expect(parseRule(`${f} >= 0`).where).toMatchObject({ field: f });
  });
});

describe('rule syntax errors', () => {
  const cases: Array<[string, string, number]> = [
    ['ifd < x', "expected a number after '<', found 'x' at column 7", 7],
    ['ifd <', "expected a number after '<', found the end of the rule at column 6", 6],
    ['ifd', "expected a comparison (<, <=, >, >=, =, !=), 'between' or 'is null' after 'ifd', found the end of the rule at column 4", 4],
    ['ifd < 1 and', "expected a score name after 'and', found the end of the rule at column 12", 12],
    ['ifd < 1 or or aifd < 1', "expected a score name after 'or', found 'or' at column 12", 12],
    ['ifd < 1 aifd < 1', "expected 'and', 'or' or the end of the rule, found 'aifd' at column 9", 9],
    ['foo < 1', 'unknown score \'foo\'; expected one of ' + RULE_FIELDS.join(', ') + ' at column 1', 1],
    ['(ifd < 1', "expected ')' to close the '(' at column 1, found the end of the rule at column 9", 9],
    ['ifd < 1)', "unmatched ')' at column 8", 8],
    ['()', "expected a condition inside '( )' at column 2", 2],
    ['ifd @ 1', "unexpected character '@' at column 5", 5],
    ['ifd < 1 & aifd < 1', "unexpected character '&' at column 9", 9],
    ['ifd < 1x', "unexpected character 'x' in number '1x' at column 8", 8],
    ['1 > ifd', 'expected a score name before the number (write "ifd < 1", not "1 > ifd") at column 1', 1],
    ['s_a between 1 3', "expected 'and' after 'between 1', found '3' at column 15", 15],
    ['s_a between 3 and 1', 'the lower bound 3 is greater than the upper bound 1 at column 19', 19],
    ['ifd is 1', "expected 'null' after 'is', found '1' at column 8", 8],
    ['top 10% ifd', "expected 'by' after 'top 10%', found 'ifd' at column 9", 9],
    ['top by ifd', "expected a number after 'top', found 'by' at column 5", 5],
    ['top 2.5 by ifd', "expected a whole number of samples or a percentage (e.g. '2.5%') after 'top' at column 5", 5],
    ['top 120% by ifd', 'a percentage must be between 0 and 100, found 120% at column 5', 5],
    ['top 10% by', "expected a score name after 'by', found the end of the rule at column 11", 11],
    ['top 10% by ifd and ifd < 1', "expected the end of the rule after the ranking clause, found 'and' (top/bottom must be the last clause) at column 16", 16],
    ['ifd < 1 or (top 5 by ifd)', "'top' must start the final clause of the rule at column 13", 13],
    ['', 'the rule is empty: expected a condition such as "ifd < 1" or "top 10% by ifd" at column 1', 1],
    ['   ', 'the rule is empty: expected a condition such as "ifd < 1" or "top 10% by ifd" at column 4', 4],
    ['ifd < 1e999', "number '1e999' is out of range at column 7", 7],
  ];
  it.each(cases)('%j', (rule, message, column) => {
    const e = syntaxError(rule);
    expect(e.message).toBe(message);
    expect(e.column).toBe(column);
    expect(e.name).toBe('RuleSyntaxError');
    expect(e.message.endsWith(`at column ${column}`)).toBe(true);
  });
});

describe('rule evaluation (three-valued)', () => {
  it('comparisons on null scores are unknown; is null is never unknown', () => {
    const s = input({ ifd: null, aifd: 0.5 });
    expect(truth('ifd < 1', s)).toBe(Truth.Unknown);
    expect(truth('not ifd < 1', s)).toBe(Truth.Unknown);
    expect(truth('ifd < 1 or aifd < 1', s)).toBe(Truth.True);
    expect(truth('ifd < 1 and aifd > 1', s)).toBe(Truth.False);
    expect(truth('ifd < 1 and aifd < 1', s)).toBe(Truth.Unknown);
    expect(truth('ifd is null', s)).toBe(Truth.True);
    expect(truth('aifd is null', s)).toBe(Truth.False);
    expect(truth('ifd between 0 and 2', s)).toBe(Truth.Unknown);
    expect(truth('ifd < 1', input(null))).toBe(Truth.Unknown);
    expect(truth('ifd < 1', input({ ifd: Number.NaN }))).toBe(Truth.Unknown);
  });

  it('lengths and between bounds', () => {
    const s = input({ s_a: 3 }, 40, 7);
    expect(truth('instruction_length >= 40 and response_length < 8', s)).toBe(Truth.True);
    expect(truth('s_a between 0.5 and 3', s)).toBe(Truth.True);
    expect(truth('s_a between 3 and 3', s)).toBe(Truth.True);
    expect(truth('s_a between 3.0001 and 4', s)).toBe(Truth.False);
  });
});

describe('safety', () => {
  it('uses no eval or Function constructor in the selection sources', () => {
    const dir = dirname(fileURLToPath(import.meta.url));
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources).toContain('rule.ts');
    expect(sources).toContain('policies.ts');
    for (const f of sources) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text, f).not.toMatch(/\beval\s*\(/);
      expect(text, f).not.toMatch(/new\s+Function\b/);
      expect(text, f).not.toMatch(/\bFunction\s*\(/);
    }
  });

  it('treats code-like input as a syntax error, never executes it', () => {
    expect(() => parseRule('constructor.constructor("return 1")()')).toThrow(RuleSyntaxError);
    expect(() => parseRule('ifd < 1; process.exit(1)')).toThrow(RuleSyntaxError);
    expect(() => parseRule('__proto__ < 1')).toThrow(/unknown score '__proto__'/);
    expect(() => parseRule('toString < 1')).toThrow(/unknown score 'toString'/);
  });
});
