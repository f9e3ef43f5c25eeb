/**
 * Chat prompts: renders a model's `tokenizer.chat_template` (a Jinja template written for Hugging
 * Face transformers) with @huggingface/jinja, or passes a plain prompt through when the file has no
 * template or the caller asks for raw text.
 */
import { Template } from '@huggingface/jinja';
import type { GgufTokenizer } from './tokenizer/tokenizer.ts';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatTemplateVariables {
  /** Append the opening of the assistant's turn, so the model continues as the assistant. */
  addGenerationPrompt: boolean;
  /** Text of the BOS token, or '' when the vocabulary has none. */
  bosToken: string;
  /** Text of the EOS token, or '' when the vocabulary has none. */
  eosToken: string;
}

/** The error of a chat template that does not parse, or that rejects the messages (raise_exception). */
export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

const parsedTemplates = new Map<string, Template>();

function parseTemplate(source: string): Template {
  let template = parsedTemplates.get(source);
  if (!template) {
    try {
      template = new Template(source);
    } catch (error) {
      throw new ChatTemplateError(`tokenizer.chat_template is not a valid Jinja template: ${(error as Error).message}`);
    }
    parsedTemplates.set(source, template);
  }
  return template;
}

/** Renders a chat template with the variables transformers passes: messages, add_generation_prompt, bos_token, eos_token. */
export function renderChatTemplate(source: string, messages: readonly ChatMessage[], variables: ChatTemplateVariables): string {
  const template = parseTemplate(source);
  try {
    return template.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: variables.addGenerationPrompt,
      bos_token: variables.bosToken,
      eos_token: variables.eosToken,
    });
  } catch (error) {
    throw new ChatTemplateError(`tokenizer.chat_template failed to render: ${(error as Error).message}`);
  }
}

export interface PromptOptions {
  /** Skip the chat template and tokenize the prompt as it is. */
  raw?: boolean;
  /** A system message placed before the user's prompt (chat template only). */
  system?: string;
}

export interface BuiltPrompt {
  /** The text that is tokenized. */
  text: string;
  /** Prompt token ids, with BOS/EOS as the model's own add_bos_token/add_eos_token ask. */
  ids: number[];
  /** True when the chat template produced the text. */
  templated: boolean;
}

/**
 * Builds the prompt for one user message and tokenizes it as llama.cpp's chat does. The template is
 * rendered with the model's BOS/EOS texts. A BOS text that the template puts at the start is
 * removed when the tokenizer adds BOS itself (likewise EOS at the end), and special tokens written
 * in the text are parsed. Without a template, or with `raw`, the prompt is tokenized as it is,
 * also with special tokens parsed, as llama.cpp's examples do.
 */
export function buildPrompt(tokenizer: GgufTokenizer, prompt: string, options: PromptOptions = {}): BuiltPrompt {
  const vocab = tokenizer.vocab;
  const template = vocab.chatTemplate;
  if (template === null && !options.raw && options.system !== undefined) {
    throw new ChatTemplateError(`${vocab.source} has no tokenizer.chat_template, so there is no place for a system message; write it into the prompt instead`);
  }
  if (options.raw || template === null) {
    return { text: prompt, ids: tokenizer.encode(prompt, { addSpecial: true, parseSpecial: true }), templated: false };
  }

  const tokenText = (id: number | null) => (id === null ? '' : vocab.tokens[id]);
  const bosToken = tokenText(vocab.special.bos);
  const eosToken = tokenText(vocab.special.eos);
  const messages: ChatMessage[] = [];
  if (options.system !== undefined) messages.push({ role: 'system', content: options.system });
  messages.push({ role: 'user', content: prompt });

  let text = renderChatTemplate(template, messages, { addGenerationPrompt: true, bosToken, eosToken });
  if (vocab.addBos && bosToken !== '' && text.startsWith(bosToken)) text = text.slice(bosToken.length);
  if (vocab.addEos && eosToken !== '' && text.endsWith(eosToken)) text = text.slice(0, -eosToken.length);
  return { text, ids: tokenizer.encode(text, { addSpecial: true, parseSpecial: true }), templated: true };
}
