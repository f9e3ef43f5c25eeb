import { beforeAll, describe, expect, it } from 'vitest';
import { openTinyModel } from '../test-models.ts';
import { smallByteLevelVocabulary } from '../tokenizer/test-vocabularies.ts';
import { GgufTokenizer } from '../tokenizer/tokenizer.ts';
import { ReferenceEngine, type LogitsEngine } from './engine.ts';
import { ReferenceModel } from './forward.ts';
import { generate, type GenerateOptions } from './generate.ts';
import { argmax } from './sampling.ts';

/** An engine whose logits always favour the next token of a fixed script, to test the loop alone. */
class ScriptedEngine implements LogitsEngine {
  readonly name = 'scripted';
  length = 0;
  private produced = 0;

  constructor(
    private readonly script: number[],
    readonly vocabSize: number,
    readonly contextLength = 1000,
  ) {}

  async append(tokens: readonly number[]): Promise<Float32Array> {
    this.length += tokens.length;
    const logits = new Float32Array(this.vocabSize);
    logits[this.script[this.produced++] ?? 0] = 10;
    return logits;
  }

  reset(): void {
    this.length = 0;
    this.produced = 0;
  }

  async dispose(): Promise<void> {}
}

const GREEDY: GenerateOptions = { temperature: 0, topK: 0, topP: 1, seed: 0, maxTokens: 50, stop: [] };

describe('generate', () => {
  let tokenizer: GgufTokenizer;
  let script: number[];
  const prompt = [1, 2, 3];

  beforeAll(async () => {
    tokenizer = GgufTokenizer.fromGguf(await smallByteLevelVocabulary('qwen2'));
    script = tokenizer.encode('Hello world<|im_end|> ignored', { addSpecial: false, parseSpecial: true });
  });

  it('stops at the end-of-generation token', async () => {
    const pieces: string[] = [];
    const result = await generate(new ScriptedEngine(script, tokenizer.vocabSize), tokenizer, prompt, GREEDY, { onText: (p) => pieces.push(p) });
    expect(result.stopReason).toBe('eos');
    expect(result.text).toBe('Hello world');
    expect(result.tokens).toEqual(script.slice(0, script.indexOf(tokenizer.eos!)));
    expect(result.promptTokens).toEqual(prompt);
    expect(pieces.join('')).toBe('Hello world');
  });

  it('stops before a stop string', async () => {
    const pieces: string[] = [];
    const result = await generate(new ScriptedEngine(script, tokenizer.vocabSize), tokenizer, prompt, { ...GREEDY, stop: ['xyz', 'o w'] }, { onText: (p) => pieces.push(p) });
    expect(result.stopReason).toBe('stop');
    expect(result.text).toBe('Hell');
    expect(pieces.join('')).toBe('Hell');
  });

  it('stops at the token limit', async () => {
    const result = await generate(new ScriptedEngine(script, tokenizer.vocabSize), tokenizer, prompt, { ...GREEDY, maxTokens: 3 });
    expect(result.stopReason).toBe('length');
    expect(result.tokens).toEqual(script.slice(0, 3));
    expect(result.text).toBe(tokenizer.decode(script.slice(0, 3)));
  });

  it('stops at the context length', async () => {
    const result = await generate(new ScriptedEngine(script, tokenizer.vocabSize, 6), tokenizer, prompt, GREEDY);
    // Positions 0–5 fill the context; the token sampled after position 5 is kept but never fed back.
    expect(result.stopReason).toBe('context');
    expect(result.tokens).toHaveLength(4);
  });

  it('rejects a prompt that fills the context', async () => {
    await expect(generate(new ScriptedEngine(script, tokenizer.vocabSize, 3), tokenizer, prompt, GREEDY)).rejects.toThrow(/prompt has 3 tokens; the model's context length is 3/);
  });

  it('rejects more logits than tokens', async () => {
    await expect(generate(new ScriptedEngine(script, tokenizer.vocabSize + 5), tokenizer, prompt, GREEDY)).rejects.toThrow(/output logits but its tokenizer only/);
  });

  it('holds back incomplete characters', async () => {
    const emoji = tokenizer.encode('ok 🦙', { addSpecial: false });
    const pieces: string[] = [];
    const result = await generate(new ScriptedEngine(emoji, tokenizer.vocabSize), tokenizer, prompt, { ...GREEDY, maxTokens: emoji.length }, { onText: (p) => pieces.push(p) });
    expect(result.text).toBe('ok 🦙');
    expect(pieces.every((p) => !p.includes('\ufffd'))).toBe(true);
  });
});

describe('generate with the reference engine', () => {
  it('follows the model greedily', async () => {
    const { file } = await openTinyModel({ architecture: 'qwen2', vocabulary: await smallByteLevelVocabulary('qwen2') });
    const tokenizer = GgufTokenizer.fromGguf(file);
    const engine = ReferenceEngine.open(file);
    const prompt = tokenizer.encode('the cat is', { addSpecial: true });
    const first = await generate(engine, tokenizer, prompt, { ...GREEDY, maxTokens: 6 });
    const again = await generate(engine, tokenizer, prompt, { ...GREEDY, maxTokens: 6 });
    expect(again).toEqual(first);

    // The first generated token is the argmax after the prompt, and each next one after the sequence so far.
    const model = ReferenceModel.load(file);
    const sequence = [...prompt];
    for (const token of first.tokens) {
      const logits = await model.forward(sequence, model.createCache());
      expect(token).toBe(argmax(logits));
      sequence.push(token);
    }
    expect(first.tokens.length === 6 || first.stopReason === 'eos').toBe(true);
  });

  it('reproduces sampled text from a seed', async () => {
    const { file } = await openTinyModel({ architecture: 'llama' });
    const tokenizer = GgufTokenizer.fromGguf(file);
    const engine = ReferenceEngine.open(file);
    const prompt = tokenizer.encode('t5 t6', { addSpecial: true });
    const options = { ...GREEDY, temperature: 1.5, maxTokens: 12 };
    const first = await generate(engine, tokenizer, prompt, { ...options, seed: 1 });
    expect(await generate(engine, tokenizer, prompt, { ...options, seed: 1 })).toEqual(first);
    expect((await generate(engine, tokenizer, prompt, { ...options, seed: 2 })).tokens).not.toEqual(first.tokens);
  });
});
