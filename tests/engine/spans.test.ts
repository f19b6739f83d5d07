// Response-token spans with the real tokenizers: SentencePiece BPE with byte fallback
// (llama2c-stories260K) and byte-level BPE (gpt2-like).

import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { SpanTokenizer, tokenizerFamily } from '../../src/engine/transformers';
import { makeTemplate } from '../../src/core/templates';

const MODELS = path.resolve(__dirname, '../../../shared/models');

type Tok = ConstructorParameters<typeof SpanTokenizer>[0];
let llama: Tok;
let gpt2: Tok;

beforeAll(async () => {
  env.localModelPath = MODELS;
  env.allowLocalModels = true;
  llama = (await AutoTokenizer.from_pretrained('llama2c-stories260K', { local_files_only: true })) as unknown as Tok;
  gpt2 = (await AutoTokenizer.from_pretrained('bench/gpt2-like', { local_files_only: true })) as unknown as Tok;
});

const texts: Array<[string, string]> = [
  ['Say hi', 'Hi there!'],
  ['Emoji', '😀 smile 😀'],
  ['CJK', '東京は大きい。'],
  ['Accents', ' café au lait – très bien'],
  ['Spaces', '  two  spaces\n\nand lines\n'],
  ['Tabs', '\tindented\tcode();'],
];

describe.each([
  ['llama2c (SentencePiece + byte fallback)', () => llama, 'sentencepiece'],
  ['gpt2-like (byte-level BPE)', () => gpt2, 'byte-level'],
])('%s', (_name, get, family) => {
  it('detects the family', () => {
    expect(tokenizerFamily(get())).toBe(family);
  });

  for (const tpl of ['alpaca', 'plain'] as const) {
    it(`${tpl}: aligned offsets; the response tokens decode to the response`, () => {
      const st = new SpanTokenizer(get());
      const t = makeTemplate(tpl);
      for (const [instruction, response] of texts) {
        for (const r of [t.withPrompt({ instruction, input: '', history: [] }, response), t.answerOnly(response)]) {
          const tok = st.tokenize(r, true);
          expect(tok.method).toBe('offsets');
          const dec = get().decode(tok.ids.slice(tok.respStart, tok.respEnd), { skip_special_tokens: true });
          // SentencePiece drops a leading space when decoding a fragment
          expect(dec.trimStart()).toBe(response.trimStart());
          // the token before the response does not contain response characters
          const pre = tok.respStart > 0 ? get().decode(tok.ids.slice(0, tok.respStart), { skip_special_tokens: true }) : '';
          expect(r.text.slice(0, r.responseStart).trimStart().startsWith(pre.trimStart())).toBe(true);
          // spans are relative to the response start and increasing
          const sp = Array.from(tok.respSpans!);
          for (let k = 1; k < sp.length; k++) expect(sp[k]!).toBeGreaterThanOrEqual(sp[k - 1]!);
        }
      }
    });
  }

  it('agrees with prefix tokenization when the boundary is clean', () => {
    const st = new SpanTokenizer(get());
    const t = makeTemplate('alpaca');
    for (const [instruction, response] of texts) {
      const r = t.withPrompt({ instruction, input: '', history: [] }, response);
      const ids = get().encode(r.text);
      const pre = get().encode(r.text.slice(0, r.responseStart));
      if (ids.slice(0, pre.length).join() !== pre.join()) continue;
      expect(st.tokenize(r, true).respStart).toBe(pre.length);
    }
  });

  it('the fallback (prefix method) gives the same range on clean boundaries', () => {
    const base = get();
    const unknown = Object.assign(Object.create(Object.getPrototypeOf(base)), base, { _tokenizerJSON: { decoder: null } }) as Tok;
    const a = new SpanTokenizer(base);
    const b = new SpanTokenizer(unknown);
    expect(b.family).toBe('unknown');
    const t = makeTemplate('plain');
    const r = t.withPrompt({ instruction: 'Q', input: '', history: [] }, 'The answer is 42.');
    const ta = a.tokenize(r, true);
    const tb = b.tokenize(r, true);
    expect(tb.method).toBe('prefix');
    expect([tb.respStart, tb.respEnd]).toEqual([ta.respStart, ta.respEnd]);
  });
});

describe('boundary rule', () => {
  it('a token straddling the boundary ("▁The" with the space in the prompt) is a response token', () => {
    const st = new SpanTokenizer(llama);
    const text = 'The answer: The cat';
    const r = { text, responseStart: 'The answer: '.length, responseEnd: text.length };
    const tok = st.tokenize(r, true);
    const pieces = tok.ids.map((id) => llama._tokenizer!.id_to_token(id));
    const first = pieces[tok.respStart]!;
    expect(first.startsWith('\u2581')).toBe(true); // the straddling "▁T..." token
    expect(tok.respSpans![0]).toBe(-1); // starts one byte before the response (the space)
    expect(llama.decode(tok.ids.slice(tok.respStart, tok.respEnd)).trim()).toBe('The cat');
  });

  it('byte-level: a 4-byte emoji split into byte tokens is entirely response', () => {
    const st = new SpanTokenizer(gpt2);
    const text = 'Q:😀';
    const tok = st.tokenize({ text, responseStart: 2, responseEnd: 4 }, true);
    expect(tok.respEnd - tok.respStart).toBe(4);
    expect(Array.from(tok.respSpans!)).toEqual([0, 1, 1, 2, 2, 3, 3, 4]);
  });

  it('chat-style text with special tokens written in it', () => {
    const st = new SpanTokenizer(llama);
    const text = '<s>Question?\nAnswer here.</s>';
    const rs = text.indexOf('Answer');
    const tok = st.tokenize({ text, responseStart: rs, responseEnd: rs + 'Answer here.'.length }, false);
    expect(tok.method).toBe('offsets');
    expect(tok.ids[0]).toBe(1);
    expect(tok.ids[tok.ids.length - 1]).toBe(2);
    expect(tok.respEnd).toBe(tok.ids.length - 1); // </s> after the response is not scored
    expect(llama.decode(tok.ids.slice(tok.respStart, tok.respEnd)).trim()).toBe('Answer here.');
  });
});
