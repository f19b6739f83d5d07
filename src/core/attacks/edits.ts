// Edit operations in ORIGINAL-instruction offsets: applying, shifting, checking, diffing.

import type { EditOp } from '../types.ts';
import { findProtectedSpans, isProtectedRange, type ProtectedSpan } from './tokenize.ts';

/** Ops sorted by position; insertions at a point come before a replacement starting there. */
export function sortEdits(edits: readonly EditOp[]): EditOp[] {
  return edits.slice().sort((a, b) => a.start - b.start || a.end - a.start - (b.end - b.start));
}

/**
 * Applies non-overlapping edits (offsets in `original`) and returns the edited text.
 * Throws if two edits overlap or an edit's `before` does not match the original.
 */
export function applyEdits(original: string, edits: readonly EditOp[]): string {
  const sorted = sortEdits(edits);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos || e.end < e.start || e.end > original.length) {
      throw new RangeError(`applyEdits: overlapping or out-of-range edit ${e.op} [${e.start}, ${e.end})`);
    }
    if (original.slice(e.start, e.end) !== e.before) {
      throw new Error(`applyEdits: edit ${e.op} expects "${e.before}" at ${e.start}, found "${original.slice(e.start, e.end)}"`);
    }
    out += original.slice(pos, e.start) + e.after;
    pos = e.end;
  }
  return out + original.slice(pos);
}

/** The same ops moved by `offset` characters (word-relative -> instruction offsets). */
export function shiftEdits(edits: readonly EditOp[], offset: number): EditOp[] {
  return edits.map((e) => ({ ...e, start: e.start + offset, end: e.end + offset }));
}

/** True when any edit overlaps a protected span (insertions strictly inside one count). */
export function editsTouchProtected(edits: readonly EditOp[], spans: readonly ProtectedSpan[]): boolean {
  return edits.some((e) => isProtectedRange(spans, e.start, e.end));
}

interface DiffToken {
  text: string;
  start: number;
  end: number;
}

function diffTokens(text: string): DiffToken[] {
  // protected spans are atomic, so a paraphrase that keeps them verbatim matches them whole
  const spans = findProtectedSpans(text);
  const out: DiffToken[] = [];
  const re = /\s+|[\p{L}\p{M}\p{N}_'’]+|[^\s\p{L}\p{M}\p{N}_'’]/gu;
  let pos = 0;
  while (pos < text.length) {
    const span = spans.find((s) => s.start === pos);
    if (span && span.end > pos) {
      out.push({ text: text.slice(span.start, span.end), start: span.start, end: span.end });
      pos = span.end;
      continue;
    }
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m || m.index !== pos) {
      out.push({ text: text.charAt(pos), start: pos, end: pos + 1 });
      pos += 1;
      continue;
    }
    // do not run a token into the start of a protected span
    let end = pos + m[0].length;
    const next = spans.find((s) => s.start > pos && s.start < end);
    if (next) end = next.start;
    out.push({ text: text.slice(pos, end), start: pos, end });
    pos = end;
  }
  return out;
}

/**
 * Word-level diff of `original` -> `revised` as EditOps in original offsets (LCS over word,
 * whitespace and punctuation tokens). `applyEdits(original, diffEdits(original, revised))`
 * always equals `revised`. Falls back to one whole-text replacement for very long inputs.
 */
export function diffEdits(original: string, revised: string, op: string): EditOp[] {
  if (original === revised) return [];
  const a = diffTokens(original);
  const b = diffTokens(revised);
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return [{ start: 0, end: original.length, before: original, after: revised, op }];
  // lcs[i][j] = LCS length of a[i..], b[j..]
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number): number => lcs[i * (m + 1) + j] ?? 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = a[i]?.text === b[j]?.text ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const edits: EditOp[] = [];
  let i = 0;
  let j = 0;
  let pending: { start: number; end: number; after: string } | null = null;
  const flush = (): void => {
    if (pending && (pending.start !== pending.end || pending.after.length > 0)) {
      edits.push({
        start: pending.start,
        end: pending.end,
        before: original.slice(pending.start, pending.end),
        after: pending.after,
        op,
      });
    }
    pending = null;
  };
  const posA = (k: number): number => a[k]?.start ?? original.length;
  while (i < n || j < m) {
    const ai = a[i];
    const bj = b[j];
    if (ai && bj && ai.text === bj.text) {
      flush();
      i++;
      j++;
    } else if (bj && (!ai || at(i, j + 1) >= at(i + 1, j))) {
      pending ??= { start: posA(i), end: posA(i), after: '' };
      pending.after += bj.text;
      j++;
    } else if (ai) {
      pending ??= { start: posA(i), end: posA(i), after: '' };
      pending.end = ai.end;
      i++;
    }
  }
  flush();
  return edits;
}
