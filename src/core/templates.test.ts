import { describe, expect, it } from 'vitest';
import { makeTemplate, renderChatWithResponse, type ChatRenderer } from './templates';

const parts = (instruction: string, input = '', history: { role: 'system' | 'user' | 'assistant'; content: string }[] = []) => ({
  instruction,
  input,
  history,
});

describe('alpaca (Cherry LLM)', () => {
  const t = makeTemplate('alpaca');
  it('with input', () => {
    const r = t.withPrompt(parts('Sum', '2 and 3'), '5');
    expect(r.text).toBe(
      'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nSum\n\n### Input:\n2 and 3\n\n### Response:5',
    );
    expect(r.text.slice(r.responseStart, r.responseEnd)).toBe('5');
    expect(r.responseEnd).toBe(r.text.length);
  });
  it('without input', () => {
    const r = t.withPrompt(parts('Say hi'), 'Hi!');
    expect(r.text).toBe(
      'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nSay hi\n\n### Response:Hi!',
    );
    expect(t.prompt(parts('Say hi'))).toBe(r.text.slice(0, r.responseStart));
  });
  it('s(A) text', () => {
    const r = t.answerOnly('Hi!');
    expect(r).toEqual({ text: '### Response:Hi!', responseStart: 13, responseEnd: 16 });
  });
  it('history before the instruction', () => {
    const r = t.withPrompt(
      parts('And 3+3?', '', [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: '2+2?' },
        { role: 'assistant', content: '4' },
      ]),
      '6',
    );
    expect(r.text).toBe(
      'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\nBe terse.\n\n### Instruction:\n2+2?\n\n### Response:4\n\n### Instruction:\nAnd 3+3?\n\n### Response:6',
    );
  });
});

describe('plain', () => {
  const t = makeTemplate('plain');
  it('renders', () => {
    expect(t.withPrompt(parts('Sum', '2 and 3'), '5').text).toBe('Sum\n2 and 3\n5');
    const r = t.withPrompt(parts('Say hi'), 'Hi');
    expect(r).toEqual({ text: 'Say hi\nHi', responseStart: 7, responseEnd: 9 });
    expect(t.answerOnly('Hi')).toEqual({ text: 'Hi', responseStart: 0, responseEnd: 2 });
    expect(t.withPrompt(parts('q', '', [{ role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }]), 'r').text).toBe('u\na\nq\nr');
  });
});

describe('chat', () => {
  // ChatML-like renderer (what apply_chat_template would produce)
  const chatml: ChatRenderer = (messages, { addGenerationPrompt }) =>
    messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + (addGenerationPrompt ? '<|im_start|>assistant\n' : '');
  const t = makeTemplate('chat', chatml);

  it('locates the response and excludes the trailing end-of-turn', () => {
    const r = t.withPrompt(parts('Sum', '2 and 3', [{ role: 'system', content: 'sys' }]), '5');
    expect(r.text).toBe('<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\nSum\n\n2 and 3<|im_end|>\n<|im_start|>assistant\n5<|im_end|>\n');
    expect(r.text.slice(r.responseStart, r.responseEnd)).toBe('5');
    expect(t.addSpecialTokens).toBe(false);
  });

  it('s(A) uses an empty user turn', () => {
    const r = t.answerOnly('Hello');
    expect(r.text).toBe('<|im_start|>user\n<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n');
    expect(r.text.slice(r.responseStart, r.responseEnd)).toBe('Hello');
  });

  it('does not match the response inside the prompt', () => {
    const r = t.withPrompt(parts('Repeat: yes'), 'yes');
    expect(r.responseStart).toBe(r.text.lastIndexOf('yes'));
  });

  it('handles templates that trim the content', () => {
    const trimming: ChatRenderer = (messages, { addGenerationPrompt }) =>
      messages.map((m) => `[${m.role}] ${m.content.trim()}\n`).join('') + (addGenerationPrompt ? '[assistant] ' : '');
    const r = renderChatWithResponse(trimming, [{ role: 'user', content: 'q' }], '  answer \n');
    expect(r.text.slice(r.responseStart, r.responseEnd)).toBe('answer');
  });

  it('needs a renderer', () => {
    expect(() => makeTemplate('chat')).toThrow();
  });
});
