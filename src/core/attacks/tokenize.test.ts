import { describe, expect, it } from 'vitest';
import { findProtectedSpans, isProtectedRange, tokenize, type ProtectedKind } from './tokenize.ts';

const spanTexts = (text: string, kind?: ProtectedKind): string[] =>
  findProtectedSpans(text)
    .filter((s) => !kind || s.kind === kind)
    .map((s) => text.slice(s.start, s.end));

describe('tokenize', () => {
  it('splits words with offsets into the original text', () => {
    const text = "Write  a short poem, don't rhyme!";
    const { words } = tokenize(text);
    expect(words.map((w) => w.text)).toEqual(['Write', 'a', 'short', 'poem', "don't", 'rhyme']);
    for (const w of words) expect(text.slice(w.start, w.end)).toBe(w.text);
    expect(words.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(words.every((w) => !w.protected)).toBe(true);
  });

  it('protects inline code, fenced and indented code blocks', () => {
    const text = 'Fix `let x = y` and ``a ` b``:\n```js\nconst foo = bar;\n```\nthen\n    return value\n\tother code\nend';
    expect(spanTexts(text, 'code-inline')).toEqual(['`let x = y`', '``a ` b``']);
    expect(spanTexts(text, 'code-fence')).toEqual(['```js\nconst foo = bar;\n```']);
    expect(spanTexts(text, 'code-indented')).toEqual(['    return value', '\tother code']);
    const prot = tokenize(text).words.filter((w) => w.protected).map((w) => w.text);
    expect(prot).toEqual(['let', 'x', 'y', 'a', 'b', 'js', 'const', 'foo', 'bar', 'return', 'value', 'other', 'code']);
    const free = tokenize(text).words.filter((w) => !w.protected).map((w) => w.text);
    expect(free).toEqual(['Fix', 'and', 'then', 'end']);
  });

  it('an unclosed fence protects to the end', () => {
    const text = 'Explain:\n```\nwhile true do done';
    expect(spanTexts(text, 'code-fence')).toEqual(['```\nwhile true do done']);
  });

  it('protects numbers, percentages and words containing digits', () => {
    const text = 'Use 3.14 and 1,000 items at 10% by 12:30 for the 1st GPT4 run, not .5 units.';
    expect(spanTexts(text, 'number')).toEqual(['3.14', '1,000', '10%', '12:30', '1', '4', '.5']);
    const prot = tokenize(text).words.filter((w) => w.protected).map((w) => w.text);
    expect(prot).toEqual(['3', '14', '1', '000', '10', '12', '30', '1st', 'GPT4', '5']);
  });

  it('protects URLs and emails (without trailing punctuation)', () => {
    const text = 'See https://example.com/a?b=c, www.test.org. or mail jane.doe+x@mail.example.co.uk.';
    expect(spanTexts(text, 'url')).toEqual(['https://example.com/a?b=c', 'www.test.org']);
    expect(spanTexts(text, 'email')).toEqual(['jane.doe+x@mail.example.co.uk']);
  });

  it('protects quoted strings but not apostrophes', () => {
    const text = `Say "hello world" and 'good night' or “ciao” or ‘hey’; don't touch the students' notes, it's fine.`;
    expect(spanTexts(text, 'quote')).toEqual(['"hello world"', "'good night'", '“ciao”', '‘hey’']);
    const free = tokenize(text).words.filter((w) => !w.protected).map((w) => w.text);
    expect(free).toContain("don't");
    expect(free).toContain('students');
    expect(free).toContain('notes');
    expect(free).toContain("it's");
  });

  it("a quote may contain apostrophes: 'don't stop'", () => {
    expect(spanTexts("Translate 'don't stop' now", 'quote')).toEqual(["'don't stop'"]);
  });

  it('protects template placeholders', () => {
    const text = 'Answer {question} using {{ context }} and ${name}.';
    expect(spanTexts(text, 'placeholder')).toEqual(['{question}', '{{ context }}', '${name}']);
  });

  it('protects identifiers (snake_case, camelCase)', () => {
    const { words } = tokenize('Rename user_id to userId please');
    expect(words.filter((w) => w.protected).map((w) => [w.text, w.protectedKind])).toEqual([
      ['user_id', 'identifier'],
      ['userId', 'identifier'],
    ]);
  });

  it('quotes inside code do not pair with quotes outside', () => {
    const text = 'Run `echo "hi` then say "bye" now';
    expect(spanTexts(text, 'quote')).toEqual(['"bye"']);
  });

  it('isProtectedRange: overlap for ranges, strict interior for insertions', () => {
    const spans = [{ start: 5, end: 10, kind: 'quote' as const }];
    expect(isProtectedRange(spans, 0, 5)).toBe(false);
    expect(isProtectedRange(spans, 4, 6)).toBe(true);
    expect(isProtectedRange(spans, 10, 12)).toBe(false);
    expect(isProtectedRange(spans, 5, 5)).toBe(false);
    expect(isProtectedRange(spans, 7, 7)).toBe(true);
    expect(isProtectedRange(spans, 10, 10)).toBe(false);
  });
});
