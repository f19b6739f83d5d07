// The custom-rule language of the selection policies: a tiny, safe expression language over a
// sample's scores. Parsed by a hand-written tokenizer and recursive-descent parser into a plain
// AST, then compiled into closures. No eval, no Function constructor, no per-sample regex.
//
// Grammar (keywords and identifiers are case-insensitive):
//
//   rule       := where? rank? EOF                 (at least one of the two)
//   where      := or
//   or         := and ('or' and)*
//   and        := not ('and' not)*
//   not        := 'not' not | primary
//   primary    := '(' or ')' | test
//   test       := IDENT CMP NUMBER                  ifd < 1, aifd_gap >= 0.05
//               | IDENT 'between' NUMBER 'and' NUMBER   inclusive: s_a between 0.5 and 3
//               | IDENT 'is' 'not'? 'null'
//   rank       := (',' | ';' | 'then' | 'and')? ('top' | 'bottom') NUMBER '%'? 'by' IDENT
//   CMP        := '<' | '<=' | '>' | '>=' | '=' | '==' | '!=' | '<>'
//   NUMBER     := '-'? digits ('.' digits)? (('e'|'E') ('+'|'-')? digits)?   (also '.5')
//   IDENT      := a SampleScores key, 'instruction_length' or 'response_length'
//
// Precedence: `not` binds tighter than `and`, which binds tighter than `or`
// (`not a or b and c` = `(not a) or (b and c)`).
//
// Null scores: a comparison or `between` on a null (not computed) score is *unknown*. Unknown
// behaves like false for the final decision, and logic is Kleene three-valued: `not unknown` is
// unknown (so `not ifd >= 1` does NOT keep a sample whose IFD is null), `unknown or true` is true,
// `unknown and false` is false. `ifd is null` / `ifd is not null` test for missing scores
// explicitly and are never unknown.
import { SCORE_KEYS, type SampleScores } from '../types';

/** Score keys usable in rules, in the order of `SampleScores`. */
export const RULE_SCORE_FIELDS: ReadonlyArray<keyof SampleScores> = SCORE_KEYS;

/** Sample-length fields usable in rules (characters; never null). */
export const RULE_LENGTH_FIELDS = ['instruction_length', 'response_length'] as const;

export type RuleField = keyof SampleScores | (typeof RULE_LENGTH_FIELDS)[number];

/** Every identifier a rule may use (for autocompletion and error messages). */
export const RULE_FIELDS: readonly RuleField[] = [...RULE_SCORE_FIELDS, ...RULE_LENGTH_FIELDS];

export type CompareOp = '<' | '<=' | '>' | '>=' | '=' | '!=';

/** Boolean part of a rule. `column` is the 1-based column of the node's first token. */
export type RuleExpr =
  | { kind: 'compare'; field: RuleField; op: CompareOp; value: number; column: number }
  | { kind: 'between'; field: RuleField; low: number; high: number; column: number }
  | { kind: 'is-null'; field: RuleField; negated: boolean; column: number }
  | { kind: 'and'; args: RuleExpr[] }
  | { kind: 'or'; args: RuleExpr[] }
  | { kind: 'not'; arg: RuleExpr };

/**
 * Final ranking clause: `top 20% by ifd`, `bottom 5% by aifd`, `top 100 by ifd`.
 * `top` = highest values first, `bottom` = lowest first; ties keep the original sample order.
 */
export interface RankClause {
  direction: 'top' | 'bottom';
  amount: number;
  /** `percent`: `amount`% of the samples the rule is evaluated on; `count`: exactly `amount` samples (or fewer). */
  unit: 'percent' | 'count';
  by: RuleField;
}

/** A parsed rule. At least one of `where` and `rank` is non-null. */
export interface Rule {
  source: string;
  where: RuleExpr | null;
  rank: RankClause | null;
  /** Whether the rule reads any score (not only lengths): samples without scores are then "unscored". */
  usesScores: boolean;
}

