import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { collectText } from '../test-helpers';
import { scanRow } from './csv';

const row = (text: string, final = true, maxSpan = 1e9) => scanRow(text, 0, ',', final, maxSpan);

describe('scanRow', () => {
  it('splits fields, unquotes "" and allows spaces after a closing quote', () => {
    expect(row('a,"b, ""c""",d\nnext')).toEqual({ kind: 'row', fields: ['a', 'b, "c"', 'd'], end: 15, newlines: 1, error: null });
    expect(row('"x" ,y\r\n')).toMatchObject({ kind: 'row', fields: ['x', 'y\r'] });
    expect(row('"multi\nline",z\n')).toMatchObject({ kind: 'row', fields: ['multi\nline', 'z'], newlines: 2 });
    expect(scanRow('p\tq "r"\t"s\ts"\n', 0, '\t', true, 1e9)).toMatchObject({ fields: ['p', 'q "r"', 's\ts'] });
  });

  it('waits for more text when a row may continue', () => {
    expect(row('a,b', false)).toEqual({ kind: 'incomplete' });
    expect(row('a,"b\nc', false)).toEqual({ kind: 'incomplete' });
    expect(row('a,"b"', false)).toEqual({ kind: 'incomplete' });
    expect(row('a,b', true)).toMatchObject({ kind: 'row', fields: ['a', 'b'] });
  });

  it('a malformed quote on one line is that row’s error', () => {
    expect(row('"ab"c",d\nx,y\n')).toMatchObject({ kind: 'row', error: 'malformed-quote', end: 9 });
    expect(row('a,"never closed')).toMatchObject({ kind: 'row', error: 'unclosed-quote' });
  });

  it('a quoted field that crosses a line and then fails to close is a runaway, with where it opened', () => {
    expect(row('a,"open\nb,c\nd,e')).toEqual({ kind: 'runaway', reason: 'end-of-file', open: 2, linesBefore: 0 });
    expect(row('"open\nb,"c"\n')).toMatchObject({ kind: 'runaway', reason: 'stray-quote', open: 0 });
    expect(row('"x\ny",z,"open\nmore', true)).toMatchObject({ kind: 'runaway', open: 8, linesBefore: 1 });
    expect(row(`"open\n${'x'.repeat(100)}`, false, 50)).toMatchObject({ kind: 'runaway', reason: 'too-long' });
  });
});

describe('CSV ingest: same records as papaparse on well-formed files', () => {
  function randomCsv(seed: number): string {
    let x = seed;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x % n;
    };
    const pieces = ['a', 'Bb', ' ', ',', '"', '\n', '\r\n', 'é', '😀', '\t', "'", '=1+1'];
    // a non-blank value, quoted when it must be (and sometimes when it need not)
    const cell = (r: number) => {
      let s = `v${r}`;
      for (let k = rnd(6); k > 0; k--) s += pieces[rnd(pieces.length)];
      return /[",\r\n]/.test(s) || rnd(4) === 0 ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = ['instruction,output,extra'];
    for (let r = 0; r < 30; r++) lines.push(`${cell(r)},${cell(r)},${cell(r)}`);
    const eol = rnd(2) ? '\r\n' : '\n';
    return lines.join(eol) + eol;
  }

  it('on 200 generated files, in whole and in small chunks', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const csv = randomCsv(seed);
      const papa = Papa.parse<Record<string, string>>(csv, { header: true, newline: csv.includes('\r\n') ? '\r\n' : '\n', skipEmptyLines: true });
      expect(papa.errors).toEqual([]);
      const c = await collectText('r.csv', csv, undefined, 1 + (seed % 13));
      expect(c.issues, `seed ${seed}`).toEqual([]);
      expect(c.rows.map((r) => r.raw), `seed ${seed}`).toEqual(papa.data);
    }
  });
});
