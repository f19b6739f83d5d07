import { describe, expect, it } from 'vitest';
import {
  JsonArrayScanner,
  JsonScanError,
  jsonDepthExceeds,
  minifyJson,
  parseJsonExact,
  setTopLevelMember,
  stringifyJsonExact,
  type ScanEvent,
} from './jsonText';

/** Feed `text` in chunks of `size` and collect every event (or the error message). */
function scan(text: string, size: number, maxChars = 1e9): { events: ScanEvent[]; error?: string } {
  const s = new JsonArrayScanner(maxChars);
  const events: ScanEvent[] = [];
  try {
    for (let i = 0; i < text.length; i += size) {
      events.push(...s.feed(text.slice(i, i + size)));
      if (s.isJsonLines) return { events };
    }
    events.push(...s.end());
  } catch (e) {
    if (!(e instanceof JsonScanError)) throw e;
    return { events, error: e.message };
  }
  return { events };
}

const texts = (r: { events: ScanEvent[] }) =>
  r.events.map((e) => (e.type === 'element' ? [e.element.index, e.element.kind, e.element.text] : e.type));

describe('jsonDepthExceeds', () => {
  it('counts brackets outside strings only, escaped quotes included', () => {
    expect(jsonDepthExceeds('[[[1]]]', 3)).toBe(false);
    expect(jsonDepthExceeds('[[[[1]]]]', 3)).toBe(true);
    expect(jsonDepthExceeds('{"a":{"b":{"c":1}}}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":{"c":{}}}}', 3)).toBe(true);
    expect(jsonDepthExceeds('{"s":"[[[[[[[[[[", "t": "\\"[[[[[[[["}', 2)).toBe(false);
    expect(jsonDepthExceeds('[' + '"\\\\",['.repeat(5) + ']'.repeat(6), 5)).toBe(true);
    expect(jsonDepthExceeds('[1],[2],[3],[4]', 1)).toBe(false); // depth, not count
  });

  it('is linear: 20,000 levels in a 40 KB line is answered at once', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const t0 = performance.now();
    expect(jsonDepthExceeds(deep, 100)).toBe(true);
    expect(jsonDepthExceeds(`"${'['.repeat(20_000)}"`, 100)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('minifyJson', () => {
  it('drops whitespace between tokens and keeps strings byte for byte', () => {
    expect(minifyJson('{\n  "a b": [1, 2.0, "x \\" y"],\r\n\t"c": { }\n}')).toBe('{"a b":[1,2.0,"x \\" y"],"c":{}}');
    const plain = '{"a":1}';
    expect(minifyJson(plain)).toBe(plain);
  });
});

describe('JsonArrayScanner', () => {
  const docs: [name: string, text: string][] = [
    ['array', '[{"a":1}, {"b":[1,{"c":"]}"}]}, 5, "s", null, [1,2]]'],
    ['pretty array', JSON.stringify([{ a: 1, s: 'x, ] } {' }, { b: [true, false] }], null, 2)],
    ['wrapped', '{"version": 2, "meta": {"n": [1, 2]}, "tags": ["a", "b"], "data": [{"x": 1}, 7, {"y": "\\"}"}], "end": true}'],
    ['pretty wrapped', JSON.stringify({ info: { a: [1] }, rows: [{ q: 'a' }, { q: 'b' }] }, null, 2)],
    ['single-line wrapped', '  {"data": [{"x": 1}, {"y": 2}]}\n\n'],
    ['json lines', '{"x": 1, "data": [{"a": 1}]}\n{"y": 2}\n'],
    ['json lines, first line blank', '\n\n{"x": 1}\n{"y": 2}'],
    ['empty array', '[]'],
    ['escapes across chunks', '[{"k\\"ey": "v\\\\"}, {"u": "\\u005d\\u007d"}]'],
  ];

  it('gives the same events for every chunking, down to one character', () => {
    for (const [name, text] of docs) {
      const whole = scan(text, text.length);
      expect(whole.error, name).toBeUndefined();
      for (const size of [1, 2, 3, 7, 64]) expect(texts(scan(text, size)), `${name} / ${size}`).toEqual(texts(whole));
    }
  });

  it('hands over each object element’s exact source text; other elements by kind', () => {
    expect(texts(scan(docs[0]![1], 5))).toEqual([
      'json',
      [0, 'object', '{"a":1}'],
      [1, 'object', '{"b":[1,{"c":"]}"}]}'],
      [2, 'number', null],
      [3, 'string', null],
      [4, 'null', null],
      [5, 'array', null],
    ]);
  });

  it('finds the one array of objects in a wrapping object, reporting the non-objects before its first object', () => {
    expect(texts(scan(docs[2]![1], 4))).toEqual(['json', [0, 'object', '{"x": 1}'], [1, 'number', null], [2, 'object', '{"y": "\\"}"}']]);
    expect(texts(scan('{"n": [1, 2, {"a": 1}]}', 3))).toEqual(['json', [0, 'number', null], [1, 'number', null], [2, 'object', '{"a": 1}']]);
  });

  it('a first line that is a whole object with more after it means JSON lines', () => {
    expect(scan(docs[5]![1], 3).events.map((e) => e.type)).toEqual(['jsonl']);
    expect(scan(docs[6]![1], 1).events.map((e) => e.type)).toEqual(['jsonl']);
    // a single-line document on its own is JSON
    expect(texts(scan(docs[4]![1], 2))).toEqual(['json', [0, 'object', '{"x": 1}'], [1, 'object', '{"y": 2}']]);
  });

  it('flags elements over the size or depth limit without keeping their text', () => {
    const deep = '['.repeat(200) + ']'.repeat(200);
    const r = scan(`[{"a": "${'x'.repeat(100)}"}, {"d": ${deep}}, {"ok": 1}]`, 16, 50);
    expect(r.events.filter((e) => e.type === 'element').map((e) => e.type === 'element' && [e.element.index, e.element.tooLarge, e.element.tooDeep, e.element.text])).toEqual([
      [0, true, false, null],
      [1, true, true, null],
      [2, false, false, '{"ok": 1}'],
    ]);
    const d = scan(`[{"d": ${deep}}]`, 16);
    expect(d.events[1]).toMatchObject({ type: 'element', element: { tooDeep: true, text: null } });
  });

  it('whole-document problems are errors', () => {
    expect(scan('[{"a": 1},', 3).error).toMatch(/^is not valid JSON: the file ends before the top-level array is closed/);
    expect(scan('[{"a": 1} {"b": 2}]', 3).error).toMatch(/^is not valid JSON: expected "," or "\]" after element 1/);
    expect(scan('[{"a": [1}]', 3).error).toMatch(/mismatched "}"/);
    expect(scan('[{"a": 1}]\n[3]', 3).error).toMatch(/after the end of the top-level array/);
    expect(scan('42', 3).error).toBe('is not an array of objects (the top-level JSON value is a number).');
    expect(scan('[1, "a"]', 3).error).toBe('is not an array of objects (its items are numbers).');
    expect(scan('{"a": 1}', 3).error).toMatch(/^is not an array of objects: expected/);
    expect(scan('{"a": [{"x": 1}], "b": [1, {"y": 2}], "c": [{}]}', 3).error).toMatch(/several arrays of objects \("a", "b", "c"\)/);
    expect(scan('  \n ', 3).error).toMatch(/^is empty/);
    expect(scan('{"a": [{}]}\n\n{"b": 1}\nxx', 2).events.map((e) => e.type)).toEqual(['jsonl']);
  });
});

describe('exact JSON', () => {
  it('parseJsonExact equals JSON.parse, except integers beyond 2^53 are BigInt', () => {
    const ordinary = '{"a": [1, -2.5e3, true, null, "x\\"y\\u00e9"], "b": {"c": {}}, "d": 9007199254740991}';
    expect(parseJsonExact(ordinary)).toEqual(JSON.parse(ordinary));
    expect(parseJsonExact('{"id": 12345678901234567891, "n": [-98765432109876543210, 1.5, 12345678901234567.5]}')).toEqual({
      id: 12345678901234567891n,
      n: [-98765432109876543210n, 1.5, 12345678901234567.5],
    });
    expect(parseJsonExact('{"s": "12345678901234567891"}')).toEqual({ s: '12345678901234567891' });
    expect(() => parseJsonExact('{"id": 12345678901234567891,}')).toThrow(SyntaxError);
    expect(() => parseJsonExact('[12345678901234567891] x')).toThrow(SyntaxError);
  });

  it('stringifyJsonExact writes BigInt as its digits, and matches JSON.stringify otherwise', () => {
    const v = { a: [1, 'x', null, { b: true }], c: 'é"' };
    expect(stringifyJsonExact(v)).toBe(JSON.stringify(v));
    expect(stringifyJsonExact({ id: 12345678901234567891n, l: [1n, { m: -2n }], u: undefined })).toBe(
      '{"id":12345678901234567891,"l":[1,{"m":-2}]}',
    );
    const back = '{"id":12345678901234567891,"x":[98765432109876543210]}';
    expect(stringifyJsonExact(parseJsonExact(back))).toBe(back);
  });
});

describe('setTopLevelMember', () => {
  it('appends the member before the closing brace, keeping every other byte', () => {
    expect(setTopLevelMember('{"b": 1, "a": 12345678901234567891}', 'quarry', '{"id":"x"}')).toBe(
      '{"b": 1, "a": 12345678901234567891,"quarry":{"id":"x"}}',
    );
    expect(setTopLevelMember('  { "a" : [1, {"quarry": 2}] }  ', 'quarry', '0')).toBe('  { "a" : [1, {"quarry": 2}],"quarry":0 }');
    expect(setTopLevelMember('{}', 'quarry', '1')).toBe('{"quarry":1}');
  });

  it('removes existing members of that name (escaped spellings too), wherever they are', () => {
    expect(setTopLevelMember('{"quarry": {"old": true}, "a": 1}', 'quarry', '2')).toBe('{"a": 1,"quarry":2}');
    expect(setTopLevelMember('{"a": 1, "quarry": [], "b": 2}', 'quarry', '2')).toBe('{"a": 1, "b": 2,"quarry":2}');
    expect(setTopLevelMember('{"a": 1, "qu\\u0061rry": 0}', 'quarry', '2')).toBe('{"a": 1,"quarry":2}');
    expect(setTopLevelMember('{"quarry": 1}', 'quarry', '2')).toBe('{"quarry":2}');
  });

  it('returns null for text that is not an object', () => {
    expect(setTopLevelMember('[1]', 'quarry', '2')).toBeNull();
    expect(setTopLevelMember('{"a": "unterminated}', 'quarry', '2')).toBeNull();
  });
});
