// The tokenizer as it was before the linear-time rewrite (quadratic on some inputs: minutes for a
// 1 MB instruction), kept only as a reference: tokenize.test.ts checks that the rewrite gives
// identical spans and words on ordinary text. Not used by the product.
import type { ProtectedKind, ProtectedSpan, TokenizedInstruction, WordToken } from '../tokenize.ts';

const WORD_RE = /[\p{L}\p{M}\p{N}_]+(?:['’][\p{L}\p{M}\p{N}_]+)*/gu;

function fencedBlocks(text: string, out: ProtectedSpan[]): void {
  const lineRe = /^[ \t]{0,3}(`{3,}|~{3,})/;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl === -1 ? text.length : nl;
    const line = text.slice(pos, lineEnd);
    const m = lineRe.exec(line);
    if (m && m[1]) {
      const fence = m[1];
      const start = pos + line.indexOf(fence);
      // search for the closing fence on a later line
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
      // a fence opened and closed on the same line (```code```) is handled as inline code
      const sameLine = line.slice(line.indexOf(fence) + fence.length).includes(fence);
      if (!sameLine) {
        out.push({ start, end, kind: 'code-fence' });
        const after = text.indexOf('\n', end);
        pos = after === -1 ? text.length : after + 1;
        continue;
      }
    }
    if (nl === -1) break;
    pos = nl + 1;
  }
}

function inlineCode(text: string, claimed: (a: number, b: number) => boolean, out: ProtectedSpan[]): void {
  const runRe = /`+/g;
  const runs: { start: number; len: number }[] = [];
  for (let m = runRe.exec(text); m; m = runRe.exec(text)) {
    if (!claimed(m.index, m.index + m[0].length)) runs.push({ start: m.index, len: m[0].length });
  }
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i];
    if (!open) continue;
    for (let j = i + 1; j < runs.length; j++) {
      const close = runs[j];
      if (close && close.len === open.len) {
        out.push({ start: open.start, end: close.start + close.len, kind: 'code-inline' });
        i = j;
        break;
      }
    }
  }
}

function indentedLines(text: string, out: ProtectedSpan[]): void {
  const re = /^(?: {4}|\t)[^\n]*/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].trim().length > 0) out.push({ start: m.index, end: m.index + m[0].length, kind: 'code-indented' });
  }
}

function regexSpans(text: string, re: RegExp, kind: ProtectedKind, out: ProtectedSpan[], trim?: RegExp): void {
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let s = m[0];
    if (trim) s = s.replace(trim, '');
    if (s.length > 0) out.push({ start: m.index, end: m.index + s.length, kind });
    if (m[0].length === 0) re.lastIndex++;
  }
}

/** All protected spans of `text`, sorted by start. */
export function legacyFindProtectedSpans(text: string): ProtectedSpan[] {
  const spans: ProtectedSpan[] = [];
  fencedBlocks(text, spans);
  const claimed = (a: number, b: number): boolean => spans.some((s) => a < s.end && b > s.start);
  inlineCode(text, claimed, spans);
  indentedLines(text, spans);

  // Later passes run on a masked copy where code is blanked out, so a quote character inside code
  // cannot pair with one outside it.
  let masked = text;
  for (const s of spans) masked = masked.slice(0, s.start) + '\u0000'.repeat(s.end - s.start) + masked.slice(s.end);

  const more: ProtectedSpan[] = [];
  regexSpans(masked, /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'`\u0000]+/giu, 'url', more, /[.,;:!?)\]}'"]+$/u);
  regexSpans(masked, /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu, 'email', more);
  regexSpans(masked, /\{\{[^{}\n]{0,200}\}\}|\$\{[^{}\n]{0,200}\}|\{[^{}\n]{1,200}\}/gu, 'placeholder', more);
  regexSpans(masked, /"[^"\u0000]{1,1000}"/gu, 'quote', more);
  regexSpans(masked, /“[^”\u0000]{1,1000}”|«[^»\u0000]{1,1000}»|„[^“”\u0000]{1,1000}[“”]/gu, 'quote', more);
  regexSpans(masked, /(?<![\p{L}\p{N}])‘(?=\S)(?:[^’\n\u0000]|’(?=\p{L}))*’(?![\p{L}\p{N}])/gu, 'quote', more);
  regexSpans(masked, /(?<![\p{L}\p{N}])'(?=[^\s'])(?:[^'\n\u0000]|'(?=\p{L}))*'(?![\p{L}\p{N}])/gu, 'quote', more);
  regexSpans(masked, /(?:\d+(?:[.,:]\d+)*|\.\d+)%?/gu, 'number', more);
  spans.push(...more);
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  return spans;
}


/** Words of `text` with offsets; protected words are marked. */
export function legacyTokenize(text: string): TokenizedInstruction {
  const spans = legacyFindProtectedSpans(text);
  const words: WordToken[] = [];
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(text); m; m = WORD_RE.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const word: WordToken = { index: words.length, text: m[0], start, end, protected: false };
    const span = spans.find((s) => start < s.end && end > s.start);
    if (span) {
      word.protected = true;
      word.protectedKind = span.kind;
    } else if (/\p{N}/u.test(m[0])) {
      word.protected = true;
      word.protectedKind = 'number';
    } else if (m[0].includes('_') || /\p{Ll}\p{Lu}/u.test(m[0])) {
      word.protected = true;
      word.protectedKind = 'identifier';
    }
    words.push(word);
  }
  // words protected by their own shape are spans too, so edits can be checked against one list
  for (const w of words) {
    if (w.protected && (w.protectedKind === 'identifier' || !spans.some((s) => w.start < s.end && w.end > s.start))) {
      spans.push({ start: w.start, end: w.end, kind: w.protectedKind ?? 'number' });
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  return { text, words, spans };
}