/** A rule that does not parse. The message is `${detail} at column ${column}`. */
export class RuleSyntaxError extends Error {
  constructor(
    /** The message without the position. */
    readonly detail: string,
    /** 1-based column of the offending token (rule length + 1 at the end of the input). */
    readonly column: number,
  ) {
    super(`${detail} at column ${column}`);
    this.name = 'RuleSyntaxError';
  }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

type TokenKind = 'ident' | 'number' | 'op' | 'lparen' | 'rparen' | 'percent' | 'sep' | 'eof';

interface Token {
  kind: TokenKind;
  /** Lower-cased for identifiers/keywords; as written otherwise. */
  text: string;
  /** Original spelling. */
  raw: string;
  value: number;
  /** 1-based column. */
  column: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value = NaN, text?: string): void => {
    const raw = src.slice(start, end);
    out.push({ kind, raw, text: text ?? raw, value, column: start + 1 });
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    // Number: -?digits(.digits)?(e[+-]?digits)? or .digits; a '-' only starts a number when a digit or '.digit' follows.
    const next = i + 1 < n ? src.charCodeAt(i + 1) : -1;
    const next2 = i + 2 < n ? src.charCodeAt(i + 2) : -1;
    if (
      isDigit(c) ||
      (c === 46 && isDigit(next)) ||
      (c === 45 && (isDigit(next) || (next === 46 && isDigit(next2))))
    ) {
      if (c === 45) i++;
      while (i < n && isDigit(src.charCodeAt(i))) i++;
      if (i < n && src.charCodeAt(i) === 46) {
        i++;
        while (i < n && isDigit(src.charCodeAt(i))) i++;
      }
      if (i < n && (src.charCodeAt(i) === 101 || src.charCodeAt(i) === 69)) {
        let j = i + 1;
        if (j < n && (src.charCodeAt(j) === 43 || src.charCodeAt(j) === 45)) j++;
        if (j < n && isDigit(src.charCodeAt(j))) {
          i = j;
          while (i < n && isDigit(src.charCodeAt(i))) i++;
        }
      }
      if (i < n && isIdentPart(src.charCodeAt(i))) {
        throw new RuleSyntaxError(`unexpected character '${src[i]}' in number '${src.slice(start, i + 1)}'`, i + 1);
      }
      push('number', start, i, Number(src.slice(start, i)));
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(src.charCodeAt(i))) i++;
      push('ident', start, i, NaN, src.slice(start, i).toLowerCase());
      continue;
    }
    switch (c) {
      case 40: // (
        push('lparen', i, ++i);
        continue;
      case 41: // )
        push('rparen', i, ++i);
        continue;
      case 37: // %
        push('percent', i, ++i);
        continue;
      case 44: // ,
      case 59: // ;
        push('sep', i, ++i);
        continue;
      case 60: // < <= <>
        if (next === 61) push('op', i, (i += 2), NaN, '<=');
        else if (next === 62) push('op', i, (i += 2), NaN, '!=');
        else push('op', i, ++i);
        continue;
      case 62: // > >=
        if (next === 61) push('op', i, (i += 2), NaN, '>=');
        else push('op', i, ++i);
        continue;
      case 61: // = ==
        if (next === 61) push('op', i, (i += 2), NaN, '=');
        else push('op', i, ++i);
        continue;
      case 33: // !=
        if (next === 61) {
          push('op', i, (i += 2), NaN, '!=');
          continue;
        }
        break;
      case 0x2264: // ≤
        push('op', i, ++i, NaN, '<=');
        continue;
      case 0x2265: // ≥
        push('op', i, ++i, NaN, '>=');
        continue;
      case 0x2260: // ≠
        push('op', i, ++i, NaN, '!=');
        continue;
    }
    throw new RuleSyntaxError(`unexpected character '${src[i]}'`, i + 1);
  }
  out.push({ kind: 'eof', text: '', raw: '', value: NaN, column: n + 1 });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parser

const KEYWORDS = new Set(['and', 'or', 'not', 'between', 'is', 'null', 'top', 'bottom', 'by', 'then']);
const FIELD_SET: ReadonlySet<string> = new Set(RULE_FIELDS);
const SCORE_FIELD_SET: ReadonlySet<string> = new Set(RULE_SCORE_FIELDS);

function describeToken(t: Token): string {
  if (t.kind === 'eof') return 'the end of the rule';
  return `'${t.raw}'`;
}

