/**
 * Seeded random-weight llama/qwen2 models as GGUF write specs, with the tokenizer metadata of a
 * real vocabulary file. Weights are generated and quantized a chunk of rows at a time when the
 * writer pulls them, so even a 7B-shape model streams at constant memory.
 *
 * Tensor types mirror llama-quantize (llama.cpp src/llama-quant.cpp, imatrix-free):
 * - 1-D tensors (norms, biases) stay F32 in every file type.
 * - `q4_0`: matrices Q4_0, the output head (or the tied token embedding) Q6_K.
 * - `q4_k` (Q4_K_M): matrices Q4_K; the output head, and attn_v and ffn_down in the layers that
 *   llama.cpp's use_more_bits picks (the first and last eighth, and every third in between) Q6_K.
 * - `q8_0`: all matrices Q8_0. `f16`: all matrices F16. `f32`: everything F32.
 * - Rows whose length is not a multiple of 256 cannot hold K-quant super-blocks, so, as in
 *   llama-quantize, Q4_K falls back to Q5_0 and Q6_K to Q8_0 for them.
 */
import { Rng } from '../util/random.ts';
import { byteSizeOf, elementCount, GgmlType, ggmlTypeInfo } from './quant/types.ts';
import type { Architecture, ModelConfig } from './config.ts';
import type { GgufFile } from './gguf/file.ts';
import { metadataValue, type GgufValue } from './gguf/metadata.ts';
import { quantizedRows } from './gguf/tensor-data.ts';
import type { GgufTensorSpec, GgufWriteSpec } from './gguf/writer.ts';
import { expectedTensors, type ExpectedTensor } from './tensors.ts';

export const MODEL_FILE_TYPES = ['f32', 'f16', 'q8_0', 'q4_0', 'q4_k'] as const;
export type ModelFileType = (typeof MODEL_FILE_TYPES)[number];

/** llama.cpp's `llama_ftype` value stored in general.file_type for each file type. */
const LLAMA_FILE_TYPE: Record<ModelFileType, number> = { f32: 0, f16: 1, q8_0: 7, q4_0: 2, q4_k: 15 };

/** Standard deviation of the random weights: the initializer_range of Hugging Face llama configs. */
export const INIT_STD = 0.02;

export interface RandomModelOptions {
  architecture: Architecture;
  layerCount: number;
  embeddingLength: number;
  headCount: number;
  headCountKv: number;
  feedForwardLength: number;
  fileType: ModelFileType;
  seed: number;
  /** The file whose tokenizer.* metadata is copied; its token count sets the vocabulary size. */
  vocabulary: GgufFile;
  /** Defaults: 4096 for llama, 32768 for qwen2. */
  contextLength?: number;
  /** Defaults: 10000 for llama, 1000000 for qwen2 (the rope_theta of Qwen2.5-7B). */
  ropeFreqBase?: number;
  /** Defaults: 1e-5 for llama, 1e-6 for qwen2. */
  rmsNormEpsilon?: number;
  /** Omit output.weight so the output head is the token embedding. */
  tiedOutput?: boolean;
  name?: string;
}

export interface RandomModel {
  spec: GgufWriteSpec;
  config: ModelConfig;
  /** Total bytes of tensor data (without alignment padding). */
  tensorBytes: number;
}

const ARCHITECTURE_DEFAULTS: Record<Architecture, { contextLength: number; ropeFreqBase: number; rmsNormEpsilon: number; attentionBias: boolean }> = {
  llama: { contextLength: 4096, ropeFreqBase: 10000, rmsNormEpsilon: 1e-5, attentionBias: false },
  qwen2: { contextLength: 32768, ropeFreqBase: 1000000, rmsNormEpsilon: 1e-6, attentionBias: true },
};

/** llama.cpp's use_more_bits: the layers that Q4_K_M gives Q6_K for attn_v and ffn_down. */
export function usesMoreBits(layer: number, layerCount: number): boolean {
  const eighth = Math.floor(layerCount / 8);
  return layer < eighth || layer >= Math.floor((7 * layerCount) / 8) || (layer - eighth) % 3 === 2;
}

