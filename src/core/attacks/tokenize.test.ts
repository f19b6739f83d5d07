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

describe('tokenize: linear time on dataset text', () => {
  // Before the rewrite the email regex backtracked over every start position ('a'.repeat(1e5) took
  // 22 s; a megabyte, tens of minutes), and the quote, URL-trim, inline-code and span lookups were
  // quadratic too. Each of these megabyte inputs now takes well under a second; the guard is generous
  // so a loaded machine never fails it.
  const MB = 1_000_000;
  const cases: [string, string][] = [
    ['a run of letters', 'a'.repeat(MB)],
    ['an unclosed double quote', '"' + 'a '.repeat(MB / 2)],
    ['a@ repeated', 'a@'.repeat(MB / 2)],
    ["'a repeated (unclosed single quotes)", "'a ".repeat(MB / 3)],
    ['‘a’b repeated', '‘a’b '.repeat(MB / 5)],
    ['opening curly quotes', '“a '.repeat(MB / 3)],
    ['an email domain of a million labels', 'a@' + 'b.'.repeat(MB / 2)],
    ['a URL ending in punctuation', 'www.' + '.,'.repeat(MB / 2) + 'x'],
    ['backtick runs of distinct lengths', Array.from({ length: 1000 }, (_, i) => '`'.repeat(i + 1) + 'x').join('') + '`a'.repeat(MB / 4)],
    ['same-line fences', '```x```\n'.repeat(MB / 16)],
    ['inline code spans', '`a` '.repeat(MB / 16)],
    ['numbers', '1 '.repeat(MB / 4)],
  ];
  for (const [name, text] of cases) {
    it(`${name} (${(text.length / 1e6).toFixed(2)} M chars) tokenizes in < 5 s`, () => {
      const t0 = performance.now();
      const { words, spans } = tokenize(text);
      const ms = performance.now() - t0;
      expect(words.length + spans.length).toBeGreaterThan(0);
      expect(ms).toBeLessThan(5000);
    });
  }
});

describe('tokenize: same results as before the rewrite', () => {
  // A deterministic corpus of short texts mixing every character the passes react to.
  const pieces = [
    'a', 'Word', 'camelCase', 'snake_case', ' ', ' ', '  ', '\n', '\n    ', '\t', '.', ',', ':', ';', '!', '?', '-', '+', '%', '_',
    '"', "'", '‘', '’', '“', '”', '«', '»', '„', '`', '``', '```', '~~~', '@', 'x@y.com', 'mail', '.org', 'www.', 'https://a.b/c',
    '{', '}', '{{', '}}', '${', '1', '42', '3.14', '1,000', '12:30', '.5', 'é', 'ß', '中文', '😀', '𝒜', '\u0301', "don't", 'it’s',
  ];
  function corpus(seed: number, n: number): string[] {
    let x = seed;
    const rnd = () => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x;
    };
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      let s = '';
      const len = 1 + (rnd() % 60);
      for (let k = 0; k < len; k++) s += pieces[rnd() % pieces.length];
      out.push(s);
    }
    return out;
  }

  it('on 3,000 generated texts: identical spans and words', async () => {
    const { legacyFindProtectedSpans, legacyTokenize } = await import('./testing/tokenizeLegacy.ts');
    for (const text of corpus(7, 3000)) {
      expect(findProtectedSpans(text), JSON.stringify(text)).toEqual(legacyFindProtectedSpans(text));
      expect(tokenize(text), JSON.stringify(text)).toEqual(legacyTokenize(text));
    }
  });

  it('on the documentation examples and prose with code', async () => {
    const { legacyTokenize } = await import('./testing/tokenizeLegacy.ts');
    const texts = [
      'Summarize the following article in three sentences, keeping the key numbers (42%, 3.5 million) intact.',
      'Write a Python function `parse_date(s)` that returns a datetime; see https://docs.python.org/3/ for help.',
      'Translate "Good morning, everyone" into French and explain the use of «bonjour» vs „hallo“.',
      "Fix the bug:\n```python\ndef f(x):\n    return x + 1\n```\nthen email dev-team+bugs@example.co.uk about it.",
      "Answer {question} using {{ context }} and ${name}; don't forget the students' notes — ‘really’ matters.",
      'Explain v2 vs GPT4 and the 1st rule at 12:30, not .5 units; userId and user_id differ.',
    ];
    for (const text of texts) expect(tokenize(text)).toEqual(legacyTokenize(text));
  });
});
