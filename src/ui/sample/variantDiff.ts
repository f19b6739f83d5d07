// Word- and character-level diff of an original instruction against an adversarial variant, as
// spans for the sample view. Pure (no DOM): the spans are rendered as text nodes by VariantList.
//
// The word diff (jsdiff `diffWordsWithSpace`) finds the changed words; a replaced word whose old
// and new forms share most characters ("summarize" -> "summаrize", "sum marize", "wr1te") is refined
// with a character diff, so the exact characters that changed are highlighted. Characters that are
// easy to miss — anything outside printable ASCII (homoglyphs such as Cyrillic "а"), unusual or
// zero-width spaces — get their own span, flagged `special`, with their code point in the tooltip.
import { diffChars, diffWordsWithSpace, type Change } from 'diff';

/** same: unchanged; ctx: an unchanged character inside a changed word; del / ins: removed / inserted text. */
export type DiffKind = 'same' | 'ctx' | 'del' | 'ins';

export interface DiffSpan {
  /** Text to display (an invisible character is shown as a visible placeholder). */
  text: string;
  kind: DiffKind;
  /** Tooltip: the code points of the changed characters. */
  title?: string;
  /** A character that looks like another one or cannot be seen (outlined in the view). */
  special?: boolean;
}

export interface InstructionDiff {
  /** The original instruction with its removed parts marked. */
  original: DiffSpan[];
  /** The variant with its inserted parts marked. */
  variant: DiffSpan[];
  /** Number of characters (code points) removed from the original / inserted in the variant. */
  removed: number;
  inserted: number;
}

/** Minimum share of common characters for a replaced word to be shown character by character. */
const CHAR_LEVEL_SIMILARITY = 0.5;
/** Changed spans longer than this get a short tooltip instead of a code-point list. */
const MAX_TOOLTIP_CHARS = 12;

const INVISIBLE_NAMES: Record<number, string> = {
  0x00a0: 'no-break space',
  0x00ad: 'soft hyphen',
  0x200b: 'zero width space',
  0x200c: 'zero width non-joiner',
  0x200d: 'zero width joiner',
  0x2060: 'word joiner',
  0xfeff: 'zero width no-break space',
};

function scriptOf(cp: number): string | null {
  if (cp < 0x80) return null;
  if (cp <= 0x024f) return 'Latin';
  if (cp <= 0x02ff) return 'IPA / modifier letter';
  if (cp <= 0x036f) return 'combining mark';
  if (cp <= 0x03ff) return 'Greek';
  if (cp <= 0x052f) return 'Cyrillic';
  if (cp <= 0x058f) return 'Armenian';
  if (cp >= 0x2000 && cp <= 0x206f) return 'punctuation / space';
  if (cp >= 0xff00 && cp <= 0xffef) return 'fullwidth';
  if (cp >= 0x1d400 && cp <= 0x1d7ff) return 'mathematical letter';
  return null;
}

