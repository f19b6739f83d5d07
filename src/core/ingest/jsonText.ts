// JSON source text utilities: linear scans over raw text, never recursive, so no input (a record
// nested 20,000 levels deep, a 1 GB array) can overflow the stack or need one giant string.
//
// - `jsonDepthExceeds`: nesting depth of a JSON text, from its brackets outside strings (checked
//   before JSON.parse, and before anything walks the parsed value);
// - `minifyJson`: the text without the whitespace between tokens (a pretty-printed record on one line);
// - `JsonArrayScanner`: splits a JSON document, fed chunk by chunk, into the source text of each
//   element of its array of records;
// - `parseJsonExact` / `stringifyJsonExact`: JSON with integers beyond 2^53 kept exact (as BigInt);
// - `setTopLevelMember`: an object's source text with one member replaced or appended, everything
//   else byte for byte as it was (the JSONL export writes the `quarry` object this way).

/**
 * Records nested deeper than this (objects and arrays inside one another) are skipped with an
 * issue: real instruction data is a few levels deep, and the browser's recursive algorithms
 * (structured clone, JSON.stringify) overflow the stack somewhere in the thousands.
 */
export const MAX_NESTING_DEPTH = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Index just past the string whose opening quote is at `open` (the closing quote's index + 1), or
 * -1 when the text ends inside it. Jumps from quote to quote, counting the backslashes before each.
 */
export function skipString(text: string, open: number): number {
  let q = open;
  for (;;) {
    q = text.indexOf('"', q + 1);
    if (q === -1) return -1;
    let b = q - 1;
    while (b > open && text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
  }
}

/**
 * True when the JSON text nests objects/arrays more than `max` levels deep (brackets inside strings
 * do not count). Linear, no recursion; stops as soon as the limit is passed.
 */
export function jsonDepthExceeds(text: string, max: number = MAX_NESTING_DEPTH): boolean {
  if (text.length <= max) return false; // every level needs at least one character
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = skipString(text, i);
      if (end === -1) return false;
      i = end - 1;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/** The JSON text without whitespace between tokens (strings untouched). Returns `text` itself when there is none. */
export function minifyJson(text: string): string {
  const parts: string[] = [];
  let from = 0; // start of the text not yet copied
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = skipString(text, i);
      if (end === -1) break;
      i = end - 1;
    } else if (isJsonSpace(c)) {
      if (i > from) parts.push(text.slice(from, i));
      let j = i + 1;
      while (j < n && isJsonSpace(text.charCodeAt(j))) j++;
      from = j;
      i = j - 1;
    }
  }
  if (from === 0) return text;
  parts.push(text.slice(from));
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// Streaming splitter for JSON documents holding an array of records.

/** What kind of JSON value starts with this character (null: not a value). */
export function valueKindOf(c: string | undefined): 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' | null {
  switch (c) {
    case '{':
      return 'object';
    case '[':
      return 'array';
    case '"':
      return 'string';
    case 't':
    case 'f':
      return 'boolean';
    case 'n':
      return 'null';
    default:
      return c !== undefined && (c === '-' || (c >= '0' && c <= '9')) ? 'number' : null;
  }
}

export type ValueKind = NonNullable<ReturnType<typeof valueKindOf>>;

/** One element of the records array, as the scanner hands it over. */
export interface ScannedElement {
  /** 0-based position in the array. */
  index: number;
  kind: ValueKind;
  /** Source text (objects only; null when too large or too deep, or for other kinds). */
  text: string | null;
  tooLarge: boolean;
  /** Deeper than the depth limit. */
  tooDeep: boolean;
}

export type ScanEvent =
  /** The document is a JSON array (or an object holding one): elements follow. */
  | { type: 'json' }
  | { type: 'element'; element: ScannedElement }
  /** The first line is a complete JSON object and more follows: read the file as JSON lines instead. */
  | { type: 'jsonl' };

/** A whole-document problem; `message` completes "<file> ...". */
export class JsonScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonScanError';
  }
}