class Parser {
  private pos = 0;
  private usesScores = false;

  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private take(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private isKeyword(t: Token, kw: string): boolean {
    return t.kind === 'ident' && t.text === kw;
  }

  private fail(detail: string, t: Token): never {
    throw new RuleSyntaxError(detail, t.column);
  }

  /** Whether the tokens at the cursor start a rank clause (optionally after a separator). */
  private atRank(): boolean {
    let t = this.peek();
    let k = 0;
    if (t.kind === 'sep' || this.isKeyword(t, 'then') || this.isKeyword(t, 'and')) t = this.peek(++k);
    return this.isKeyword(t, 'top') || this.isKeyword(t, 'bottom');
  }

  parse(): Rule {
    if (this.peek().kind === 'eof') this.fail('the rule is empty: expected a condition such as "ifd < 1" or "top 10% by ifd"', this.peek());
    let where: RuleExpr | null = null;
    if (!this.atRank()) where = this.parseOr();
    let rank: RankClause | null = null;
    if (this.atRank()) rank = this.parseRank();
    const t = this.peek();
    if (t.kind !== 'eof') {
      if (t.kind === 'rparen') this.fail("unmatched ')'", t);
      if (rank) this.fail(`expected the end of the rule after the ranking clause, found ${describeToken(t)} (top/bottom must be the last clause)`, t);
      this.fail(`expected 'and', 'or' or the end of the rule, found ${describeToken(t)}`, t);
    }
    return { source: this.source, where, rank, usesScores: this.usesScores };
  }

  private parseOr(): RuleExpr {
    const args = [this.parseAnd()];
    while (this.isKeyword(this.peek(), 'or')) {
      this.take();
      args.push(this.parseAnd());
    }
    return args.length === 1 ? args[0]! : { kind: 'or', args };
  }

  private parseAnd(): RuleExpr {
    const args = [this.parseNot()];
    while (this.isKeyword(this.peek(), 'and')) {
      // `... and top 10% by ifd`: the `and` introduces the rank clause.
      const after = this.peek(1);
      if (this.isKeyword(after, 'top') || this.isKeyword(after, 'bottom')) break;
      this.take();
      args.push(this.parseNot());
    }
    return args.length === 1 ? args[0]! : { kind: 'and', args };
  }

  private parseNot(): RuleExpr {
    if (this.isKeyword(this.peek(), 'not')) {
      this.take();
      return { kind: 'not', arg: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): RuleExpr {
    const t = this.peek();
    if (t.kind === 'lparen') {
      this.take();
      if (this.peek().kind === 'rparen') this.fail("expected a condition inside '( )'", this.peek());
      const inner = this.parseOr();
      const close = this.peek();
      if (close.kind !== 'rparen') this.fail(`expected ')' to close the '(' at column ${t.column}, found ${describeToken(close)}`, close);
      this.take();
      return inner;
    }
    return this.parseTest();
  }

  private parseField(): { field: RuleField; token: Token } {
    const t = this.peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text)) {
      const prev = this.pos > 0 ? this.tokens[this.pos - 1] : undefined;
      const where = prev ? `after '${prev.raw}'` : 'at the start of the rule';
      this.fail(`expected a score name ${where}, found ${describeToken(t)}`, t);
    }
    if (!FIELD_SET.has(t.text)) {
      this.fail(`unknown score '${t.raw}'; expected one of ${RULE_FIELDS.join(', ')}`, t);
    }
    this.take();
    if (SCORE_FIELD_SET.has(t.text)) this.usesScores = true;
    return { field: t.text as RuleField, token: t };
  }

  private parseNumber(after: string): number {
    const t = this.peek();
    if (t.kind !== 'number') this.fail(`expected a number after '${after}', found ${describeToken(t)}`, t);
    if (!Number.isFinite(t.value)) this.fail(`number '${t.raw}' is out of range`, t);
    this.take();
    return t.value;
  }

  private parseTest(): RuleExpr {
    const start = this.peek();
    if (start.kind === 'number') this.fail(`expected a score name before the number (write "ifd < 1", not "1 > ifd")`, start);
    if (this.isKeyword(start, 'top') || this.isKeyword(start, 'bottom')) {
      this.fail(`'${start.raw}' must start the final clause of the rule`, start);
    }
    const { field, token } = this.parseField();
    const opTok = this.peek();
    if (opTok.kind === 'op') {
      this.take();
      const value = this.parseNumber(opTok.raw);
      return { kind: 'compare', field, op: opTok.text as CompareOp, value, column: token.column };
    }
    if (this.isKeyword(opTok, 'between')) {
      this.take();
      const low = this.parseNumber(opTok.raw);
      const andTok = this.peek();
      if (!this.isKeyword(andTok, 'and')) this.fail(`expected 'and' after '${opTok.raw} ${low}', found ${describeToken(andTok)}`, andTok);
      this.take();
      const highTok = this.peek();
      const high = this.parseNumber(andTok.raw);
      if (low > high) this.fail(`the lower bound ${low} is greater than the upper bound ${high}`, highTok);
      return { kind: 'between', field, low, high, column: token.column };
    }
    if (this.isKeyword(opTok, 'is')) {
      this.take();
      let negated = false;
      if (this.isKeyword(this.peek(), 'not')) {
        this.take();
        negated = true;
      }
      const nullTok = this.peek();
      if (!this.isKeyword(nullTok, 'null')) this.fail(`expected 'null' after '${negated ? 'is not' : 'is'}', found ${describeToken(nullTok)}`, nullTok);
      this.take();
      return { kind: 'is-null', field, negated, column: token.column };
    }
    this.fail(`expected a comparison (<, <=, >, >=, =, !=), 'between' or 'is null' after '${token.raw}', found ${describeToken(opTok)}`, opTok);
  }

  private parseRank(): RankClause {
    const first = this.peek();
    if (first.kind === 'sep' || this.isKeyword(first, 'then') || this.isKeyword(first, 'and')) this.take();
    const dirTok = this.take(); // 'top' | 'bottom' (checked by atRank)
    const direction = dirTok.text === 'top' ? 'top' : 'bottom';
    const numTok = this.peek();
    const amount = this.parseNumber(dirTok.raw);
    let unit: RankClause['unit'] = 'count';
    if (this.peek().kind === 'percent') {
      this.take();
      unit = 'percent';
      if (amount < 0 || amount > 100) this.fail(`a percentage must be between 0 and 100, found ${numTok.raw}%`, numTok);
    } else if (amount < 0 || !Number.isInteger(amount)) {
      this.fail(`expected a whole number of samples or a percentage (e.g. '${numTok.raw}%') after '${dirTok.raw}'`, numTok);
    }
    const byTok = this.peek();
    if (!this.isKeyword(byTok, 'by')) {
      this.fail(`expected 'by' after '${dirTok.raw} ${numTok.raw}${unit === 'percent' ? '%' : ''}', found ${describeToken(byTok)}`, byTok);
    }
    this.take();
    const { field } = this.parseField();
    return { direction, amount, unit, by: field };
  }
}

/**
 * Parse a custom selection rule (see the grammar at the top of this file).
 * @throws RuleSyntaxError with a message such as "expected a number after '<' at column 7".
 */
export function parseRule(rule: string): Rule {
  return new Parser(tokenize(rule), rule).parse();
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** What a rule reads from a sample. */
export interface RuleInput {
  scores: SampleScores | null;
  instructionLength: number;
  responseLength: number;
}

/** Three-valued truth: false, true, unknown (a null score was compared). */
export const Truth = { False: 0, True: 1, Unknown: 2 } as const;
export type Truth = (typeof Truth)[keyof typeof Truth];

export type FieldGetter = (s: RuleInput) => number | null;

/** Accessor for one field: the score (null when missing or NaN) or the length. */
export function fieldGetter(field: RuleField): FieldGetter {
  if (field === 'instruction_length') return (s) => s.instructionLength;
  if (field === 'response_length') return (s) => s.responseLength;
  const key = field;
  return (s) => {
    const sc = s.scores;
    if (sc === null) return null;
    const v = sc[key];
    return typeof v === 'number' && v === v ? v : null;
  };
}

export type CompiledExpr = (s: RuleInput) => Truth;

function compileCompare(get: FieldGetter, op: CompareOp, x: number): CompiledExpr {
  switch (op) {
    case '<':
      return (s) => {
        const v = get(s);
        return v === null ? Truth.Unknown : v < x ? Truth.True : Truth.False;
      };
    case '<=':
      return (s) => {
        const v = get(s);
        return v === null ? Truth.Unknown : v <= x ? Truth.True : Truth.False;
      };
    case '>':
      return (s) => {
        const v = get(s);
        return v === null ? Truth.Unknown : v > x ? Truth.True : Truth.False;
      };
    case '>=':
      return (s) => {
        const v = get(s);
        return v === null ? Truth.Unknown : v >= x ? Truth.True : Truth.False;
      };
    case '=':
      return (s) => {
        const v = get(s);
        return v === null ? Truth.Unknown : v === x ? Truth.True : Truth.False;
      };
    case '!=':
      return (s) => {
        const v = get(s);
        return v === null ? Truth.Unknown : v !== x ? Truth.True : Truth.False;
      };
  }
}

/** Compile the boolean part of a rule into a three-valued predicate. */
export function compileExpr(e: RuleExpr): CompiledExpr {
  switch (e.kind) {
    case 'compare':
      return compileCompare(fieldGetter(e.field), e.op, e.value);
    case 'between': {
      const get = fieldGetter(e.field);
      const { low, high } = e;
      return (s) => {
        const v = get(s);
        return v === null ? Truth.Unknown : v >= low && v <= high ? Truth.True : Truth.False;
      };
    }
    case 'is-null': {
      const get = fieldGetter(e.field);
      return e.negated ? (s) => (get(s) === null ? Truth.False : Truth.True) : (s) => (get(s) === null ? Truth.True : Truth.False);
    }
    case 'not': {
      const inner = compileExpr(e.arg);
      return (s) => {
        const v = inner(s);
        return v === Truth.Unknown ? Truth.Unknown : v === Truth.True ? Truth.False : Truth.True;
      };
    }
    case 'and': {
      const parts = e.args.map(compileExpr);
      return (s) => {
        let result: Truth = Truth.True;
        for (let i = 0; i < parts.length; i++) {
          const v = parts[i]!(s);
          if (v === Truth.False) return Truth.False;
          if (v === Truth.Unknown) result = Truth.Unknown;
        }
        return result;
      };
    }
    case 'or': {
      const parts = e.args.map(compileExpr);
      return (s) => {
        let result: Truth = Truth.False;
        for (let i = 0; i < parts.length; i++) {
          const v = parts[i]!(s);
          if (v === Truth.True) return Truth.True;
          if (v === Truth.Unknown) result = Truth.Unknown;
        }
        return result;
      };
    }
  }
}

/** Format a number for display: finite numbers as JavaScript prints them. */
function num(x: number): string {
  return String(x);
}

/** Canonical text of a boolean expression (fully parenthesised where precedence needs it). */
export function formatExpr(e: RuleExpr, parent: 'or' | 'and' | 'not' | null = null): string {
  switch (e.kind) {
    case 'compare':
      return `${e.field} ${e.op} ${num(e.value)}`;
    case 'between':
      return `${e.field} between ${num(e.low)} and ${num(e.high)}`;
    case 'is-null':
      return `${e.field} is ${e.negated ? 'not ' : ''}null`;
    case 'not':
      return `not ${formatExpr(e.arg, 'not')}`;
    case 'and': {
      const s = e.args.map((a) => formatExpr(a, 'and')).join(' and ');
      return parent === 'not' ? `(${s})` : s;
    }
    case 'or': {
      const s = e.args.map((a) => formatExpr(a, 'or')).join(' or ');
      return parent === 'and' || parent === 'not' ? `(${s})` : s;
    }
  }
}

/** Canonical one-line text of a parsed rule (normalised spacing and case). */
export function formatRule(rule: Rule): string {
  const parts: string[] = [];
  if (rule.where) parts.push(formatExpr(rule.where));
  if (rule.rank) {
    const r = rule.rank;
    parts.push(`${r.direction} ${num(r.amount)}${r.unit === 'percent' ? '%' : ''} by ${r.by}`);
  }
  return parts.join(' ');
}
