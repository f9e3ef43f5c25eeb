/** readHyperparameters and readModelConfig on generated llama/qwen2 files and llama.cpp's vocab files. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../test/cli.ts';
import { readHyperparameters, readModelConfig } from './config.ts';
import { GgufError } from './gguf/errors.ts';
import { metadataValue, type GgufValue } from './gguf/metadata.ts';
import { openGguf } from './gguf/reader.ts';
import { openFileSource } from './gguf/source-node.ts';
import type { GgufWriteSpec } from './gguf/writer.ts';
import { openTinyModel } from './test-models.ts';

/** Returns an edit that drops metadata `key` from a write spec. */
function withoutKey(key: string) {
  return (spec: GgufWriteSpec): GgufWriteSpec => ({ ...spec, metadata: [...spec.metadata].filter(([k]) => k !== key) });
}

/** Returns an edit that sets metadata `key` (replacing or appending it). */
function withKey(key: string, value: GgufValue) {
  return (spec: GgufWriteSpec): GgufWriteSpec => ({ ...spec, metadata: [...[...spec.metadata].filter(([k]) => k !== key), [key, value]] });
}

describe('readModelConfig', () => {
  it('reads a llama model', async () => {
    const { file, config } = await openTinyModel();
    const read = readModelConfig(file);
    expect(read).toEqual(config);
    expect(read).toMatchObject({
      architecture: 'llama',
      layerCount: 2,
      embeddingLength: 64,
      headCount: 4,
      headCountKv: 2,
      headDim: 16,
      feedForwardLength: 96,
      ropeStyle: 'normal',
      ropeFreqBase: 10000,
      ropeDimensionCount: 16,
      ropeScaling: { type: 'none', factor: 1, originalContextLength: null },
      contextLength: 4096,
      vocabSize: 96,
      tiedOutput: false,
      attentionBias: false,
    });
    expect(read.rmsNormEpsilon).toBeCloseTo(1e-5, 10);
  });

  it('reads a tied qwen2 model with biases', async () => {
    const { file, config } = await openTinyModel({ architecture: 'qwen2', tiedOutput: true });
    const read = readModelConfig(file);
    expect(read).toEqual(config);
    expect(read).toMatchObject({ architecture: 'qwen2', ropeStyle: 'neox', attentionBias: true, tiedOutput: true, ropeFreqBase: 1000000, contextLength: 32768 });
    expect(read.rmsNormEpsilon).toBeCloseTo(1e-6, 12);
    expect(file.tensor('output.weight')).toBeUndefined();
    expect(file.tensor('blk.1.attn_v.bias')?.dims).toEqual([32]);
  });

  it('falls back to the token count without vocab_size', async () => {
    const { file } = await openTinyModel({ architecture: 'qwen2' }, withoutKey('qwen2.vocab_size'));
    expect(readModelConfig(file).vocabSize).toBe(96);
  });

  it('falls back to the head size without rope.dimension_count', async () => {
    const { file } = await openTinyModel({}, withoutKey('llama.rope.dimension_count'));
    expect(readModelConfig(file).ropeDimensionCount).toBe(16);
  });

  it('defaults KV heads to heads and RoPE base to 10000', async () => {
    const { file } = await openTinyModel({ headCountKv: 4 }, (spec) => withoutKey('llama.rope.freq_base')(withoutKey('llama.attention.head_count_kv')(spec)));
    const config = readModelConfig(file);
    expect(config.headCountKv).toBe(4);
    expect(config.ropeFreqBase).toBe(10000);
  });

  it.each([
    'llama.block_count',
    'llama.embedding_length',
    'llama.attention.head_count',
    'llama.feed_forward_length',
    'llama.context_length',
    'llama.attention.layer_norm_rms_epsilon',
    'general.architecture',
  ])('names the missing key %s', async (key) => {
    const { file } = await openTinyModel({}, withoutKey(key));
    expect(() => readModelConfig(file)).toThrow(GgufError);
    expect(() => readModelConfig(file)).toThrow(`tiny-model.gguf: ${key}: required key is missing`);
  });

  it('names the supported architectures', async () => {
    const { file } = await openTinyModel({}, withKey('general.architecture', metadataValue.string('gpt2')));
    expect(() => readModelConfig(file)).toThrow(/general.architecture: architecture "gpt2" is not supported; supported architectures: llama, qwen2/);
  });

  it('rejects KV heads that do not divide the heads', async () => {
    const { file } = await openTinyModel({}, withKey('llama.attention.head_count_kv', metadataValue.u32(3)));
    expect(() => readModelConfig(file)).toThrow(/llama.attention.head_count_kv: 3 KV heads do not divide 4 query heads evenly/);
  });

  it('rejects a key of the wrong type', async () => {
    const { file } = await openTinyModel({}, withKey('llama.block_count', metadataValue.string('2')));
    expect(() => readModelConfig(file)).toThrow(/llama.block_count: expected a number, found string/);
  });

  it('names a missing tensor and its role', async () => {
    const { file } = await openTinyModel({}, (spec) => ({ ...spec, tensors: spec.tensors.filter((t) => t.name !== 'blk.1.ffn_up.weight') }));
    expect(() => readModelConfig(file)).toThrow(/blk.1.ffn_up.weight: required tensor is missing \(the feed-forward up projection of layer 1, expected shape \[64, 96\]\)/);
  });

  it('names a tensor with the wrong shape', async () => {
    const { file } = await openTinyModel({}, withKey('llama.attention.head_count_kv', metadataValue.u32(4)));
    expect(() => readModelConfig(file)).toThrow(/blk.0.attn_k.weight: has shape \[64, 32\], expected \[64, 64\]/);
  });

  it('rejects a vocabulary size that does not match the embedding', async () => {
    const { file } = await openTinyModel({}, withKey('llama.vocab_size', metadataValue.u32(100)));
    expect(() => readModelConfig(file)).toThrow(/token_embd.weight: has shape \[64, 96\], expected \[64, 100\] \(embedding length, vocabulary size\)/);
  });

  it('reads RoPE scaling keys', async () => {
    const linear = await openTinyModel({}, withKey('llama.rope.scaling.factor', metadataValue.f32(4)));
    expect(readModelConfig(linear.file).ropeScaling).toEqual({ type: 'linear', factor: 4, originalContextLength: null });
    const legacy = await openTinyModel({}, withKey('llama.rope.scale_linear', metadataValue.f32(2)));
    expect(readModelConfig(legacy.file).ropeScaling).toEqual({ type: 'linear', factor: 2, originalContextLength: null });
    const yarn = await openTinyModel({}, (spec) =>
      withKey('llama.rope.scaling.original_context_length', metadataValue.u32(2048))(
        withKey('llama.rope.scaling.factor', metadataValue.f32(8))(withKey('llama.rope.scaling.type', metadataValue.string('yarn'))(spec)),
      ),
    );
    expect(readModelConfig(yarn.file).ropeScaling).toEqual({ type: 'yarn', factor: 8, originalContextLength: 2048 });
    const longrope = await openTinyModel({}, withKey('llama.rope.scaling.type', metadataValue.string('longrope')));
    expect(() => readModelConfig(longrope.file)).toThrow(/llama.rope.scaling.type: RoPE scaling "longrope" is not supported; supported: none, linear, yarn/);
  });
});

describe('readHyperparameters on llama.cpp vocabulary files', () => {
  it('reads llama-spm hyperparameters but rejects it as a model', async () => {
    const source = await openFileSource(join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-llama-spm.gguf'));
    const file = await openGguf(source);
    await source.close!();
    expect(readHyperparameters(file)).toMatchObject({ architecture: 'llama', layerCount: 32, embeddingLength: 4096, headCount: 32, headCountKv: 32, headDim: 128, vocabSize: 32000, contextLength: 4096 });
    expect(() => readModelConfig(file)).toThrow(/the file has no tensors \(it is a vocabulary-only file\?\)/);
  });

  it('rejects gpt2 and names the supported architectures', async () => {
    const source = await openFileSource(join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-gpt-2.gguf'));
    const file = await openGguf(source);
    await source.close!();
    expect(() => readHyperparameters(file)).toThrow(/architecture "gpt2" is not supported; supported architectures: llama, qwen2/);
  });
});