/** "U+0430" for a code point. */
export function codePointLabel(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

const WHITESPACE_NAMES: Record<string, string> = { ' ': 'space', '\n': 'newline', '\t': 'tab', '\r': 'carriage return' };

/** One character described for a tooltip: `"а" U+0430 Cyrillic`, `U+200B zero width space`. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const name = INVISIBLE_NAMES[cp] ?? WHITESPACE_NAMES[ch] ?? (isInvisible(ch) ? 'invisible' : scriptOf(cp));
  const shown = isInvisible(ch) || /\s/u.test(ch) ? '' : `"${ch}" `;
  return `${shown}${codePointLabel(ch)}${name ? ` ${name}` : ''}`;
}

const INVISIBLE = /^[\p{Cf}\p{Mn}\p{Me}]$/u;
function isInvisible(ch: string): boolean {
  return INVISIBLE.test(ch);
}

/** Outside printable ASCII (and not an ordinary newline / tab): worth outlining. */
function isSpecial(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  if (ch === '\n' || ch === '\t' || ch === '\r') return false;
  return cp < 0x20 || cp > 0x7e;
}

function tooltip(text: string, kind: 'del' | 'ins'): string {
  const chars = Array.from(text);
  const verb = kind === 'del' ? 'removed' : 'inserted';
  if (chars.length > MAX_TOOLTIP_CHARS) return `${chars.length} characters ${verb}`;
  return `${verb}: ${chars.map(describeChar).join(', ')}`;
}

/** Splits a changed run so each special character is its own span; each span gets a tooltip. */
function changedSpans(text: string, kind: 'del' | 'ins', out: DiffSpan[]): void {
  let plain = '';
  const flush = () => {
    if (plain) out.push({ text: plain, kind, title: tooltip(plain, kind) });
    plain = '';
  };
  for (const ch of text) {
    if (!isSpecial(ch)) {
      plain += ch;
      continue;
    }
    flush();
    out.push({ text: isInvisible(ch) ? '·' : ch, kind, title: tooltip(ch, kind), special: true });
  }
  flush();
}

/** Unchanged text; special characters are still outlined (with a tooltip) so look-alikes already in the original can be told apart. */
function sameSpans(text: string, kind: 'same' | 'ctx', out: DiffSpan[]): void {
  let plain = '';
  for (const ch of text) {
    if (kind === 'ctx' && isSpecial(ch)) {
      if (plain) out.push({ text: plain, kind });
      plain = '';
      out.push({ text: isInvisible(ch) ? '·' : ch, kind, title: describeChar(ch), special: true });
    } else plain += ch;
  }
  if (plain) out.push({ text: plain, kind });
}

function countChars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** A removed word and its replacement, character by character, when they are similar enough. */
function refine(removed: string, added: string, d: InstructionDiff): boolean {
  const changes = diffChars(removed, added);
  let common = 0;
  for (const c of changes) if (!c.added && !c.removed) common += c.count ?? countChars(c.value);
  if (common / Math.max(countChars(removed), countChars(added), 1) < CHAR_LEVEL_SIMILARITY) return false;
  for (const c of changes) {
    if (c.removed) {
      changedSpans(c.value, 'del', d.original);
      d.removed += countChars(c.value);
    } else if (c.added) {
      changedSpans(c.value, 'ins', d.variant);
      d.inserted += countChars(c.value);
    } else {
      sameSpans(c.value, 'ctx', d.original);
      sameSpans(c.value, 'ctx', d.variant);
    }
  }
  return true;
}

/** The diff of `original` against `variant` (word level, refined to characters inside similar words). */
export function diffInstruction(original: string, variant: string): InstructionDiff {
  const d: InstructionDiff = { original: [], variant: [], removed: 0, inserted: 0 };
  // Very long texts: bound the work; on timeout the whole text is shown as replaced.
  const words: Change[] | undefined = diffWordsWithSpace(original, variant, { timeout: 250 });
  if (!words) {
    changedSpans(original, 'del', d.original);
    changedSpans(variant, 'ins', d.variant);
    d.removed = countChars(original);
    d.inserted = countChars(variant);
    return d;
  }
  for (let i = 0; i < words.length; ) {
    const c = words[i]!;
    if (!c.added && !c.removed) {
      sameSpans(c.value, 'same', d.original);
      sameSpans(c.value, 'same', d.variant);
      i++;
      continue;
    }
    // A hunk: consecutive changes, including the whitespace-only common runs between them (the word
    // diff may keep a space of "sh ort" as common although the word "short" was split).
    let j = i + 1;
    while (j < words.length) {
      const w = words[j]!;
      if (w.added || w.removed) j++;
      else if (/^\s+$/u.test(w.value) && j + 1 < words.length && (words[j + 1]!.added || words[j + 1]!.removed)) j++;
      else break;
    }
    const hunk = words.slice(i, j);
    i = j;
    const removed = hunk.filter((w) => !w.added).map((w) => w.value).join('');
    const added = hunk.filter((w) => !w.removed).map((w) => w.value).join('');
    const replaces = hunk.some((w) => w.added) && hunk.some((w) => w.removed);
    if (replaces && refine(removed, added, d)) continue;
    for (const w of hunk) {
      if (w.removed) {
        changedSpans(w.value, 'del', d.original);
        d.removed += countChars(w.value);
      } else if (w.added) {
        changedSpans(w.value, 'ins', d.variant);
        d.inserted += countChars(w.value);
      } else {
        sameSpans(w.value, 'same', d.original);
        sameSpans(w.value, 'same', d.variant);
      }
    }
  }
  return d;
}
