import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../../test/cli.ts';
import type { GgufFile } from '../gguf/file.ts';
import { metadataValue } from '../gguf/metadata.ts';
import { openGguf } from '../gguf/reader.ts';
import { openFileSource } from '../gguf/source-node.ts';
import { readLlamaCppCases, smallByteLevelVocabulary, UNMERGED_TOKEN, withMetadata } from './test-vocabularies.ts';
import { GgufTokenizer } from './tokenizer.ts';

const VOCAB_DIR = join(SHARED_DATA, 'gguf-vocab');

async function openVocab(name: string): Promise<GgufFile> {
  const source = await openFileSource(join(VOCAB_DIR, `ggml-vocab-${name}.gguf`));
  try {
    return await openGguf(source);
  } finally {
    await source.close?.();
  }
}

describe.each(['llama-spm', 'deepseek-llm', 'gpt-2'])('llama.cpp vocabulary %s', (name) => {
  let tokenizer: GgufTokenizer;
  const cases = readLlamaCppCases(VOCAB_DIR, name);

  beforeAll(async () => {
    tokenizer = GgufTokenizer.fromGguf(await openVocab(name));
  });

  it('has the 46 test cases', () => {
    expect(cases).toHaveLength(46);
  });

  it('matches every llama.cpp token id', () => {
    const failures: string[] = [];
    for (const { text, ids } of cases) {
      const got = tokenizer.encode(text, { addSpecial: false });
      if (got.join(' ') !== ids.join(' ')) failures.push(`${JSON.stringify(text)}\n  expected ${ids.join(' ')}\n  got      ${got.join(' ')}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('round-trips the test strings', () => {
    const failures: string[] = [];
    for (const { text, ids } of cases) {
      // Clean-up of spaces before punctuation is off: it changes text such as " ?" on purpose.
      const decoded = tokenizer.decode(ids, { cleanSpaces: false });
      if (decoded !== text) failures.push(`${JSON.stringify(text)} decoded as ${JSON.stringify(decoded)}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });
});

describe('special tokens and BOS', () => {
  let spm: GgufTokenizer;
  let deepseek: GgufTokenizer;
  let gpt2: GgufTokenizer;

  beforeAll(async () => {
    [spm, deepseek, gpt2] = await Promise.all(['llama-spm', 'deepseek-llm', 'gpt-2'].map(async (name) => GgufTokenizer.fromGguf(await openVocab(name))));
  });

  it('adds BOS as each file asks', () => {
    expect(spm.encode('Hello')).toEqual([1, ...spm.encode('Hello', { addSpecial: false })]);
    expect(deepseek.encode('Hello')[0]).toBe(100000);
    // The GPT-2 file has no add_bos_token key, and llama.cpp adds no BOS to a BPE vocabulary by default.
    expect(gpt2.vocab.addBos).toBe(false);
    expect(gpt2.encode('Hello')).toEqual(gpt2.encode('Hello', { addSpecial: false }));
  });

  it('parses control tokens only when asked', () => {
    const text = 'Hi</s>there';
    const parsed = spm.encode(text, { addSpecial: false, parseSpecial: true });
    expect(parsed).toContain(2);
    expect(parsed).toEqual([...spm.encode('Hi', { addSpecial: false }), 2, ...spm.encode('there', { addSpecial: false })]);
    expect(spm.encode(text, { addSpecial: false })).not.toContain(2);
  });

  it('prefixes a space after a special token', () => {
    // SentencePiece adds the space marker to text that follows a special token, as llama.cpp does.
    const ids = spm.encode('<s>Hello', { addSpecial: false, parseSpecial: true });
    expect(ids).toEqual([1, ...spm.encode('Hello', { addSpecial: false })]);
    expect(spm.tokenPiece(ids[1])).toBe(' Hello');
  });

  it('always splits user-defined tokens', () => {
    // deepseek-llm marks "ø" (among others) user-defined; llama.cpp finds it even without parse_special.
    const id = deepseek.vocab.tokenToId.get('ø')!;
    expect(deepseek.encode('Bjørn', { addSpecial: false })).toContain(id);
  });

  it('renders control tokens only when asked', () => {
    const ids = spm.encode('Hi', { addSpecial: true });
    // As in llama.cpp, only the first piece loses its leading space, and here that piece is BOS.
    expect(spm.decode(ids)).toBe(' Hi');
    expect(spm.decode(ids, { special: true })).toBe('<s> Hi');
    expect(spm.decode(ids, { removeSpecial: true })).toBe(' Hi');
    expect(spm.decode(ids.slice(1))).toBe('Hi');
  });

  it('cleans spaces as llama.cpp does for gpt-2', () => {
    const ids = gpt2.encode("Hello , world ! It 's done .", { addSpecial: false });
    expect(gpt2.decode(ids)).toBe("Hello, world! It's done.");
    expect(gpt2.decode(ids, { cleanSpaces: false })).toBe("Hello , world ! It 's done .");
  });

  it('decodes byte tokens as bytes', () => {
    const ids = spm.encode('🦙', { addSpecial: false });
    const bytes = ids.flatMap((id) => [...spm.tokenBytes(id)]);
    expect(Buffer.from(bytes).toString('utf8')).toBe(' 🦙');
    const stream = spm.createStreamDecoder();
    const pieces = ids.map((id) => stream.push(id));
    expect(pieces.join('') + stream.flush()).toBe(' 🦙');
    expect(pieces.slice(0, -1).every((p) => !p.includes('🦙'))).toBe(true);
  });

  it('finds the end-of-generation tokens', () => {
    expect(spm.isEog(2)).toBe(true);
    expect(deepseek.isEog(100001)).toBe(true);
    expect(gpt2.isEog(50256)).toBe(true);
    expect(spm.isEog(1)).toBe(false);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => spm.tokenBytes(32000)).toThrow(/outside the vocabulary of 32000 tokens/);
  });
});

describe('byte-level BPE with ChatML tokens', () => {
  it('applies merges by rank and parses ChatML', async () => {
    const tokenizer = GgufTokenizer.fromGguf(await smallByteLevelVocabulary('qwen2'));
    const id = (text: string) => tokenizer.vocab.tokenToId.get(text)!;
    expect(tokenizer.encode(' the cat is', { addSpecial: false })).toEqual([id('Ġthe'), id('Ġcat'), id('Ġis')]);
    const chat = tokenizer.encode('<|im_start|>user\n2+2<|im_end|>', { parseSpecial: true });
    expect(chat[0]).toBe(id('<|im_start|>'));
    expect(chat[chat.length - 1]).toBe(id('<|im_end|>'));
    // qwen2 splits every digit.
    expect(tokenizer.encode('2024', { addSpecial: false })).toEqual(['2', '0', '2', '4'].map(id));
    expect(tokenizer.isEog(id('<|im_end|>'))).toBe(true);
    expect(tokenizer.isEog(id('<|endoftext|>'))).toBe(true);
  });

  it('keeps llama-bpe words that are tokens whole', async () => {
    // llama.cpp sets ignore_merges for llama-bpe: " dog" is a token that no merge builds.
    const llamaBpe = GgufTokenizer.fromGguf(await smallByteLevelVocabulary('llama-bpe'));
    expect(llamaBpe.vocab.ignoreMerges).toBe(true);
    expect(llamaBpe.encode(' dog', { addSpecial: false })).toEqual([llamaBpe.vocab.tokenToId.get(UNMERGED_TOKEN)]);
    const qwen2 = GgufTokenizer.fromGguf(await smallByteLevelVocabulary('qwen2'));
    expect(qwen2.encode(' dog', { addSpecial: false })).toHaveLength(4);
  });

  it('uses llama-bpe add_bos default when the file has no key', async () => {
    const file = await withMetadata(await smallByteLevelVocabulary('llama-bpe'), { 'tokenizer.ggml.add_bos_token': null });
    const tokenizer = GgufTokenizer.fromGguf(file);
    expect(tokenizer.vocab.addBos).toBe(true);
    expect(tokenizer.encode('hi')[0]).toBe(tokenizer.bos);
  });

  it('honours add_eos_token', async () => {
    const file = await withMetadata(await smallByteLevelVocabulary('qwen2'), { 'tokenizer.ggml.add_eos_token': metadataValue.bool(true) });
    const tokenizer = GgufTokenizer.fromGguf(file);
    expect(tokenizer.encode('hi').at(-1)).toBe(tokenizer.eos);
    expect(tokenizer.encode('hi', { addSpecial: false }).at(-1)).not.toBe(tokenizer.eos);
  });
});