const enum St {
  Start,
  /** Top-level array: after '[' (a value or ']'), after ',' (a value), after a value (',' or ']'). */
  ArrOpen,
  ArrNext,
  ArrAfter,
  /** Top-level object: after '{' (key or '}'), after ',' (key), after key (':'), after ':' (value), after value (',' or '}'). */
  ObjOpen,
  ObjNext,
  ObjColon,
  ObjValue,
  ObjAfter,
  /** Scanning a key string. */
  Key,
  /** Scanning a value (an element, or a member value being skipped). */
  Value,
  /** After the top-level value: only whitespace may follow. */
  End,
}

interface ArrayFrame {
  /** Member name when this array is a member of the top-level object, null for a top-level array. */
  key: string | null;
  count: number;
  hasObject: boolean;
  /** Non-object elements seen before the first object (reported once an object shows it is the records array). */
  held: ScannedElement[];
  /** Elements are handed over (this is the records array). */
  emit: boolean;
}

/**
 * Splits a JSON document, fed as text chunks, into the elements of its records array: a top-level
 * array, or the one array of objects inside a top-level object (`{"data": [...]}`). Each object
 * element comes with its source text (at most `maxChars` UTF-16 units and `maxDepth` levels, else
 * flagged and not kept); other elements come with their kind only. Memory is bounded by the
 * largest element, except in one case: a top-level object written on a single line, whose elements
 * are held until the line ends (it may turn out to be the first line of a JSON-lines file).
 *
 * Grammar errors in the array/object structure throw JsonScanError; the content of each element is
 * left to JSON.parse (a malformed element is one record's problem). Linear time, no recursion.
 */
export class JsonArrayScanner {
  private st: St = St.Start;
  private top: 'array' | 'object' | null = null;
  private frame: ArrayFrame | null = null;
  /** Arrays of the top-level object that hold objects, by name. */
  private readonly arraysOfObjects: string[] = [];
  private events: ScanEvent[] = [];
  /** Undecided: a top-level object whose first line has not ended; events are held meanwhile. */
  private undecided = false;
  private held: ScanEvent[] = [];
  private topClosedOnFirstLine = false;
  /** Index in the current chunk of the first newline after the top-level '{' (-1: none in this chunk). */
  private firstNl = -1;

  // value scanning state
  private vKind: ValueKind = 'null';
  private vDepth = 0;
  /** Bracket types of the open containers, up to STACK_CAP levels (deeper ones are only counted). */
  private vStack: number[] = [];
  private vInString = false;
  private vEscape = false;
  private vCollect = false;
  private vParts: string[] = [];
  private vLen = 0;
  private vTooLarge = false;
  private vTooDeep = false;
  /** The value being scanned is a key string (St.Key) */
  private keyParts: string[] = [];
  private currentKey = '';

  // position, for messages
  private line = 1;
  private lineAtChunk = 1;

  constructor(
    private readonly maxChars: number,
    private readonly maxDepth: number = MAX_NESTING_DEPTH,
  ) {}

  private fail(what: string, chunk: string, i: number): never {
    let line = this.lineAtChunk;
    for (let k = chunk.indexOf('\n'); k !== -1 && k < i; k = chunk.indexOf('\n', k + 1)) line++;
    throw new JsonScanError(`is not valid JSON: ${what} (line ${line})`);
  }

  private emit(ev: ScanEvent): void {
    if (this.undecided) this.held.push(ev);
    else this.events.push(ev);
  }

  private decideJson(): void {
    if (!this.undecided) return;
    this.undecided = false;
    this.events.push({ type: 'json' }, ...this.held);
    this.held = [];
  }

