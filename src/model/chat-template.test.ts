import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../test/cli.ts';
import { buildPrompt, ChatTemplateError, renderChatTemplate } from './chat-template.ts';
import type { GgufFile } from './gguf/file.ts';
import { metadataValue } from './gguf/metadata.ts';
import { openGguf } from './gguf/reader.ts';
import { openFileSource } from './gguf/source-node.ts';
import { smallByteLevelVocabulary, withMetadata } from './tokenizer/test-vocabularies.ts';
import { GgufTokenizer } from './tokenizer/tokenizer.ts';

// Chat templates as published in the models' tokenizer_config.json (the JSON string values).

/** Qwen/Qwen2.5-Math-7B-Instruct. */
const QWEN25_MATH = String.raw`{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'Please reason step by step, and put your final answer within \\boxed{}.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
`;

/** mistralai/Mistral-7B-Instruct-v0.1. */
const MISTRAL_INSTRUCT = String.raw`{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}`;

/** meta-llama/Llama-2-7b-chat-hf. */
const LLAMA2_CHAT = String.raw`{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}`;

/** deepseek-ai/deepseek-math-7b-instruct (the DeepSeek LLM chat template). */
const DEEPSEEK_CHAT = String.raw`{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\n\n' }}{% elif message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] + eos_token }}{% elif message['role'] == 'system' %}{{ message['content'] + '\n\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}`;

const QUESTION = 'What is 2+2?';

async function openVocab(name: string): Promise<GgufFile> {
  const source = await openFileSource(join(SHARED_DATA, 'gguf-vocab', `ggml-vocab-${name}.gguf`));
  try {
    return await openGguf(source);
  } finally {
    await source.close?.();
  }
}

async function tokenizerWithTemplate(file: GgufFile, template: string): Promise<GgufTokenizer> {
  return GgufTokenizer.fromGguf(await withMetadata(file, { 'tokenizer.chat_template': metadataValue.string(template) }));
}

function count(ids: number[], id: number | null): number {
  return ids.filter((x) => x === id).length;
}

describe('Qwen2.5-Math template', () => {
  let tokenizer: GgufTokenizer;
  beforeAll(async () => {
    tokenizer = await tokenizerWithTemplate(await smallByteLevelVocabulary('qwen2'), QWEN25_MATH);
  });

  it('adds the default system prompt', () => {
    const prompt = buildPrompt(tokenizer, QUESTION);
    expect(prompt.templated).toBe(true);
    expect(prompt.text).toBe(
      '<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n' +
        `<|im_start|>user\n${QUESTION}<|im_end|>\n<|im_start|>assistant\n`,
    );
  });

  it('uses a given system message', () => {
    const prompt = buildPrompt(tokenizer, QUESTION, { system: 'Answer briefly.' });
    expect(prompt.text.startsWith('<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\n')).toBe(true);
  });

  it('tokenizes ChatML tokens as special tokens', () => {
    const { ids } = buildPrompt(tokenizer, QUESTION);
    const start = tokenizer.vocab.tokenToId.get('<|im_start|>')!;
    const end = tokenizer.vocab.tokenToId.get('<|im_end|>')!;
    expect(ids[0]).toBe(start);
    expect(count(ids, start)).toBe(3);
    expect(count(ids, end)).toBe(2);
    // Qwen2.5 files set add_bos_token to false.
    expect(count(ids, tokenizer.bos)).toBe(0);
  });
});

