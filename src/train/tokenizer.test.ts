/**
 * The from-scratch tokenizers: BPE learned from procedural problems and the byte-level vocabulary.
 * Each is written into a GGUF file and read back with the project's GgufTokenizer, which must give
 * the ids used in training.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateEvents } from '../data/generate.ts';
import { ALPACA_COT_TEXT } from '../eval/templates.ts';
import { GgufValueType } from '../model/gguf/metadata.ts';
import { openGguf } from '../model/gguf/reader.ts';
import { bytesSource } from '../model/gguf/source.ts';
import { GgufTokenizer } from '../model/tokenizer/tokenizer.ts';
import { TokenAttr } from '../model/tokenizer/vocab.ts';
import { learnBpe, SPACE_MARK } from './bpe.ts';
import { exampleText, templateParts, type SftRecord } from './sft-data.ts';
import { buildBpeTokenizer, buildByteTokenizer, MIN_BPE_VOCAB, TrainingTokenizer } from './tokenizer.ts';

const TEMPLATE = { prompt: ALPACA_COT_TEXT };

function records(count: number, seed: number): SftRecord[] {
  const out: SftRecord[] = [];
  for (const event of generateEvents({ stage: 'normal', methods: ['plain', 'backward'], count, seed })) {
    if ('item' in event) out.push({ problem: event.item.problem, solution: event.item.solution });
  }
  return out;
}

describe('BPE learning', () => {
  it('never merges digits and respects the token budget', () => {
    const texts = ['so add 12 and 345 to 6789', 'then add 12 and 345', 'the sum is 7146'];
    const learned = learnBpe(texts, { maxAlphabet: 40, tokenBudget: 24 });
    expect(learned.alphabet.length + learned.merged.length).toBeLessThanOrEqual(24);
    for (const token of learned.merged) expect(token).not.toMatch(/\d/);
    expect(learned.merged).toContain(`${SPACE_MARK}add`);
  });

  it('leaves excluded texts out of the counts', () => {
    const texts = Array.from({ length: 5 }, (_, i) => `HEADER TEXT ${i} body`);
    const learned = learnBpe(texts, { maxAlphabet: 40, tokenBudget: 60, exclude: ['HEADER TEXT '] });
    expect(learned.merged.some((t) => t.includes('HEA'))).toBe(false);
    expect(learned.merged).toContain(`${SPACE_MARK}body`);
  });

  it('is deterministic', () => {
    const texts = records(40, 3).map((r) => exampleText(TEMPLATE, r));
    const options = { maxAlphabet: 100, tokenBudget: 300 };
    expect(learnBpe(texts, options)).toEqual(learnBpe(texts, options));
  });
});

describe('BPE training tokenizer', () => {
  let trainTexts: string[];
  let tokenizer: TrainingTokenizer;
  let reloaded: GgufTokenizer;

  beforeAll(async () => {
    trainTexts = records(300, 1).map((r) => exampleText(TEMPLATE, r));
    tokenizer = await buildBpeTokenizer(trainTexts, { vocabSize: 600, userDefined: templateParts(TEMPLATE) });
    reloaded = GgufTokenizer.fromGguf(await openGguf(bytesSource(await tokenizer.toGguf(), 'exported.gguf')));
  });

  it('fills the vocabulary and stores llama.cpp SentencePiece metadata', async () => {
    expect(tokenizer.vocabSize).toBe(600);
    const file = await openGguf(bytesSource(await tokenizer.toGguf()));
    expect(file.getString('tokenizer.ggml.model')).toBe('llama');
    expect(file.getArray('tokenizer.ggml.scores')?.itemType).toBe(GgufValueType.FLOAT32);
    expect(file.getArray('tokenizer.ggml.token_type')?.itemType).toBe(GgufValueType.INT32);
    const tokens = file.getStringArray('tokenizer.ggml.tokens')!;
    expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<pad>']);
    expect(tokens[4]).toBe('<0x00>');
    expect(tokens[4 + 0x0a]).toBe('<0x0A>');
    expect(tokens[259]).toBe('<0xFF>');
    expect(file.getCount('tokenizer.ggml.bos_token_id')).toBe(1);
    expect(file.getCount('tokenizer.ggml.eos_token_id')).toBe(2);
    expect(file.getCount('tokenizer.ggml.padding_token_id')).toBe(3);
    expect(file.getBoolean('tokenizer.ggml.add_bos_token')).toBe(true);
  });

  it('gives the same ids after a GGUF round trip, on held-out text too', () => {
    const heldOut = records(60, 99).map((r) => exampleText(TEMPLATE, r));
    for (const text of [...trainTexts.slice(0, 30), ...heldOut]) {
      expect(reloaded.encode(text, { addSpecial: false })).toEqual(tokenizer.encode(text));
      expect(reloaded.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it('adds BOS the way generation does', () => {
    const prompt = ALPACA_COT_TEXT.replace('{problem}', 'What is 2 + 3?');
    expect(reloaded.encode(prompt)).toEqual([tokenizer.bos, ...tokenizer.encode(prompt)]);
  });

  it('makes each template part one user-defined token', () => {
    for (const part of templateParts(TEMPLATE)) {
      const ids = tokenizer.encode(part);
      expect(ids).toHaveLength(1);
      expect(reloaded.vocab.attrs[ids[0]] & TokenAttr.USER_DEFINED).toBeTruthy();
    }
  });

  it('spells numbers one digit per token', () => {
    const ids = tokenizer.encode('The answer is 40213');
    const pieces = ids.map((id) => reloaded.tokenPiece(id));
    expect(pieces.slice(-5)).toEqual(['4', '0', '2', '1', '3']);
  });

  it('falls back to bytes for unseen characters', () => {
    const text = 'Ünïcode ∑ 😀 text';
    const ids = tokenizer.encode(text);
    expect(ids.some((id) => reloaded.vocab.attrs[id] & TokenAttr.BYTE)).toBe(true);
    expect(tokenizer.decode(ids)).toBe(text);
    expect(reloaded.encode(text, { addSpecial: false })).toEqual(ids);
  });

  it('reads control-token text as plain text', () => {
    const ids = tokenizer.encode('a </s> b');
    expect(ids).not.toContain(tokenizer.eos);
    expect(tokenizer.decode(ids)).toBe('a </s> b');
  });

  it('rejects a vocabulary too small for the base tokens', async () => {
    await expect(buildBpeTokenizer(trainTexts, { vocabSize: MIN_BPE_VOCAB - 1 })).rejects.toThrow(/at least 324/);
  });

  it('survives a round trip through toGguf and fromGguf', async () => {
    const copy = await TrainingTokenizer.fromGguf(await tokenizer.toGguf(), 'bpe');
    expect(copy.vocabSize).toBe(tokenizer.vocabSize);
    expect(copy.encode(trainTexts[0])).toEqual(tokenizer.encode(trainTexts[0]));
  });
});

describe('byte-level training tokenizer', () => {
  it('spells text in bytes with one token per space and round-trips through GGUF', async () => {
    const tokenizer = await buildByteTokenizer();
    expect(tokenizer.vocabSize).toBe(261);
    const text = 'Solve 3x = 12.\nx = 4 ✓';
    const ids = tokenizer.encode(text);
    expect(ids).toHaveLength(new TextEncoder().encode(text).length);
    const reloaded = GgufTokenizer.fromGguf(await openGguf(bytesSource(await tokenizer.toGguf())));
    expect(reloaded.encode(text, { addSpecial: false })).toEqual(ids);
    expect(reloaded.decode(ids)).toBe(text);
  });
});