  /** Feed the next chunk of text; returns the events it completed. */
  feed(chunk: string): ScanEvent[] {
    this.events = [];
    this.lineAtChunk = this.line;
    const n = chunk.length;
    this.firstNl = this.undecided && !this.topClosedOnFirstLine ? chunk.indexOf('\n') : -1;
    let i = 0;
    while (i < n) {
      // the top-level object's first line has ended: it is a JSON document, not JSON lines
      if (this.firstNl !== -1 && i > this.firstNl && this.undecided && !this.topClosedOnFirstLine) this.decideJson();
      if (this.st === St.Value) {
        i = this.scanValue(chunk, i);
        continue;
      }
      if (this.st === St.Key) {
        i = this.scanKey(chunk, i);
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (isJsonSpace(c)) {
        i++;
        continue;
      }
      const ch = chunk[i]!;
      switch (this.st) {
        case St.Start: {
          if (ch === '[') {
            this.top = 'array';
            this.events.push({ type: 'json' });
            this.frame = { key: null, count: 0, hasObject: false, held: [], emit: true };
            this.st = St.ArrOpen;
            i++;
          } else if (ch === '{') {
            this.top = 'object';
            this.undecided = true;
            this.firstNl = chunk.indexOf('\n', i);
            this.st = St.ObjOpen;
            i++;
          } else {
            const kind = valueKindOf(ch);
            if (kind === null) this.fail(`unexpected character ${JSON.stringify(ch)} at the start`, chunk, i);
            throw new JsonScanError(`is not an array of objects (the top-level JSON value is a ${kind}).`);
          }
          break;
        }
        case St.ArrOpen:
        case St.ArrNext: {
          if (ch === ']') {
            if (this.st === St.ArrNext) this.fail('a "," is followed by "]"', chunk, i);
            i++;
            this.closeArray();
          } else {
            i = this.startValue(chunk, i, 'element');
          }
          break;
        }
        case St.ArrAfter: {
          if (ch === ',') {
            this.st = St.ArrNext;
            i++;
          } else if (ch === ']') {
            i++;
            this.closeArray();
          } else {
            this.fail(`expected "," or "]" after element ${this.frame!.count}, found ${JSON.stringify(ch)}`, chunk, i);
          }
          break;
        }
        case St.ObjOpen:
        case St.ObjNext: {
          if (ch === '}') {
            if (this.st === St.ObjNext) this.fail('a "," is followed by "}"', chunk, i);
            i++;
            this.closeTop(i);
          } else if (ch === '"') {
            this.keyParts = [];
            this.vEscape = false;
            this.st = St.Key;
            i++;
          } else {
            this.fail(`expected a member name, found ${JSON.stringify(ch)}`, chunk, i);
          }
          break;
        }
        case St.ObjColon: {
          if (ch !== ':') this.fail(`expected ":" after the member name "${this.currentKey}"`, chunk, i);
          this.st = St.ObjValue;
          i++;
          break;
        }
        case St.ObjValue: {
          if (ch === '[') {
            this.frame = { key: this.currentKey, count: 0, hasObject: false, held: [], emit: false };
            this.st = St.ArrOpen;
            i++;
          } else {
            i = this.startValue(chunk, i, 'skip');
          }
          break;
        }
        case St.ObjAfter: {
          if (ch === ',') {
            this.st = St.ObjNext;
            i++;
          } else if (ch === '}') {
            i++;
            this.closeTop(i);
          } else {
            this.fail(`expected "," or "}" after the member "${this.currentKey}", found ${JSON.stringify(ch)}`, chunk, i);
          }
          break;
        }
        case St.End: {
          if (this.undecided && this.topClosedOnFirstLine) {
            // a complete object on the first line, and more after it: JSON lines
            this.undecided = false;
            this.held = [];
            this.events.push({ type: 'jsonl' });
            this.st = St.End;
            return this.finishChunk(chunk, n, true);
          }
          this.fail(`unexpected ${JSON.stringify(ch)} after the end of the top-level ${this.top}`, chunk, i);
        }
      }
    }
    return this.finishChunk(chunk, n, false);
  }

  private jsonl = false;

  private finishChunk(chunk: string, n: number, jsonl: boolean): ScanEvent[] {
    if (jsonl) this.jsonl = true;
    else if (this.firstNl !== -1 && this.undecided && !this.topClosedOnFirstLine) this.decideJson();
    for (let k = chunk.indexOf('\n'); k !== -1 && k < n; k = chunk.indexOf('\n', k + 1)) this.line++;
    return this.events;
  }

  /** True once the scanner has decided the file is JSON lines (stop feeding it). */
  get isJsonLines(): boolean {
    return this.jsonl;
  }

  /** The input has ended: checks the document is complete; returns the last events. */
  end(): ScanEvent[] {
    this.events = [];
    if (this.jsonl) return this.events;
    switch (this.st) {
      case St.Start:
        throw new JsonScanError('is empty (it contains only whitespace); there is nothing to load.');
      case St.End:
        break;
      case St.Value:
        throw new JsonScanError(`is not valid JSON: the file ends inside a ${this.vKind} (line ${this.line})`);
      default:
        throw new JsonScanError(
          `is not valid JSON: the file ends before the top-level ${this.top ?? 'value'} is closed (line ${this.line})`,
        );
    }
    this.decideJson();
    if (this.top === 'object') {
      if (this.arraysOfObjects.length === 0) {
        throw new JsonScanError(
          'is not an array of objects: expected [ {...}, ... ] or an object holding one such array, e.g. {"data": [ {...} ]}.',
        );
      }
      if (this.arraysOfObjects.length > 1) {
        throw new JsonScanError(
          `holds several arrays of objects (${this.arraysOfObjects.map((k) => `"${k}"`).join(', ')}); expected exactly one.`,
        );
      }
    }
    return this.events;
  }

  private closeTop(at: number): void {
    this.st = St.End;
    if (!this.undecided) return;
    if (this.firstNl !== -1 && this.firstNl < at) this.decideJson();
    // closed before any newline: decide at the next non-space character (or the end of the input)
    else this.topClosedOnFirstLine = true;
  }

  private closeArray(): void {
    const f = this.frame!;
    this.frame = null;
    if (f.key === null) {
      if (!f.hasObject && f.held.length > 0) {
        throw new JsonScanError(`is not an array of objects (its items are ${f.held[0]!.kind}s).`);
      }
      this.st = St.End;
    } else {
      this.st = St.ObjAfter;
    }
  }

  /** Begin scanning a value at chunk[i]; `mode` says whether it is an element of the current array. */
  private startValue(chunk: string, i: number, mode: 'element' | 'skip'): number {
    const ch = chunk[i];
    const kind = valueKindOf(ch);
    if (kind === null) this.fail(`unexpected character ${JSON.stringify(ch)}`, chunk, i);
    this.vKind = kind;
    this.vDepth = 0;
    this.vStack = [];
    this.vInString = false;
    this.vEscape = false;
    this.vParts = [];
    this.vLen = 0;
    this.vTooLarge = false;
    this.vTooDeep = false;
    // keep the text of object elements of an array that is (or may turn out to be, at its first
    // object) the records array
    const f = this.frame;
    this.vCollect = f !== null && kind === 'object' && (f.emit || (!f.hasObject && this.arraysOfObjects.length === 0));
    this.vMode = mode;
    this.st = St.Value;
    return i;
  }

  /** 'element': an element of the current array; 'skip': a member value of the top-level object. */
  private vMode: 'element' | 'skip' = 'skip';

  private collect(chunk: string, from: number, to: number): void {
    if (!this.vCollect || to <= from) return;
    this.vLen += to - from;
    if (this.vLen > this.maxChars) {
      this.vTooLarge = true;
      this.vCollect = false;
      this.vParts = [];
      return;
    }
    this.vParts.push(from === 0 && to === chunk.length ? chunk : chunk.slice(from, to));
  }

  /** Continue scanning the current value from chunk[i]; returns where the scan stopped. */
  private scanValue(chunk: string, i: number): number {
    const n = chunk.length;
    const start = i;
    if (this.vKind === 'number' || this.vKind === 'boolean' || this.vKind === 'null') {
      // a literal: up to the next structural character or space
      let j = i;
      while (j < n) {
        const c = chunk.charCodeAt(j);
        if (c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || isJsonSpace(c) || c === COLON) break;
        j++;
      }
      this.collect(chunk, start, j);
      if (j < n) this.valueDone();
      return j;
    }
    let j = i;
    // next quote / backslash at or after j in this chunk (-1: none left; -2: not looked up yet)
    let q = -2;
    let b = -2;
    while (j < n) {
      if (this.vInString) {
        if (this.vEscape) {
          this.vEscape = false;
          j++;
          continue;
        }
        // jump to the next quote or backslash (each search resumes where the last one stopped)
        if (q !== -1 && q < j) q = chunk.indexOf('"', j);
        if (b !== -1 && b < j) b = chunk.indexOf('\\', j);
        if (b !== -1 && (q === -1 || b < q)) {
          this.vEscape = true;
          j = b + 1;
          continue;
        }
        if (q === -1) {
          j = n;
          break;
        }
        this.vInString = false;
        j = q + 1;
        if (this.vDepth === 0) {
          // a string value ends with its closing quote
          this.collect(chunk, start, j);
          this.valueDone();
          return j;
        }
        continue;
      }
      const c = chunk.charCodeAt(j);
      if (c === QUOTE) {
        this.vInString = true;
        j++;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.vDepth++;
        if (this.vStack.length < STACK_CAP) this.vStack.push(c);
        if (this.vDepth > this.maxDepth && !this.vTooDeep) {
          this.vTooDeep = true;
          this.vCollect = false;
          this.vParts = [];
        }
        j++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (this.vDepth <= STACK_CAP) {
          const open = this.vStack.pop();
          if (open !== (c === CLOSE_BRACE ? OPEN_BRACE : OPEN_BRACKET)) {
            this.fail(`mismatched ${JSON.stringify(String.fromCharCode(c))}`, chunk, j);
          }
        }
        this.vDepth--;
        j++;
        if (this.vDepth === 0) {
          this.collect(chunk, start, j);
          this.valueDone();
          return j;
        }
      } else {
        j++;
      }
    }
    this.collect(chunk, start, n);
    return n;
  }

  private valueDone(): void {
    const f = this.frame;
    if (this.vMode === 'element' && f) {
      const el: ScannedElement = {
        index: f.count++,
        kind: this.vKind,
        text: this.vCollect ? this.vParts.join('') : null,
        tooLarge: this.vTooLarge,
        tooDeep: this.vTooDeep,
      };
      this.vParts = [];
      this.arrayElement(f, el);
      this.st = St.ArrAfter;
    } else {
      this.vParts = [];
      this.st = this.frame ? St.ArrAfter : St.ObjAfter;
    }
  }

  private arrayElement(f: ArrayFrame, el: ScannedElement): void {
    if (el.kind === 'object') {
      if (!f.hasObject) {
        f.hasObject = true;
        if (f.key !== null) {
          this.arraysOfObjects.push(f.key);
          f.emit = this.arraysOfObjects.length === 1;
        }
        if (f.emit) for (const h of f.held) this.emit({ type: 'element', element: h });
        f.held = [];
      }
      if (f.emit) this.emit({ type: 'element', element: el });
    } else if (f.hasObject) {
      if (f.emit) this.emit({ type: 'element', element: el });
    } else {
      f.held.push({ ...el, text: null });
    }
  }

  /** Scan a member name (a string; escapes decoded by JSON.parse once complete). */
  private scanKey(chunk: string, i: number): number {
    const n = chunk.length;
    let j = i;
    while (j < n) {
      if (this.vEscape) {
        this.vEscape = false;
        j++;
        continue;
      }
      const c = chunk.charCodeAt(j);
      if (c === BACKSLASH) {
        this.vEscape = true;
        j++;
      } else if (c === QUOTE) {
        this.keyParts.push(chunk.slice(i, j));
        const raw = this.keyParts.join('');
        this.keyParts = [];
        try {
          this.currentKey = JSON.parse(`"${raw}"`) as string;
        } catch {
          this.fail('a member name is not a valid string', chunk, j);
        }
        this.st = St.ObjColon;
        return j + 1;
      } else {
        j++;
      }
    }
    this.keyParts.push(chunk.slice(i));
    if (this.keyParts.length > 1 && this.keyParts.reduce((s, p) => s + p.length, 0) > this.maxChars) {
      this.fail('a member name is too long', chunk, n);
    }
    return n;
  }
}

/** Bracket types are checked up to this depth; deeper (already too deep) levels are only counted. */
const STACK_CAP = MAX_NESTING_DEPTH * 4;

// ---------------------------------------------------------------------------------------------
// Exact numbers.

function isUnsafeIntegerLiteral(token: string): boolean {
  // digits only (optionally negative), beyond 2^53: JSON.parse would round it
  const digits = token.charCodeAt(0) === 0x2d ? token.length - 1 : token.length;
  if (digits < 16) return false;
  for (let k = token.charCodeAt(0) === 0x2d ? 1 : 0; k < token.length; k++) {
    const c = token.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return false;
  }
  return !Number.isSafeInteger(Number(token));
}

/** True when the text has an integer literal outside strings that JSON.parse would round (cheap pre-check first). */
export function hasUnsafeInteger(text: string): boolean {
  if (!/\d{16}/.test(text)) return false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = skipString(text, i);
      if (end === -1) return false;
      i = end - 1;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (!(d >= 0x30 && d <= 0x39) && d !== 0x2e && d !== 0x65 && d !== 0x45 && d !== 0x2b && d !== 0x2d) break;
        j++;
      }
      if (isUnsafeIntegerLiteral(text.slice(i, j))) return true;
      i = j - 1;
    }
  }
  return false;
}

