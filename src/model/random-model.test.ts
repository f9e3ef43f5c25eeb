/** Random-weight models: determinism, weight statistics, llama-quantize's tensor type choices, sizes. */
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelConfig } from './config.ts';
import { GgmlType, ggmlTypeName } from './quant/types.ts';
import { randomModel, usesMoreBits, type RandomModelOptions } from './random-model.ts';
import { openTinyModel, tinyModelOptions, tinyVocabulary } from './test-models.ts';

function typesByName(tensors: { name: string; type: GgmlType }[]): Record<string, string> {
  return Object.fromEntries(tensors.map((t) => [t.name, ggmlTypeName(t.type)]));
}

function meanAndStd(values: Float32Array): [number, number] {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squared = 0;
  for (const v of values) squared += (v - mean) ** 2;
  return [mean, Math.sqrt(squared / values.length)];
}

/** Options of the tiny llama from test-models.ts, for building specs without writing them. */
let base: RandomModelOptions;

beforeAll(async () => {
  base = await tinyModelOptions();
});

describe('randomModel', () => {
  it('is deterministic per seed', async () => {
    const first = await openTinyModel({ seed: 7, fileType: 'q8_0' });
    const again = await openTinyModel({ seed: 7, fileType: 'q8_0' });
    const other = await openTinyModel({ seed: 8, fileType: 'q8_0' });
    expect(again.bytes).toEqual(first.bytes);
    expect(other.bytes.length).toBe(first.bytes.length);
    expect(other.bytes).not.toEqual(first.bytes);
  });

  it('draws weights near N(0, 0.02²) and norms near 1', async () => {
    const { file } = await openTinyModel({ embeddingLength: 128, feedForwardLength: 256 });
    const [embeddingMean, embeddingStd] = meanAndStd(await file.readTensor('token_embd.weight'));
    expect(Math.abs(embeddingMean)).toBeLessThan(0.001);
    expect(embeddingStd).toBeGreaterThan(0.019);
    expect(embeddingStd).toBeLessThan(0.021);
    const [downMean, downStd] = meanAndStd(await file.readTensor('blk.1.ffn_down.weight'));
    expect(Math.abs(downMean)).toBeLessThan(0.001);
    expect(downStd).toBeCloseTo(0.02, 2);
    const [normMean, normStd] = meanAndStd(await file.readTensor('blk.0.attn_norm.weight'));
    expect(normMean).toBeCloseTo(1, 2);
    expect(normStd).toBeLessThan(0.03);
  });

  it('copies the tokenizer metadata of the vocabulary file', async () => {
    const vocabulary = await tinyVocabulary(40);
    const { file } = await openTinyModel({ vocabulary });
    for (const [key, value] of vocabulary.metadata) expect(file.get(key), key).toEqual(value);
    expect(file.getCount('llama.vocab_size')).toBe(40);
    expect(file.tensor('token_embd.weight')?.dims).toEqual([64, 40]);
  });

  it('writes a file that readModelConfig accepts for every file type', async () => {
    for (const fileType of ['f32', 'f16', 'q8_0', 'q4_0', 'q4_k'] as const) {
      const { file, config } = await openTinyModel({ fileType, embeddingLength: 256, headCount: 8, headCountKv: 2 });
      expect(readModelConfig(file), fileType).toEqual(config);
      expect(file.getCount('general.file_type'), fileType).toBe({ f32: 0, f16: 1, q8_0: 7, q4_0: 2, q4_k: 15 }[fileType]);
    }
  });

  it('rejects shapes that cannot form a model', async () => {
    expect(() => randomModel({ ...base, headCount: 5 })).toThrow(/embedding length 64 must be a multiple of the head count 5/);
    expect(() => randomModel({ ...base, headCountKv: 3 })).toThrow(/head count 4 must be a multiple of the KV head count 3/);
    expect(() => randomModel({ ...base, fileType: 'q4_0', feedForwardLength: 100 })).toThrow(/feed-forward length 100 must be a multiple of 32 for q4_0/);
    expect(() => randomModel({ ...base, layerCount: 0 })).toThrow(/layers must be a positive integer, got 0/);
  });
});

