import { describe, expect, it } from 'vitest';
import { GgufError } from '../gguf/errors.ts';
import { GgufValueType, metadataValue } from '../gguf/metadata.ts';
import { smallByteLevelVocabulary, withMetadata } from './test-vocabularies.ts';
import { readVocabulary, TokenAttr } from './vocab.ts';

async function vocabularyWith(changes: Parameters<typeof withMetadata>[1]) {
  return readVocabulary(await withMetadata(await smallByteLevelVocabulary('qwen2'), changes, 'bad-vocab.gguf'));
}

async function errorOf(changes: Parameters<typeof withMetadata>[1]): Promise<GgufError> {
  const error = await vocabularyWith(changes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GgufError);
  return error as GgufError;
}

describe('readVocabulary', () => {
  it('reads a byte-level vocabulary', async () => {
    const vocab = await vocabularyWith({});
    expect(vocab.model).toBe('gpt2');
    expect(vocab.preName).toBe('qwen2');
    expect(vocab.merges[0]).toEqual(['Ġ', 't']);
    expect(vocab.special.bos).toBe(vocab.tokenToId.get('<|endoftext|>'));
    expect(vocab.special.eos).toBe(vocab.tokenToId.get('<|im_end|>'));
    expect(vocab.addBos).toBe(false);
    expect(vocab.cleanSpaces).toBe(false);
    expect(vocab.attrs[vocab.tokenToId.get('<|im_start|>')!]).toBe(TokenAttr.CONTROL);
  });

  it('names a missing tokenizer model', async () => {
    const error = await errorOf({ 'tokenizer.ggml.model': null });
    expect(error.field).toBe('tokenizer.ggml.model');
    expect(error.message).toMatch(/bad-vocab\.gguf: tokenizer\.ggml\.model: required key is missing/);
  });

  it('rejects an unsupported tokenizer model', async () => {
    const error = await errorOf({ 'tokenizer.ggml.model': metadataValue.string('bert') });
    expect(error.message).toMatch(/tokenizer "bert" is not supported; supported: llama \(SentencePiece\), gpt2/);
  });

  it('rejects an unsupported pre-tokenizer', async () => {
    const error = await errorOf({ 'tokenizer.ggml.pre': metadataValue.string('falcon') });
    expect(error.field).toBe('tokenizer.ggml.pre');
    expect(error.message).toMatch(/pre-tokenizer "falcon" is not supported; supported: default, gpt-2, llama-bpe, qwen2, deepseek-llm/);
  });

  it('names tokens of the wrong type', async () => {
    const error = await errorOf({ 'tokenizer.ggml.tokens': metadataValue.f32Array([1, 2]) });
    expect(error.field).toBe('tokenizer.ggml.tokens');
    expect(error.message).toMatch(/expected an array of strings, found array\[f32\]/);
  });

  it('names a missing merge list', async () => {
    const error = await errorOf({ 'tokenizer.ggml.merges': null });
    expect(error.field).toBe('tokenizer.ggml.merges');
  });

  it('rejects a duplicate token', async () => {
    const vocab = await vocabularyWith({});
    const tokens = [...vocab.tokens];
    tokens[270] = tokens[5];
    const error = await errorOf({ 'tokenizer.ggml.tokens': metadataValue.stringArray(tokens) });
    expect(error.message).toMatch(/tokenizer\.ggml\.tokens: duplicate token ".+" has ids 5 and 270/);
  });

  it('rejects a short token type list', async () => {
    const error = await errorOf({ 'tokenizer.ggml.token_type': metadataValue.array(GgufValueType.INT32, Int32Array.of(1, 1)) });
    expect(error.field).toBe('tokenizer.ggml.token_type');
    expect(error.message).toMatch(/has 2 token types for \d+ tokens/);
  });

  it('rejects add_bos_token without a BOS token', async () => {
    const vocab = await vocabularyWith({});
    const error = await errorOf({
      'tokenizer.ggml.add_bos_token': metadataValue.bool(true),
      // Past the end: ignored with a warning, and the gpt2 default (11) is a normal token, so set a missing one.
      'tokenizer.ggml.bos_token_id': metadataValue.u32(vocab.tokens.length + 5),
      'tokenizer.ggml.tokens': metadataValue.stringArray(vocab.tokens.slice(0, 11)),
      'tokenizer.ggml.token_type': null,
    });
    expect(error.field).toBe('tokenizer.ggml.add_bos_token');
  });

  it('ignores a special id past the end with a warning', async () => {
    const vocab = await vocabularyWith({ 'tokenizer.ggml.eos_token_id': metadataValue.u32(999_999) });
    expect(vocab.special.eos).toBe(11);
    expect(vocab.warnings.join('\n')).toMatch(/tokenizer\.ggml\.eos_token_id = 999999 is outside the vocabulary/);
  });

  it('detects end tokens by their text', async () => {
    const vocab = await vocabularyWith({ 'tokenizer.ggml.token_type': null });
    // Without token types every token is normal; llama.cpp still treats <|im_end|> as control and as an end token.
    const imEnd = vocab.tokenToId.get('<|im_end|>')!;
    expect(vocab.eogIds.has(imEnd)).toBe(true);
    expect(vocab.attrs[imEnd] & TokenAttr.CONTROL).toBeTruthy();
    expect(vocab.special.eot).toBe(imEnd);
    expect(vocab.warnings.some((w) => w.includes('<|im_end|>'))).toBe(true);
  });

  it('reads the chat template', async () => {
    const vocab = await vocabularyWith({ 'tokenizer.chat_template': metadataValue.string('{{ messages[0].content }}') });
    expect(vocab.chatTemplate).toBe('{{ messages[0].content }}');
  });
});