/**
 * JSON.parse, except that integer literals beyond ±2^53 become BigInt (exact) instead of rounded
 * numbers. Iterative (an explicit stack): any depth is safe. Throws SyntaxError like JSON.parse.
 */
export function parseJsonExact(text: string): unknown {
  if (!hasUnsafeInteger(text)) return JSON.parse(text);
  type Frame = { container: unknown[] | Record<string, unknown>; key: string | null };
  const stack: Frame[] = [];
  let result: unknown;
  let haveResult = false;
  let i = 0;
  const n = text.length;
  const err = (what: string): SyntaxError => new SyntaxError(`${what} at position ${i}`);
  const ws = () => {
    while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
  };
  const put = (v: unknown): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      result = v;
      haveResult = true;
    } else if (Array.isArray(top.container)) top.container.push(v);
    else (top.container as Record<string, unknown>)[top.key!] = v;
  };
  // expect: 'value' | 'after' (',' or close) | 'key'
  let expect: 'value' | 'after' | 'key' | 'first-key' | 'first-value' = 'value';
  /** Consumes the closing bracket of the innermost container and puts it; true when that was the top level. */
  const closeContainer = (): boolean => {
    i++;
    put(stack.pop()!.container);
    expect = 'after';
    return stack.length === 0;
  };
  for (;;) {
    ws();
    if (haveResult && stack.length === 0) break;
    if (i >= n) throw err('Unexpected end of JSON input');
    const ch = text[i]!;
    if (expect === 'after') {
      const top = stack[stack.length - 1]!;
      const isArr = Array.isArray(top.container);
      if (ch === ',') {
        i++;
        expect = isArr ? 'value' : 'key';
        continue;
      }
      if ((isArr && ch === ']') || (!isArr && ch === '}')) {
        if (closeContainer()) break;
        continue;
      }
      throw err(`Unexpected token ${ch}`);
    }
    if (expect === 'key' || expect === 'first-key') {
      if (ch === '}' && expect === 'first-key') {
        if (closeContainer()) break;
        continue;
      }
      if (ch !== '"') throw err(`Unexpected token ${ch}`);
      const end = skipString(text, i);
      if (end === -1) throw err('Unterminated string');
      const key = JSON.parse(text.slice(i, end)) as string;
      i = end;
      ws();
      if (text[i] !== ':') throw err('Expected ":"');
      i++;
      stack[stack.length - 1]!.key = key;
      expect = 'value';
      continue;
    }
    // a value
    if (ch === ']' && expect === 'first-value') {
      if (closeContainer()) break;
      continue;
    }
    if (ch === '{') {
      i++;
      stack.push({ container: {}, key: null });
      expect = 'first-key';
      continue;
    }
    if (ch === '[') {
      i++;
      stack.push({ container: [], key: null });
      expect = 'first-value';
      continue;
    }
    let end: number;
    if (ch === '"') {
      end = skipString(text, i);
      if (end === -1) throw err('Unterminated string');
      put(JSON.parse(text.slice(i, end)));
    } else {
      end = i;
      while (end < n) {
        const c = text.charCodeAt(end);
        if (c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || isJsonSpace(c)) break;
        end++;
      }
      const token = text.slice(i, end);
      put(isUnsafeIntegerLiteral(token) ? BigInt(token) : JSON.parse(token));
    }
    i = end;
    expect = 'after';
    if (stack.length === 0) break;
  }
  ws();
  if (i < n) throw err(`Unexpected non-whitespace character after JSON`);
  return result;
}

