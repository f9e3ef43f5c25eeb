/** `mwb tokenize` and `mwb generate` through the real binary, on tiny random models written to a temp folder. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMwb, SHARED_DATA } from '../../test/cli.ts';
import { buildPrompt } from '../model/chat-template.ts';
import type { GgufFile } from '../model/gguf/file.ts';
import { metadataValue } from '../model/gguf/metadata.ts';
import { openGguf } from '../model/gguf/reader.ts';
import { openFileSource } from '../model/gguf/source-node.ts';
import { encodeGguf } from '../model/gguf/writer.ts';
import { randomModel } from '../model/random-model.ts';
import { ReferenceEngine } from '../model/reference/engine.ts';
import { generate } from '../model/reference/generate.ts';
import { smallByteLevelVocabulary } from '../model/tokenizer/test-vocabularies.ts';
import { GgufTokenizer } from '../model/tokenizer/tokenizer.ts';

const SPM_VOCAB = join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-llama-spm.gguf');
const CHATML = String.raw`{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`;

let dir: string;
/** llama with llama.cpp's SentencePiece vocabulary and no chat template, q8_0. */
let llamaPath: string;
/** qwen2 with a small byte-level vocabulary and a ChatML template, f32. */
let qwenPath: string;

async function openPath(path: string): Promise<GgufFile> {
  const source = await openFileSource(path);
  return openGguf(source);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-generate-'));
  const shape = { layerCount: 2, embeddingLength: 64, headCount: 4, headCountKv: 2, feedForwardLength: 96, seed: 3 };
  const llama = randomModel({ ...shape, architecture: 'llama', fileType: 'q8_0', vocabulary: await openPath(SPM_VOCAB) });
  llamaPath = join(dir, 'tiny-llama.gguf');
  writeFileSync(llamaPath, await encodeGguf(llama.spec));
  const vocabulary = await smallByteLevelVocabulary('qwen2', { 'tokenizer.chat_template': metadataValue.string(CHATML) });
  const qwen = randomModel({ ...shape, architecture: 'qwen2', fileType: 'f32', vocabulary });
  qwenPath = join(dir, 'tiny-qwen2.gguf');
  writeFileSync(qwenPath, await encodeGguf(qwen.spec));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('mwb tokenize', () => {
  it('prints llama.cpp ids with BOS', () => {
    const result = runMwb(['tokenize', SPM_VOCAB, 'Hello world']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // llama.cpp: BOS 1, then "▁Hello" 15043 and "▁world" 3186.
    expect(result.stdout.trim()).toBe('1 15043 3186');
  });

  it('prints tokens and pieces as JSON', () => {
    const result = runMwb(['tokenize', SPM_VOCAB, 'Hi</s>', '--json']);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual(['tokens', 'pieces']);
    expect(output.tokens[0]).toBe(1);
    expect(output.tokens.at(-1)).toBe(2);
    expect(output.pieces).toEqual(['<s>', ' Hi', '</s>']);
  });

  it('names a missing file', () => {
    const result = runMwb(['tokenize', join(dir, 'missing.gguf'), 'x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing\.gguf: file not found/);
  });
});

describe('mwb generate', () => {
  it('prints the JSON result of the reference engine', async () => {
    const result = runMwb(['generate', llamaPath, '--prompt', 'The answer is', '--max-tokens', '5', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual(['prompt_tokens', 'tokens', 'text']);

    // The same generation in this process: the file has no chat template, so the prompt is raw.
    const file = await openPath(llamaPath);
    const tokenizer = GgufTokenizer.fromGguf(file);
    const expected = await generate(ReferenceEngine.open(file), tokenizer, tokenizer.encode('The answer is'), {
      temperature: 0,
      topK: 0,
      topP: 1,
      seed: 0,
      maxTokens: 5,
      stop: [],
    });
    expect(output.prompt_tokens).toEqual(tokenizer.encode('The answer is'));
    expect(output.prompt_tokens[0]).toBe(1);
    expect(output.tokens).toEqual(expected.tokens);
    expect(output.text).toBe(expected.text);
  });

  it('applies the chat template', async () => {
    const result = runMwb(['generate', qwenPath, '--prompt', 'What is 2+2?', '--max-tokens', '3', '--temperature', '0.8', '--seed', '4', '--json']);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    const tokenizer = GgufTokenizer.fromGguf(await openPath(qwenPath));
    expect(output.prompt_tokens).toEqual(buildPrompt(tokenizer, 'What is 2+2?').ids);
    expect(output.prompt_tokens[0]).toBe(tokenizer.vocab.tokenToId.get('<|im_start|>'));
    expect(output.tokens.length).toBeLessThanOrEqual(3);
  });

  it('streams text and reports statistics', () => {
    const result = runMwb(['generate', qwenPath, '--prompt', 'hi', '--max-tokens', '4', '--raw']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\[ref engine, raw prompt: 2 prompt tokens, \d generated, stopped by (length|eos), [\d.]+ s\]/);
  });

  it('reports a missing prompt with the usage', () => {
    const result = runMwb(['generate', llamaPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing --prompt TEXT/);
    expect(result.stderr).toMatch(/Usage|mwb generate FILE\.gguf --prompt TEXT/);
  });
});
