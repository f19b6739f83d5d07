import { describe, expect, it } from 'vitest';
import { fnv1a64, hashString, utf8Length, utf8LongerThan } from './hash';

/** Straightforward reference: FNV-1a 64 with BigInt over TextEncoder bytes. */
function referenceFnv(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(s)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

function randomString(seed: number, len: number): string {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x;
  };
  const pool = ['a', 'Z', ' ', '\n', 'é', 'ß', '中', '文', '😀', '🚀', '\u0000', '"', '\ud800', '\udfff', '\u07ff', '\u0800', '\uffff'];
  let s = '';
  for (let i = 0; i < len; i++) s += pool[next() % pool.length];
  return s;
}

describe('hashString / fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('matches a BigInt reference over UTF-8 bytes for mixed Unicode (incl. astral and lone surrogates)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const s = randomString(seed, seed % 40);
      expect(fnv1a64(s)).toBe(referenceFnv(s));
    }
  });

  it('returns 12 lowercase hex chars, the prefix of the 64-bit digest', () => {
    const h = hashString('{"instruction":"hi","output":"there"}');
    expect(h).toMatch(/^[0-9a-f]{12}$/);
    // literal values (computed once with the BigInt reference): ids must never change across releases
    expect(h).toBe('9be7addf634e');
    expect(fnv1a64('{"instruction":"Say hi","input":"","output":"Hi!"}')).toBe('4ad997d09e723fce');
    expect(h).toBe(fnv1a64('{"instruction":"hi","output":"there"}').slice(0, 12));
    expect(hashString('foobar')).toBe('85944171f739');
  });

  it('is deterministic and sensitive to small changes', () => {
    expect(hashString('abc')).toBe(hashString('abc'));
    expect(hashString('abc')).not.toBe(hashString('abd'));
    expect(hashString('abc')).not.toBe(hashString('abc '));
  });
});

describe('utf8Length', () => {
  it('agrees with TextEncoder', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const s = randomString(seed * 7, seed);
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });

  it('utf8LongerThan handles the cheap and the exact paths', () => {
    expect(utf8LongerThan('abcd', 3)).toBe(true);
    expect(utf8LongerThan('abc', 3)).toBe(false);
    expect(utf8LongerThan('ééé', 6)).toBe(false); // 6 bytes
    expect(utf8LongerThan('ééé', 5)).toBe(true);
    expect(utf8LongerThan('😀', 3)).toBe(true); // 4 bytes, 2 code units
  });
});
