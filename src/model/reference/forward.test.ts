/**
 * Invariants of the reference forward pass on tiny random models written with the project's GGUF
 * writer, and a comparison with a float64 composition of the kernel references.
 */
import { describe, expect, it } from 'vitest';
import { attentionForwardRef } from '../../kernels/reference/attention.ts';
import { embeddingRef } from '../../kernels/reference/embedding.ts';
import { linearRef } from '../../kernels/reference/linear.ts';
import { rmsNormForwardRef } from '../../kernels/reference/norm.ts';
import { ropeRef } from '../../kernels/reference/rope.ts';
import { swigluRef } from '../../kernels/reference/swiglu.ts';
import { Rng } from '../../util/random.ts';
import { readModelConfig, type ModelConfig } from '../config.ts';
import type { GgufFile } from '../gguf/file.ts';
import { metadataValue } from '../gguf/metadata.ts';
import { tensorFromValues } from '../gguf/tensor-data.ts';
import type { GgufWriteSpec } from '../gguf/writer.ts';
import { GgmlType } from '../quant/types.ts';
import { layerTensorNames, OUTPUT, OUTPUT_NORM, TOKEN_EMBEDDING } from '../tensors.ts';
import { openTinyModel, type TinyModelOptions } from '../test-models.ts';
import { cachedAttention, ReferenceModel } from './forward.ts';

const PROMPT = [1, 17, 42, 5, 63, 9, 88, 30];

/** Largest |a − b| over two arrays of equal length. */
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

async function allLogits(file: GgufFile, tokens: number[], options = {}): Promise<Float32Array> {
  const model = ReferenceModel.load(file, options);
  return model.forward(tokens, model.createCache(), { allLogits: true });
}

/** Replaces the data of tensor `name` in a write spec with f32 `values`. */
function replaceTensor(spec: GgufWriteSpec, name: string, values: Float32Array): GgufWriteSpec {
  return {
    ...spec,
    tensors: spec.tensors.map((t) => (t.name === name ? tensorFromValues(name, t.dims, GgmlType.F32, values) : t)),
  };
}

/**
 * Computes logits with a float64 forward pass composed from the kernel references, on the whole
 * sequence at once (no KV cache), reading every tensor with readTensor.
 */
async function float64Logits(file: GgufFile, config: ModelConfig, tokens: number[]): Promise<Float64Array> {
  const read = (name: string) => file.readTensor(name);
  const { embeddingLength: embd, headCount, headCountKv, headDim, feedForwardLength: ff, vocabSize } = config;
  const n = tokens.length;
  let x = embeddingRef(await read(TOKEN_EMBEDDING), tokens, embd);
  const positions = tokens.map((_, t) => t / config.ropeScaling.factor);
  const shape = { batch: 1, seqLen: n, heads: headCount, kvHeads: headCountKv, headDim };
  const addBias = (y: Float64Array, bias: Float32Array) => y.map((v, i) => v + bias[i % bias.length]);
  for (let layer = 0; layer < config.layerCount; layer++) {
    const names = layerTensorNames(layer);
    const h = rmsNormForwardRef(x, await read(names.attnNorm), n, embd, config.rmsNormEpsilon).y;
    let q = linearRef(h, await read(names.attnQ), n, embd, headCount * headDim);
    let k = linearRef(h, await read(names.attnK), n, embd, headCountKv * headDim);
    let v = linearRef(h, await read(names.attnV), n, embd, headCountKv * headDim);
    if (config.attentionBias) {
      q = addBias(q, await read(names.attnQBias));
      k = addBias(k, await read(names.attnKBias));
      v = addBias(v, await read(names.attnVBias));
    }
    const rope = { tokens: n, headDim, rotaryDims: config.ropeDimensionCount, base: config.ropeFreqBase, style: config.ropeStyle };
    q = ropeRef(q, positions, { ...rope, heads: headCount });
    k = ropeRef(k, positions, { ...rope, heads: headCountKv });
    const attention = attentionForwardRef(q, k, v, new Array(n).fill(0), shape).out;
    const attended = linearRef(attention, await read(names.attnOutput), n, headCount * headDim, embd);
    x = x.map((value, i) => value + attended[i]);
    const h2 = rmsNormForwardRef(x, await read(names.ffnNorm), n, embd, config.rmsNormEpsilon).y;
    const gate = linearRef(h2, await read(names.ffnGate), n, embd, ff);
    const up = linearRef(h2, await read(names.ffnUp), n, embd, ff);
    const down = linearRef(swigluRef(gate, up), await read(names.ffnDown), n, ff, embd);
    x = x.map((value, i) => value + down[i]);
  }
  const final = rmsNormForwardRef(x, await read(OUTPUT_NORM), n, embd, config.rmsNormEpsilon).y;
  return linearRef(final, await read(config.tiedOutput ? TOKEN_EMBEDDING : OUTPUT), n, embd, vocabSize);
}