/**
 * JSON.stringify for records whose values may include BigInt (written as its digits, a JSON
 * number). Falls back to JSON.stringify when there is none.
 */
export function stringifyJsonExact(value: unknown): string {
  if (!containsBigInt(value)) return JSON.stringify(value) ?? 'null';
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

function containsBigInt(v: unknown): boolean {
  const todo: unknown[] = [v];
  while (todo.length > 0) {
    const x = todo.pop();
    if (typeof x === 'bigint') return true;
    if (x !== null && typeof x === 'object') {
      if (Array.isArray(x)) for (const y of x) todo.push(y);
      else for (const k of Object.keys(x)) todo.push((x as Record<string, unknown>)[k]);
    }
  }
  return false;
}

function write(v: unknown, out: string[]): void {
  // records are depth-limited at ingest, so this recursion is bounded
  if (typeof v === 'bigint') {
    out.push(v.toString());
    return;
  }
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v) ?? 'null');
    return;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    out.push(JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(',');
      const x = v[i];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') out.push('null');
      else write(x, out);
    }
    out.push(']');
    return;
  }
  out.push('{');
  let first = true;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(k), ':');
    write(x, out);
  }
  out.push('}');
}

// ---------------------------------------------------------------------------------------------
// Editing an object's source text.

/**
 * The members of the JSON object `text` at the top level: for each, the span from its name to the
 * end of its value, and the decoded name. Null when `text` is not an object (after trimming).
 */
