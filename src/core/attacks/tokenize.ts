// Splits an instruction into words with character offsets and marks the protected ones.
//
// Protected spans are never changed by any attack:
//   code-fence     ```...``` / ~~~...~~~ blocks (an unclosed fence runs to the end of the text)
//   code-inline    `x`, ``x`` (matching backtick runs)
//   code-indented  lines starting with 4 spaces or a tab
//   url / email    http(s)://..., ftp://..., www...., name@host.tld
//   placeholder    {input}, {{x}}, ${x}
//   quote          "...", '...', “...”, ‘...’, «...», „...“
//   number         3.14, 1,000, 10%, 12:30 (and any word containing a digit: 1st, v2, GPT4)
//   identifier     words with an underscore or an inner lower->upper case change (snake_case, camelCase)

export type ProtectedKind =
  | 'code-fence'
  | 'code-inline'
  | 'code-indented'
  | 'url'
  | 'email'
  | 'placeholder'
  | 'quote'
  | 'number'
  | 'identifier';

export interface ProtectedSpan {
  /** Character offsets (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
  kind: ProtectedKind;
}

export interface WordToken {
  /** Position among all words of the instruction. */
  index: number;
  text: string;
  start: number;
  end: number;
  protected: boolean;
  /** Why it is protected (the first span it overlaps, or its own shape). */
  protectedKind?: ProtectedKind;
}

export interface TokenizedInstruction {
  text: string;
  words: WordToken[];
  /** Sorted by start; may nest or overlap (a URL inside a quote); use `isProtectedRange`. */
  spans: ProtectedSpan[];
}