describe('reference forward pass', () => {
  it.each<[string, TinyModelOptions]>([
    ['llama GQA', { architecture: 'llama', headCount: 4, headCountKv: 2 }],
    ['qwen2 tied', { architecture: 'qwen2', headCount: 4, headCountKv: 1, tiedOutput: true }],
    ['llama q8_0', { architecture: 'llama', fileType: 'q8_0' }],
    ['qwen2 q4_k', { architecture: 'qwen2', fileType: 'q4_k', embeddingLength: 256, feedForwardLength: 512 }],
  ])('matches float64 kernel references: %s', async (_, options) => {
    const { file, config } = await openTinyModel(options);
    const expected = await float64Logits(file, config, PROMPT);
    const actual = await allLogits(file, PROMPT);
    expect(maxDifference(actual, expected)).toBeLessThan(1e-5);
  });

  it('is causal', async () => {
    const { file, config } = await openTinyModel();
    const original = await allLogits(file, PROMPT);
    const changed = await allLogits(file, [...PROMPT.slice(0, 4), 70, 71, 72, 73]);
    const prefix = 4 * config.vocabSize;
    expect(maxDifference(original.subarray(0, prefix), changed.subarray(0, prefix))).toBeLessThan(1e-6);
    expect(maxDifference(original.subarray(prefix), changed.subarray(prefix))).toBeGreaterThan(1e-4);
  });

  it.each(['llama', 'qwen2'] as const)('KV-cache decode equals recomputation: %s', async (architecture) => {
    const { file, config } = await openTinyModel({ architecture });
    const full = await allLogits(file, PROMPT);
    const model = ReferenceModel.load(file);
    const cache = model.createCache();
    const prefill = 3;
    const first = await model.forward(PROMPT.slice(0, prefill), cache);
    expect(maxDifference(first, full.subarray((prefill - 1) * config.vocabSize, prefill * config.vocabSize))).toBeLessThan(1e-6);
    for (let t = prefill; t < PROMPT.length; t++) {
      const step = await model.forward([PROMPT[t]], cache);
      expect(cache.length).toBe(t + 1);
      expect(maxDifference(step, full.subarray(t * config.vocabSize, (t + 1) * config.vocabSize)), `position ${t}`).toBeLessThan(1e-6);
    }
  });

  it('runs GQA as MHA with repeated KV heads', async () => {
    // A GQA model equals an MHA model whose K/V projections repeat each KV head for its query heads.
    const gqa = await openTinyModel({ architecture: 'qwen2', headCount: 4, headCountKv: 2 });
    const { headDim, embeddingLength: embd, layerCount } = gqa.config;
    const repeat = (values: Float32Array, rowLength: number) => {
      const out = new Float32Array(values.length * 2);
      for (let h = 0; h < 4; h++) out.set(values.subarray(Math.floor(h / 2) * headDim * rowLength, (Math.floor(h / 2) + 1) * headDim * rowLength), h * headDim * rowLength);
      return out;
    };
    const expanded = new Map<string, Float32Array>();
    for (let layer = 0; layer < layerCount; layer++) {
      const names = layerTensorNames(layer);
      for (const name of [names.attnK, names.attnV]) expanded.set(name, repeat(await gqa.file.readTensor(name), embd));
      for (const name of [names.attnKBias, names.attnVBias]) expanded.set(name, repeat(await gqa.file.readTensor(name), 1));
    }
    const mha = await openTinyModel({ architecture: 'qwen2', headCount: 4, headCountKv: 4 }, (spec) =>
      [...expanded].reduce((s, [name, values]) => replaceTensor(s, name, values), spec),
    );
    expect(mha.config.headCountKv).toBe(4);
    expect(maxDifference(await allLogits(mha.file, PROMPT), await allLogits(gqa.file, PROMPT))).toBeLessThan(1e-6);
  });

  it('matches kernel attention with kv-heads = heads and with GQA', () => {
    const rng = new Rng(3);
    for (const [heads, kvHeads] of [
      [4, 4],
      [6, 2],
    ]) {
      const n = 7;
      const headDim = 10;
      const q = rng.floats(n * heads * headDim);
      const k = rng.floats(n * kvHeads * headDim);
      const v = rng.floats(n * kvHeads * headDim);
      const expected = attentionForwardRef(q, k, v, new Array(n).fill(0), { batch: 1, seqLen: n, heads, kvHeads, headDim }).out;
      const actual = cachedAttention(q, k, v, 0, n, heads, kvHeads, headDim);
      expect(maxDifference(actual, expected), `${heads} heads, ${kvHeads} KV heads`).toBeLessThan(1e-6);
    }
  });

  it('adds the qwen2 Q, K and V biases', async () => {
    // Each bias alone must change the logits: a loader that skipped one would pass otherwise.
    const rng = new Rng(11);
    const base = await openTinyModel({ architecture: 'qwen2' });
    const baseline = await allLogits(base.file, PROMPT);
    const names = layerTensorNames(0);
    for (const name of [names.attnQBias, names.attnKBias, names.attnVBias]) {
      const size = base.file.requireTensor(name).elementCount;
      const changed = await openTinyModel({ architecture: 'qwen2' }, (spec) => replaceTensor(spec, name, rng.floats(size, -1, 1)));
      expect(maxDifference(await allLogits(changed.file, PROMPT), baseline), name).toBeGreaterThan(1e-5);
    }
  });

  it('uses the token embedding as a tied output head', async () => {
    const tied = await openTinyModel({ tiedOutput: true });
    expect(tied.config.tiedOutput).toBe(true);
    const embedding = await tied.file.readTensor(TOKEN_EMBEDDING);
    const copied = await openTinyModel({ tiedOutput: false }, (spec) => replaceTensor(spec, OUTPUT, embedding));
    const untied = await openTinyModel({ tiedOutput: false });
    const tiedLogits = await allLogits(tied.file, PROMPT);
    expect(maxDifference(await allLogits(copied.file, PROMPT), tiedLogits)).toBeLessThan(1e-6);
    expect(maxDifference(await allLogits(untied.file, PROMPT), tiedLogits)).toBeGreaterThan(1e-3);
  });

  it('applies RoPE scaling and partial rotary dimensions', async () => {
    const setKey = (key: string, value: ReturnType<typeof metadataValue.f32>) => (spec: GgufWriteSpec) => ({
      ...spec,
      metadata: [...[...spec.metadata].filter(([k]) => k !== key), [key, value] as [string, typeof value]],
    });
    const plain = await openTinyModel();
    for (const [key, value] of [
      ['llama.rope.scaling.factor', metadataValue.f32(4)],
      ['llama.rope.dimension_count', metadataValue.u32(8)],
    ] as const) {
      const edited = await openTinyModel({}, setKey(key, value));
      // The config returned with the spec describes the options, so read the edited one from the file.
      const expected = await float64Logits(edited.file, readModelConfig(edited.file), PROMPT);
      const actual = await allLogits(edited.file, PROMPT);
      expect(maxDifference(actual, expected), key).toBeLessThan(1e-5);
      expect(maxDifference(actual, await allLogits(plain.file, PROMPT)), key).toBeGreaterThan(1e-6);
    }
  });

  it('streams weights past the cache budget', async () => {
    const { file } = await openTinyModel({ fileType: 'q8_0' });
    const cached = await allLogits(file, PROMPT);
    const model = ReferenceModel.load(file, { cacheBytes: 0, chunkValues: 100 });
    const streamed = await model.forward(PROMPT, model.createCache(), { allLogits: true });
    expect(maxDifference(streamed, cached)).toBe(0);
    expect(model.weights.residentBytes).toBe(0);
  });

  it('rejects bad tokens and context overflow', async () => {
    const { file, config } = await openTinyModel({ contextLength: 8 });
    const model = ReferenceModel.load(file);
    await expect(model.forward([config.vocabSize], model.createCache())).rejects.toThrow(/token id 96 is outside the vocabulary of 96 tokens/);
    const cache = model.createCache();
    await model.forward(PROMPT.slice(0, 6), cache);
    await expect(model.forward([1, 2, 3], cache)).rejects.toThrow(/9 tokens, more than the model's context length of 8/);
  });

  it('rejects unsupported RoPE scaling', async () => {
    const yarn = await openTinyModel({}, (spec) => ({
      ...spec,
      metadata: [...spec.metadata, ['llama.rope.scaling.type', metadataValue.string('yarn')], ['llama.rope.scaling.factor', metadataValue.f32(4)]],
    }));
    expect(() => ReferenceModel.load(yarn.file)).toThrow(/YaRN RoPE scaling is not implemented/);
    const factors = await openTinyModel({}, (spec) => ({
      ...spec,
      tensors: [...spec.tensors, tensorFromValues('rope_freqs.weight', [8], GgmlType.F32, new Float32Array(8).fill(1))],
    }));
    expect(() => ReferenceModel.load(factors.file)).toThrow(/rope_freqs\.weight: per-dimension RoPE frequency factors are not implemented/);
  });
});