function topLevelMembers(text: string): { open: number; close: number; members: { name: string; start: number; end: number }[] } | null {
  const n = text.length;
  let i = 0;
  while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== OPEN_BRACE) return null;
  const open = i;
  let close = n - 1;
  while (close > open && isJsonSpace(text.charCodeAt(close))) close--;
  if (text.charCodeAt(close) !== CLOSE_BRACE) return null;
  const members: { name: string; start: number; end: number }[] = [];
  i = open + 1;
  let depth = 0;
  let memberStart = -1;
  let name = '';
  let expectKey = true;
  for (; i < close; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = skipString(text, i);
      if (end === -1 || end > close) return null;
      if (depth === 0 && expectKey) {
        memberStart = i;
        try {
          name = JSON.parse(text.slice(i, end)) as string;
        } catch {
          return null;
        }
        expectKey = false;
      }
      i = end - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === COMMA && depth === 0) {
      if (memberStart !== -1) members.push({ name, start: memberStart, end: trimEnd(text, i) });
      memberStart = -1;
      expectKey = true;
    }
  }
  if (memberStart !== -1) members.push({ name, start: memberStart, end: trimEnd(text, close) });
  return { open, close, members };
}

function trimEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && isJsonSpace(text.charCodeAt(e - 1))) e--;
  return e;
}