const WORD_RE = /[\p{L}\p{M}\p{N}_]+(?:['’][\p{L}\p{M}\p{N}_]+)*/gu;

// Every pass below is linear in the length of the text: dataset text can be a megabyte of anything,
// and a regex with overlapping quantifiers (or a search restarted at every position) would freeze the
// tab. The passes that regexes would make quadratic are hand scans with pointers that only move
// forward; the regexes that remain match in time proportional to what they consume.

const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;
const LETTER = /\p{L}/u;
const WHITESPACE = /\s/;

/** Code point at `i` (a surrogate pair read whole), or -1 past the end. */
function codePointAt(text: string, i: number): number {
  return i < text.length ? text.codePointAt(i)! : -1;
}

/** Code point ending just before `i` (a surrogate pair read whole), or -1 at the start. */
function codePointBefore(text: string, i: number): number {
  if (i <= 0) return -1;
  const lo = text.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = text.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return text.codePointAt(i - 2)!;
  }
  return lo;
}

function isLetterOrNumber(cp: number): boolean {
  if (cp < 0) return false;
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || ((cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a);
  return LETTER_OR_NUMBER.test(String.fromCodePoint(cp));
}

function isLetter(cp: number): boolean {
  if (cp < 0) return false;
  if (cp < 0x80) return (cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a;
  return LETTER.test(String.fromCodePoint(cp));
}

/** Length in UTF-16 units of the code point at `i` (2 for a surrogate pair). */
function unitsAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

function fencedBlocks(text: string, out: ProtectedSpan[]): void {
  const lineRe = /^[ \t]{0,3}(`{3,}|~{3,})/;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl === -1 ? text.length : nl;
    const line = text.slice(pos, lineEnd);
    const m = lineRe.exec(line);
    // a fence opened and closed on the same line (```code```) is handled as inline code
    if (m && m[1] && !line.slice(line.indexOf(m[1]) + m[1].length).includes(m[1])) {
      const fence = m[1];
      const start = pos + line.indexOf(fence);
      // search for the closing fence on a later line; the block ends there (or at the end of the text)
      let p = lineEnd + 1;
      let end = text.length;
      while (p <= text.length) {
        const n2 = text.indexOf('\n', p);
        const e2 = n2 === -1 ? text.length : n2;
        const l2 = text.slice(p, e2);
        const close = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*$/.exec(l2);
        if (close && close[1] && close[1][0] === fence[0] && close[1].length >= fence.length) {
          end = p + l2.trimEnd().length;
          break;
        }
        if (n2 === -1) break;
        p = n2 + 1;
      }
      out.push({ start, end, kind: 'code-fence' });
      const after = text.indexOf('\n', end);
      pos = after === -1 ? text.length : after + 1;
      continue;
    }
    if (nl === -1) break;
    pos = nl + 1;
  }
}

/** `fences` are sorted and disjoint; each backtick run is paired with the next run of the same length. */
function inlineCode(text: string, fences: readonly ProtectedSpan[], out: ProtectedSpan[]): void {
  const runRe = /`+/g;
  const runs: { start: number; len: number }[] = [];
  let f = 0;
  for (let m = runRe.exec(text); m; m = runRe.exec(text)) {
    const a = m.index;
    const b = a + m[0].length;
    while (f < fences.length && fences[f]!.end <= a) f++;
    const claimed = f < fences.length && fences[f]!.start < b;
    if (!claimed) runs.push({ start: a, len: m[0].length });
  }
  // next[i]: the index of the next run with the same length as run i (-1 if none)
  const next = new Int32Array(runs.length).fill(-1);
  const lastOfLen = new Map<number, number>();
  for (let i = runs.length - 1; i >= 0; i--) {
    const len = runs[i]!.len;
    const j = lastOfLen.get(len);
    if (j !== undefined) next[i] = j;
    lastOfLen.set(len, i);
  }
  for (let i = 0; i < runs.length; i++) {
    const j = next[i]!;
    if (j === -1) continue;
    const open = runs[i]!;
    const close = runs[j]!;
    out.push({ start: open.start, end: close.start + close.len, kind: 'code-inline' });
    i = j;
  }
}

function indentedLines(text: string, out: ProtectedSpan[]): void {
  const re = /^(?: {4}|\t)[^\n]*/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].trim().length > 0) out.push({ start: m.index, end: m.index + m[0].length, kind: 'code-indented' });
  }
}

/** `text` with every character inside a span replaced by U+0000 (one pass over the merged spans). */
function maskSpans(text: string, spans: readonly ProtectedSpan[]): string {
  if (spans.length === 0) return text;
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let pos = 0;
  for (const s of sorted) {
    if (s.end <= pos) continue;
    const start = Math.max(s.start, pos);
    parts.push(text.slice(pos, start), '\u0000'.repeat(s.end - start));
    pos = s.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}

function regexSpans(text: string, re: RegExp, kind: ProtectedKind, out: ProtectedSpan[]): void {
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length > 0) out.push({ start: m.index, end: m.index + m[0].length, kind });
    else re.lastIndex++;
  }
}

const URL_TRAILING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', "'", '"']);

/** http(s)://, ftp://, www. runs, without trailing punctuation. */
function urlSpans(text: string, out: ProtectedSpan[]): void {
  const re = /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'`\u0000]+/giu;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let len = m[0].length;
    while (len > 0 && URL_TRAILING.has(m[0][len - 1]!)) len--;
    if (len > 0) out.push({ start: m.index, end: m.index + len, kind: 'url' });
  }
}

/** Characters of an email's local part: letters, numbers and . _ % + - */
function isLocalChar(cp: number): boolean {
  return cp === 0x2e || cp === 0x5f || cp === 0x25 || cp === 0x2b || cp === 0x2d || isLetterOrNumber(cp);
}

/** Characters of a domain label: letters, numbers and - */
function isLabelChar(cp: number): boolean {
  return cp === 0x2d || isLetterOrNumber(cp);
}

/**
 * name@host.tld, as the regex /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu would find
 * them, by a scan around each `@`: the local part is the run of local characters before it (no
 * further back than the previous match), the domain at least two dot-separated labels after it.
 */