describe('tensor types per file type', () => {
  it('q4_k follows Q4_K_M: Q6_K for the output head and use_more_bits layers', async () => {
    const { spec } = randomModel({ ...base, layerCount: 8, embeddingLength: 256, headCount: 8, headCountKv: 2, feedForwardLength: 512, fileType: 'q4_k' });
    const types = typesByName(spec.tensors);
    expect(types['token_embd.weight']).toBe('Q4_K');
    expect(types['output.weight']).toBe('Q6_K');
    expect(types['output_norm.weight']).toBe('F32');
    // use_more_bits(i, 8): the first eighth (0), the last eighth (7) and i with (i − 1) % 3 == 2.
    const moreBits = [0, 3, 6, 7];
    for (let layer = 0; layer < 8; layer++) {
      const expected = moreBits.includes(layer) ? 'Q6_K' : 'Q4_K';
      expect(types[`blk.${layer}.attn_v.weight`], `attn_v ${layer}`).toBe(expected);
      expect(types[`blk.${layer}.ffn_down.weight`], `ffn_down ${layer}`).toBe(expected);
      expect(types[`blk.${layer}.attn_q.weight`]).toBe('Q4_K');
      expect(types[`blk.${layer}.ffn_gate.weight`]).toBe('Q4_K');
      expect(types[`blk.${layer}.attn_norm.weight`]).toBe('F32');
    }
  });

  it('use_more_bits matches llama.cpp for 32 layers', () => {
    const picked = Array.from({ length: 32 }, (_, i) => i).filter((i) => usesMoreBits(i, 32));
    expect(picked).toEqual([0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]);
  });

  it('K-quants fall back on rows that are not multiples of 256', async () => {
    const { spec } = randomModel({ ...base, embeddingLength: 64, feedForwardLength: 256, fileType: 'q4_k' });
    const types = typesByName(spec.tensors);
    expect(types['blk.0.attn_q.weight']).toBe('Q5_0');
    expect(types['blk.0.ffn_up.weight']).toBe('Q5_0');
    // ffn_down rows have the feed-forward length, 256, so they keep a K-quant: Q6_K in layer 1,
    // which use_more_bits(1, 2) picks as the last eighth, and Q4_K in layer 0.
    expect(types['blk.0.ffn_down.weight']).toBe('Q4_K');
    expect(types['blk.1.ffn_down.weight']).toBe('Q6_K');
    expect(types['output.weight']).toBe('Q8_0');
  });

  it('q4_0 uses Q6_K for the output head, or the tied embedding', async () => {
    const untied = typesByName(randomModel({ ...base, embeddingLength: 256, headCount: 8, fileType: 'q4_0' }).spec.tensors);
    expect([untied['token_embd.weight'], untied['output.weight'], untied['blk.0.attn_v.weight']]).toEqual(['Q4_0', 'Q6_K', 'Q4_0']);
    const tied = typesByName(randomModel({ ...base, embeddingLength: 256, headCount: 8, fileType: 'q4_0', tiedOutput: true }).spec.tensors);
    expect(tied['token_embd.weight']).toBe('Q6_K');
    expect(tied['output.weight']).toBeUndefined();
  });

  it('f16 and q8_0 keep 1-D tensors in F32', async () => {
    for (const [fileType, matrix] of [['f16', 'F16'], ['q8_0', 'Q8_0']] as const) {
      const types = typesByName(randomModel({ ...base, architecture: 'qwen2', fileType }).spec.tensors);
      expect(types['blk.0.attn_q.bias'], fileType).toBe('F32');
      expect(types['blk.0.ffn_norm.weight'], fileType).toBe('F32');
      expect(types['blk.0.attn_q.weight'], fileType).toBe(matrix);
      expect(types['output.weight'], fileType).toBe(matrix);
    }
  });
});

describe('7B shape', () => {
  it('q4_0 mistral-7b tensor data is the size of a llama.cpp Q4_0 file', async () => {
    const model = randomModel({ ...base, vocabulary: await tinyVocabulary(32000), layerCount: 32, embeddingLength: 4096, headCount: 32, headCountKv: 8, feedForwardLength: 14336, fileType: 'q4_0' });
    // Per layer: Q4_0 attn_q/attn_output 2 × 9437184, attn_k/attn_v 2 × 2359296, three FFN
    // matrices 3 × 33030144, two F32 norms 32768; plus token_embd Q4_0 73728000, output Q6_K
    // 107520000 and output_norm 16384.
    expect(model.tensorBytes).toBe(32 * 122716160 + 73728000 + 107520000 + 16384);
    expect(model.spec.tensors).toHaveLength(32 * 9 + 3);
  });
});