/**
 * The object source text `text` with the member `name` set to `valueJson` as its last member:
 * every other byte is kept (key order, number spellings, escapes, big integers); members already
 * named `name` are removed. Returns null when `text` is not a JSON object.
 */
export function setTopLevelMember(text: string, name: string, valueJson: string): string | null {
  const parsed = topLevelMembers(text);
  if (!parsed) return null;
  const { open, close, members } = parsed;
  const member = `${JSON.stringify(name)}:${valueJson}`;
  const last = members[members.length - 1];
  if (!last) return `${text.slice(0, open + 1)}${member}${text.slice(open + 1, close)}}`;
  // the kept members, each followed by the separator (comma and spacing) that followed it in the
  // source; the new member after the last one; then the source's spacing before the closing brace
  const out: string[] = [text.slice(0, members[0]!.start)];
  let any = false;
  let pendingSep = ',';
  for (let k = 0; k < members.length; k++) {
    const m = members[k]!;
    if (m.name === name) continue;
    if (any) out.push(pendingSep);
    out.push(text.slice(m.start, m.end));
    pendingSep = k + 1 < members.length ? text.slice(m.end, members[k + 1]!.start) : ',';
    any = true;
  }
  out.push(any ? ',' : '', member, text.slice(last.end, close), '}');
  return out.join('');
}