function emailSpans(text: string, out: ProtectedSpan[]): void {
  let from = 0; // where the previous match ended: a match never starts before it
  let at = text.indexOf('@', from);
  while (at !== -1) {
    let start = at;
    while (start > from) {
      const cp = codePointBefore(text, start);
      if (!isLocalChar(cp)) break;
      start -= cp > 0xffff ? 2 : 1;
    }
    let end = -1;
    if (start < at) {
      // labels separated by single dots; at least two
      let p = at + 1;
      let labels = 0;
      for (;;) {
        const labelStart = p;
        while (p < text.length) {
          const cp = codePointAt(text, p);
          if (!isLabelChar(cp)) break;
          p += cp > 0xffff ? 2 : 1;
        }
        if (p === labelStart) break;
        labels++;
        if (labels >= 2) end = p;
        if (text.charCodeAt(p) !== 0x2e) break;
        p++;
      }
    }
    if (end !== -1) {
      out.push({ start, end, kind: 'email' });
      from = end;
      at = text.indexOf('@', end);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
}

/** Index of the first position >= from where `isStop` holds (text.length if none), from a cached pointer. */
class NextStop {
  private pos = -1;
  constructor(
    private readonly text: string,
    private readonly isStop: (i: number) => boolean,
  ) {}
  from(i: number): number {
    if (this.pos < i) {
      let p = i;
      while (p < this.text.length && !this.isStop(p)) p++;
      this.pos = p;
    }
    return this.pos;
  }
}

/**
 * Quotes with 1 to 1000 characters (code points) between the opening and the closing character, no
 * closing character and no masked code inside, all kinds in one left-to-right pass (a match resumes
 * the search after its end): "...", or “...”, «...», „...“ / „...”. The same matches as the regexes
 * /"[^"\0]{1,1000}"/gu and /“[^”\0]{1,1000}”|«[^»\0]{1,1000}»|„[^“”\0]{1,1000}[“”]/gu, without
 * rescanning up to 1000 characters from every opening character.
 */
function pairedQuotes(text: string, kinds: readonly { open: string; closes: string }[], out: ProtectedSpan[]): void {
  const stops = new Map<string, NextStop>();
  for (const k of kinds) {
    stops.set(
      k.open,
      new NextStop(text, (i) => {
        const c = text[i]!;
        return c === '\u0000' || k.closes.includes(c);
      }),
    );
  }
  // astral characters count once toward the 1000: prefix counts of surrogate pairs, only if any
  let pairs: Int32Array | null = null;
  if (/[\ud800-\udbff][\udc00-\udfff]/.test(text)) {
    pairs = new Int32Array(text.length + 1);
    for (let i = 0; i < text.length; i++) pairs[i + 1] = pairs[i]! + (unitsAt(text, i) === 2 ? 1 : 0);
  }
  let i = 0;
  for (;;) {
    let p = -1;
    let stop: NextStop | undefined;
    if (kinds.length === 1) {
      p = text.indexOf(kinds[0]!.open, i);
      stop = stops.get(kinds[0]!.open);
    } else {
      for (let j = i; j < text.length; j++) {
        stop = stops.get(text[j]!);
        if (stop) {
          p = j;
          break;
        }
      }
    }
    if (p === -1 || !stop) return;
    const q = stop.from(p + 1);
    let ok = false;
    if (q < text.length && text[q] !== '\u0000') {
      const units = q - p - 1;
      const cps = pairs ? units - (pairs[q]! - pairs[p + 1]!) : units;
      ok = cps >= 1 && cps <= 1000;
    }
    if (ok) {
      out.push({ start: p, end: q + 1, kind: 'quote' });
      i = q + 1;
    } else {
      i = p + 1;
    }
  }
}

/**
 * Quotes whose closing character can also be an apostrophe: ‘...’ and '...'. The opening quote
 * follows no letter or number and is followed by a non-space (for ': neither a space nor another ');
 * inside, an apostrophe is allowed only before a letter; the closing quote is followed by no letter
 * or number; no line break. Same matches as the regex
 * /(?<![\p{L}\p{N}])'(?=[^\s'])(?:[^'\n\0]|'(?=\p{L}))*'(?![\p{L}\p{N}])/gu (and its ‘’ twin), whose
 * backtracking made it quadratic: the body can only end at the first character it cannot take.
 */
function apostropheQuotes(text: string, open: string, close: string, out: ProtectedSpan[]): void {
  const stop = new NextStop(text, (i) => {
    const c = text[i]!;
    return c === '\n' || c === '\u0000' || (c === close && !isLetter(codePointAt(text, i + 1)));
  });
  let i = 0;
  for (;;) {
    const p = text.indexOf(open, i);
    if (p === -1) return;
    i = p + 1;
    if (isLetterOrNumber(codePointBefore(text, p))) continue;
    const after = text[p + 1];
    if (after === undefined || WHITESPACE.test(after) || (open === "'" && after === "'")) continue;
    const q = stop.from(p + 1);
    if (q < text.length && text[q] === close && !isLetterOrNumber(codePointAt(text, q + 1))) {
      out.push({ start: p, end: q + 1, kind: 'quote' });
      i = q + 1;
    }
  }
}

/** All protected spans of `text`, sorted by start. Linear in the length of `text`. */
export function findProtectedSpans(text: string): ProtectedSpan[] {
  const spans: ProtectedSpan[] = [];
  fencedBlocks(text, spans);
  inlineCode(text, spans.slice(), spans);
  indentedLines(text, spans);

  // Later passes run on a masked copy where code is blanked out, so a quote character inside code
  // cannot pair with one outside it.
  const masked = maskSpans(text, spans);

  const more: ProtectedSpan[] = [];
  urlSpans(masked, more);
  emailSpans(masked, more);
  regexSpans(masked, /\{\{[^{}\n]{0,200}\}\}|\$\{[^{}\n]{0,200}\}|\{[^{}\n]{1,200}\}/gu, 'placeholder', more);
  pairedQuotes(masked, [{ open: '"', closes: '"' }], more);
  pairedQuotes(
    masked,
    [
      { open: '“', closes: '”' },
      { open: '«', closes: '»' },
      { open: '„', closes: '“”' },
    ],
    more,
  );
  apostropheQuotes(masked, '‘', '’', more);
  apostropheQuotes(masked, "'", "'", more);
  regexSpans(masked, /(?:\d+(?:[.,:]\d+)*|\.\d+)%?/gu, 'number', more);
  for (const s of more) spans.push(s);
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  return spans;
}

/** True when [start, end) overlaps a protected span (an insertion, start === end, counts when strictly inside one). */
export function isProtectedRange(spans: readonly ProtectedSpan[], start: number, end: number): boolean {
  for (const s of spans) {
    if (start === end ? start > s.start && start < s.end : start < s.end && end > s.start) return true;
  }
  return false;
}

/** Words of `text` with offsets; protected words are marked. Linear in the length of `text` (plus sorting). */
export function tokenize(text: string): TokenizedInstruction {
  const spans = findProtectedSpans(text);
  const words: WordToken[] = [];
  const byShape: WordToken[] = [];
  // The first span (in `spans` order) overlapping each word. Words come in order, so spans are taken
  // in as words reach them (a span whose start is before the word's end), and dropped from the
  // front once a word starts at or after their end: the front of `open` is then the answer.
  const open: ProtectedSpan[] = [];
  let head = 0;
  let next = 0;
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(text); m; m = WORD_RE.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const word: WordToken = { index: words.length, text: m[0], start, end, protected: false };
    while (next < spans.length && spans[next]!.start < end) open.push(spans[next++]!);
    while (head < open.length && open[head]!.end <= start) head++;
    const span = head < open.length ? open[head] : undefined;
    if (span) {
      word.protected = true;
      word.protectedKind = span.kind;
    } else if (/\p{N}/u.test(m[0])) {
      word.protected = true;
      word.protectedKind = 'number';
      byShape.push(word);
    } else if (m[0].includes('_') || /\p{Ll}\p{Lu}/u.test(m[0])) {
      word.protected = true;
      word.protectedKind = 'identifier';
      byShape.push(word);
    }
    words.push(word);
  }
  // words protected by their own shape are spans too, so edits can be checked against one list
  for (const w of byShape) spans.push({ start: w.start, end: w.end, kind: w.protectedKind ?? 'number' });
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  return { text, words, spans };
}