/** Replaces a type whose block does not fit the row length, as llama-quantize does. */
function fallbackType(type: GgmlType, rowLength: number): GgmlType {
  if (rowLength % ggmlTypeInfo(type).blockSize === 0) return type;
  if (type === GgmlType.Q4_K) return rowLength % 32 === 0 ? GgmlType.Q5_0 : GgmlType.F16;
  if (type === GgmlType.Q6_K) return rowLength % 32 === 0 ? GgmlType.Q8_0 : GgmlType.F16;
  return GgmlType.F16;
}

/** Picks the storage type of one tensor for a file type (see the file comment for the rules). */
export function tensorTypeFor(fileType: ModelFileType, tensor: ExpectedTensor, layerCount: number, tiedOutput: boolean): GgmlType {
  if (tensor.dims.length === 1 || fileType === 'f32') return GgmlType.F32;
  if (fileType === 'f16') return GgmlType.F16;
  if (fileType === 'q8_0') return fallbackType(GgmlType.Q8_0, tensor.dims[0]);

  const isOutputHead = tensor.kind === 'output' || (tiedOutput && tensor.kind === 'embedding');
  let type = fileType === 'q4_0' ? GgmlType.Q4_0 : GgmlType.Q4_K;
  if (isOutputHead) type = GgmlType.Q6_K;
  const moreBits = tensor.layer !== null && usesMoreBits(tensor.layer, layerCount);
  if (fileType === 'q4_k' && moreBits && /\.(attn_v|ffn_down)\.weight$/.test(tensor.name)) type = GgmlType.Q6_K;
  return fallbackType(type, tensor.dims[0]);
}

/** FNV-1a hash of the tensor name mixed with the model seed, so each tensor has its own stream. */
function tensorSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Standard deviation of the sum of four uniform bytes: sqrt(4 · (256² − 1) / 12). */
const BYTE_SUM_STD = Math.sqrt((4 * (256 * 256 - 1)) / 12);

/**
 * Fills `out` with mean + std · z, where z is approximately standard normal: the centred sum of
 * the four bytes of one 32-bit random number (Irwin–Hall), bounded at ±3.45σ. It needs one random
 * number per value and no logarithm, which matters for the 7 billion values of a 7B-shape model.
 */
function fillNormal(rng: Rng, out: Float32Array, mean: number, std: number): void {
  const scale = std / BYTE_SUM_STD;
  for (let i = 0; i < out.length; i++) {
    const bits = (rng.next() * 4294967296) >>> 0;
    const sum = (bits & 0xff) + ((bits >>> 8) & 0xff) + ((bits >>> 16) & 0xff) + (bits >>> 24);
    out[i] = mean + (sum - 510) * scale;
  }
}

function tensorSpec(tensor: ExpectedTensor, type: GgmlType, seed: number): GgufTensorSpec {
  const rowLength = tensor.dims[0];
  const rowCount = elementCount(tensor.dims.slice(1));
  // RMSNorm weights start near 1; biases, embeddings and projections near 0.
  const mean = tensor.kind === 'norm' ? 1 : 0;
  return {
    name: tensor.name,
    dims: tensor.dims,
    type,
    data: () => {
      const rng = new Rng(tensorSeed(seed, tensor.name));
      return quantizedRows(type, rowLength, rowCount, (_first, _rows, values) => fillNormal(rng, values, mean, INIT_STD))();
    },
  };
}

/** Throws a RangeError naming the option when a shape cannot form a valid model. */
function checkShape(options: RandomModelOptions): void {
  const positive: [string, number][] = [
    ['layers', options.layerCount],
    ['embedding length', options.embeddingLength],
    ['heads', options.headCount],
    ['KV heads', options.headCountKv],
    ['feed-forward length', options.feedForwardLength],
  ];
  for (const [what, value] of positive) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  }
  if (options.embeddingLength % options.headCount !== 0) {
    throw new RangeError(`embedding length ${options.embeddingLength} must be a multiple of the head count ${options.headCount}`);
  }
  if (options.headCount % options.headCountKv !== 0) {
    throw new RangeError(`head count ${options.headCount} must be a multiple of the KV head count ${options.headCountKv}`);
  }
  if ((options.embeddingLength / options.headCount) % 2 !== 0) {
    throw new RangeError(`head size ${options.embeddingLength / options.headCount} must be even for RoPE`);
  }
  if (options.fileType !== 'f32' && options.fileType !== 'f16') {
    for (const [what, value] of [['embedding length', options.embeddingLength], ['feed-forward length', options.feedForwardLength]] as const) {
      if (value % 32 !== 0) throw new RangeError(`${what} ${value} must be a multiple of 32 for ${options.fileType}, whose blocks hold 32 values`);
    }
  }
}