describe('Mistral and LLaMA-2 templates', () => {
  let vocab: GgufFile;
  beforeAll(async () => {
    vocab = await openVocab('llama-spm');
  });

  it('renders Mistral instruct with one BOS', async () => {
    const tokenizer = await tokenizerWithTemplate(vocab, MISTRAL_INSTRUCT);
    const prompt = buildPrompt(tokenizer, QUESTION);
    // The template writes "<s>"; it is removed because the tokenizer adds BOS itself, as llama.cpp does.
    expect(prompt.text).toBe(`[INST] ${QUESTION} [/INST]`);
    expect(prompt.ids[0]).toBe(1);
    expect(count(prompt.ids, 1)).toBe(1);
    expect(prompt.ids).toEqual(tokenizer.encode(`[INST] ${QUESTION} [/INST]`));
  });

  it('reports the Mistral system-role exception', async () => {
    const tokenizer = await tokenizerWithTemplate(vocab, MISTRAL_INSTRUCT);
    expect(() => buildPrompt(tokenizer, QUESTION, { system: 'Be brief.' })).toThrow(ChatTemplateError);
    expect(() => buildPrompt(tokenizer, QUESTION, { system: 'Be brief.' })).toThrow(/failed to render: Conversation roles must alternate/);
  });

  it('renders LLaMA-2 chat with a system message', async () => {
    const tokenizer = await tokenizerWithTemplate(vocab, LLAMA2_CHAT);
    const prompt = buildPrompt(tokenizer, QUESTION, { system: 'You are a math tutor.' });
    expect(prompt.text).toBe(`[INST] <<SYS>>\nYou are a math tutor.\n<</SYS>>\n\n${QUESTION} [/INST]`);
    expect(count(prompt.ids, 1)).toBe(1);
  });

  it('renders a LLaMA-2 conversation', () => {
    const messages = [
      { role: 'user' as const, content: 'Hi' },
      { role: 'assistant' as const, content: 'Hello' },
      { role: 'user' as const, content: 'Bye' },
    ];
    const text = renderChatTemplate(LLAMA2_CHAT, messages, { addGenerationPrompt: true, bosToken: '<s>', eosToken: '</s>' });
    expect(text).toBe('<s>[INST] Hi [/INST] Hello </s><s>[INST] Bye [/INST]');
  });
});

describe('DeepSeek template', () => {
  it('renders user and assistant turns', async () => {
    const tokenizer = await tokenizerWithTemplate(await openVocab('deepseek-llm'), DEEPSEEK_CHAT);
    const prompt = buildPrompt(tokenizer, QUESTION);
    expect(prompt.text).toBe(`User: ${QUESTION}\n\nAssistant:`);
    expect(prompt.ids[0]).toBe(100000);
    expect(count(prompt.ids, 100000)).toBe(1);
  });

  it('leaves out the generation prompt when not asked', () => {
    const text = renderChatTemplate(DEEPSEEK_CHAT, [{ role: 'user', content: 'Hi' }], { addGenerationPrompt: false, bosToken: '<B>', eosToken: '<E>' });
    expect(text).toBe('<B>User: Hi\n\n');
  });
});

describe('prompts without a template', () => {
  it('uses the prompt as it is', async () => {
    const tokenizer = GgufTokenizer.fromGguf(await openVocab('llama-spm'));
    const prompt = buildPrompt(tokenizer, QUESTION);
    expect(prompt.templated).toBe(false);
    expect(prompt.text).toBe(QUESTION);
    expect(prompt.ids).toEqual(tokenizer.encode(QUESTION));
  });

  it('rejects a system message', async () => {
    const tokenizer = GgufTokenizer.fromGguf(await openVocab('llama-spm'));
    expect(() => buildPrompt(tokenizer, QUESTION, { system: 'Be brief.' })).toThrow(/has no tokenizer\.chat_template, so there is no place for a system message/);
  });

  it('skips the template when raw', async () => {
    const tokenizer = await tokenizerWithTemplate(await smallByteLevelVocabulary('qwen2'), QWEN25_MATH);
    const prompt = buildPrompt(tokenizer, '<|im_start|>user', { raw: true });
    expect(prompt.templated).toBe(false);
    expect(prompt.ids[0]).toBe(tokenizer.vocab.tokenToId.get('<|im_start|>'));
  });

  it('reports an invalid template', async () => {
    const tokenizer = await tokenizerWithTemplate(await smallByteLevelVocabulary('qwen2'), '{% for %}');
    expect(() => buildPrompt(tokenizer, QUESTION)).toThrow(/tokenizer\.chat_template is not a valid Jinja template/);
  });
});
