// Prompt templates for teacher-forced scoring. Pure: no model runtime.
//
// Every rendering returns the full text AND the character span of the response inside it, so
// that the response tokens can be found from the joint tokenization (see metrics/spans.ts).
// See docs/metrics.md for the rationale of each format.

import type { Turn } from './types';

export type TemplateName = 'alpaca' | 'plain' | 'chat';
export const TEMPLATE_NAMES: readonly TemplateName[] = ['alpaca', 'plain', 'chat'];

export function isTemplateName(s: string): s is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(s);
}

/**
 * Renders a conversation with the model's own chat template. The pure core cannot run jinja, so
 * the engine supplies this (transformers.js: `tokenizer.apply_chat_template(messages,
 * { tokenize: false, add_generation_prompt })`).
 */
export type ChatRenderer = (messages: Turn[], opts: { addGenerationPrompt: boolean }) => string;

/** A rendered text and the half-open character range [responseStart, responseEnd) of the response. */
export interface RenderedText {
  text: string;
  responseStart: number;
  responseEnd: number;
}

/** The prompt side of a sample: Q = (history, instruction, input). Variants replace `instruction`. */
export interface PromptParts {
  instruction: string;
  input: string;
  history: Turn[];
}

export interface Template {
  readonly name: TemplateName;
  /**
   * Whether the tokenizer should add its special tokens (BOS, ...) when encoding texts of this
   * template. alpaca/plain: yes (as Cherry LLM's `tokenizer.encode`); chat: no, the chat template
   * already writes them (as `apply_chat_template(tokenize=True)` does).
   */
  readonly addSpecialTokens: boolean;
  /** Text scored for s(A|Q): the templated prompt, then the response. */
  withPrompt(parts: PromptParts, response: string): RenderedText;
  /** Text scored for s(A): the response with no instruction (see docs/metrics.md). */
  answerOnly(response: string): RenderedText;
  /** Generation prompt (everything before the response), for greedy outputs. */
  prompt(parts: PromptParts): string;
}

// Cherry LLM (Li et al., "From Quantity to Quality") PROMPT_DICT, verbatim.
export const ALPACA_HEADER_INPUT =
  'Below is an instruction that describes a task, paired with an input that provides further context. ' +
  'Write a response that appropriately completes the request.';
export const ALPACA_HEADER_NO_INPUT =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.';
export const ALPACA_RESPONSE_HEADER = '### Response:';

/**
 * Alpaca history block (our extension; Cherry LLM is single-turn): each earlier turn, in order,
 * between the header paragraph and the final `### Instruction:`.
 *   system    -> "{content}\n\n"
 *   user      -> "### Instruction:\n{content}\n\n"
 *   assistant -> "### Response:{content}\n\n"   (the response is appended directly, as the final one)
 */
function alpacaHistory(history: Turn[]): string {
  let out = '';
  for (const t of history) {
    if (t.role === 'system') out += `${t.content}\n\n`;
    else if (t.role === 'user') out += `### Instruction:\n${t.content}\n\n`;
    else out += `${ALPACA_RESPONSE_HEADER}${t.content}\n\n`;
  }
  return out;
}

export function alpacaPrompt(parts: PromptParts): string {
  const hasInput = parts.input.length > 0;
  const header = hasInput ? ALPACA_HEADER_INPUT : ALPACA_HEADER_NO_INPUT;
  let s = `${header}\n\n${alpacaHistory(parts.history)}### Instruction:\n${parts.instruction}\n\n`;
  if (hasInput) s += `### Input:\n${parts.input}\n\n`;
  return s + ALPACA_RESPONSE_HEADER;
}

/** plain: every history turn's content on its own line, then "{instruction}\n{input}\n" (or "{instruction}\n"). */
export function plainPrompt(parts: PromptParts): string {
  let s = '';
  for (const t of parts.history) s += `${t.content}\n`;
  s += `${parts.instruction}\n`;
  if (parts.input.length > 0) s += `${parts.input}\n`;
  return s;
}

function concat(prefix: string, response: string): RenderedText {
  return { text: prefix + response, responseStart: prefix.length, responseEnd: prefix.length + response.length };
}

/** The user message of a chat: the instruction, then (when present) a blank line and the input. */
export function chatUserContent(parts: PromptParts): string {
  return parts.input.length > 0 ? `${parts.instruction}\n\n${parts.input}` : parts.instruction;
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Renders [...prefixMessages, assistant(response)] and locates the response in it. The search
 * starts where the rendering stops agreeing with the generation prompt (so a response that also
 * occurs in the system prompt or the instruction is not matched there). Templates that trim the
 * content are handled by also looking for the trimmed response.
 */
export function renderChatWithResponse(render: ChatRenderer, prefixMessages: Turn[], response: string): RenderedText {
  const full = render([...prefixMessages, { role: 'assistant', content: response }], { addGenerationPrompt: false });
  const gen = render(prefixMessages, { addGenerationPrompt: true });
  const from = commonPrefixLength(gen, full);
  for (const needle of response.trim() === response ? [response] : [response, response.trim()]) {
    // A template may put the response right after the shared prefix or a few characters earlier
    // (the shared prefix can run into the response when it starts like the generation-prompt tail).
    for (const start of [from, Math.max(0, from - 8), 0]) {
      const idx = full.indexOf(needle, start);
      if (idx >= 0) return { text: full, responseStart: idx, responseEnd: idx + needle.length };
    }
  }
  throw new Error('chat template: the rendered conversation does not contain the response verbatim');
}

export function makeTemplate(name: TemplateName, chat?: ChatRenderer): Template {
  switch (name) {
    case 'alpaca':
      return {
        name,
        addSpecialTokens: true,
        withPrompt: (parts, response) => concat(alpacaPrompt(parts), response),
        answerOnly: (response) => concat(ALPACA_RESPONSE_HEADER, response),
        prompt: alpacaPrompt,
      };
    case 'plain':
      return {
        name,
        addSpecialTokens: true,
        withPrompt: (parts, response) => concat(plainPrompt(parts), response),
        answerOnly: (response) => concat('', response),
        prompt: plainPrompt,
      };
    case 'chat': {
      if (!chat) throw new Error('the chat template needs a ChatRenderer (the model has no chat template?)');
      const user = (parts: PromptParts): Turn[] => [...parts.history, { role: 'user', content: chatUserContent(parts) }];
      return {
        name,
        addSpecialTokens: false,
        withPrompt: (parts, response) => renderChatWithResponse(chat, user(parts), response),
        // s(A) under chat: an EMPTY user turn then the assistant turn, no history, no system turn
        // (many templates reject a conversation that starts with the assistant).
        answerOnly: (response) => renderChatWithResponse(chat, [{ role: 'user', content: '' }], response),
        prompt: (parts) => chat(user(parts), { addGenerationPrompt: true }),
      };
    }
  }
}