/** Builds the GGUF write spec, the resulting model config and the tensor data size. */
export function randomModel(options: RandomModelOptions): RandomModel {
  checkShape(options);
  const defaults = ARCHITECTURE_DEFAULTS[options.architecture];
  const tokens = options.vocabulary.getStringArray('tokenizer.ggml.tokens');
  if (!tokens?.length) throw options.vocabulary.error('tokenizer.ggml.tokens', 'the vocabulary file has no token list to copy');

  const headDim = options.embeddingLength / options.headCount;
  const tiedOutput = options.tiedOutput ?? false;
  const config: ModelConfig = {
    architecture: options.architecture,
    name: options.name ?? `random-${options.architecture}-${options.layerCount}x${options.embeddingLength}-${options.fileType}-seed${options.seed}`,
    layerCount: options.layerCount,
    embeddingLength: options.embeddingLength,
    headCount: options.headCount,
    headCountKv: options.headCountKv,
    headDim,
    feedForwardLength: options.feedForwardLength,
    // Both are stored as f32, so the config contains the f32 values a reader gets back.
    rmsNormEpsilon: Math.fround(options.rmsNormEpsilon ?? defaults.rmsNormEpsilon),
    ropeFreqBase: Math.fround(options.ropeFreqBase ?? defaults.ropeFreqBase),
    ropeDimensionCount: headDim,
    ropeScaling: { type: 'none', factor: 1, originalContextLength: null },
    ropeStyle: options.architecture === 'qwen2' ? 'neox' : 'normal',
    contextLength: options.contextLength ?? defaults.contextLength,
    vocabSize: tokens.length,
    tiedOutput,
    attentionBias: defaults.attentionBias,
  };

  const a = `${options.architecture}.`;
  const quantized = options.fileType !== 'f32' && options.fileType !== 'f16';
  const metadata: [string, GgufValue][] = [
    ['general.architecture', metadataValue.string(options.architecture)],
    ['general.name', metadataValue.string(config.name!)],
    ['general.description', metadataValue.string(`Random weights (normal, std ${INIT_STD}, seed ${options.seed}) for testing; not a trained model.`)],
    ['general.file_type', metadataValue.u32(LLAMA_FILE_TYPE[options.fileType])],
    ...(quantized ? ([['general.quantization_version', metadataValue.u32(2)]] as [string, GgufValue][]) : []),
    [`${a}context_length`, metadataValue.u32(config.contextLength)],
    [`${a}embedding_length`, metadataValue.u32(config.embeddingLength)],
    [`${a}block_count`, metadataValue.u32(config.layerCount)],
    [`${a}feed_forward_length`, metadataValue.u32(config.feedForwardLength)],
    [`${a}attention.head_count`, metadataValue.u32(config.headCount)],
    [`${a}attention.head_count_kv`, metadataValue.u32(config.headCountKv)],
    [`${a}attention.layer_norm_rms_epsilon`, metadataValue.f32(config.rmsNormEpsilon)],
    [`${a}rope.freq_base`, metadataValue.f32(config.ropeFreqBase)],
    [`${a}rope.dimension_count`, metadataValue.u32(config.ropeDimensionCount)],
    [`${a}vocab_size`, metadataValue.u32(config.vocabSize)],
    ...[...options.vocabulary.metadata].filter(([key]) => key.startsWith('tokenizer.')),
  ];

  const tensors = expectedTensors(config, { tiedOutput, attentionBias: config.attentionBias }).map((tensor) =>
    tensorSpec(tensor, tensorTypeFor(options.fileType, tensor, config.layerCount, tiedOutput), options.seed),
  );
  const tensorBytes = tensors.reduce((sum, t) => sum + byteSizeOf(t.type, elementCount(t.dims)), 0);
  return { spec: { metadata, tensors }, config, tensorBytes };
}
