/**
 * Model hyperparameters of the `llama` (LLaMA-2, Mistral, DeepSeekMath) and `qwen2` architectures,
 * read from GGUF metadata with llama.cpp's keys and defaults, and checked against the tensors.
 */
import type { GgufFile } from './gguf/file.ts';
import { expectedTensors, layerTensorNames, OUTPUT, TOKEN_EMBEDDING, type TensorShapeParameters } from './tensors.ts';

export const SUPPORTED_ARCHITECTURES = ['llama', 'qwen2'] as const;
export type Architecture = (typeof SUPPORTED_ARCHITECTURES)[number];

/**
 * How RoPE pairs the dimensions of a head: `normal` rotates adjacent pairs (2i, 2i + 1), as
 * llama.cpp does for llama, whose converter permutes Q and K to match; `neox` pairs i with
 * i + ropeDimensionCount / 2, as qwen2 uses.
 */
export type RopeStyle = 'normal' | 'neox';

export type RopeScalingType = 'none' | 'linear' | 'yarn';

export interface RopeScaling {
  type: RopeScalingType;
  /** Context extension factor; positions are divided by it for linear scaling. 1 when unscaled. */
  factor: number;
  /** Training context length before extension, when the file gives it. */
  originalContextLength: number | null;
}

/**
 * The shape parameters (layerCount, embeddingLength, headCount, headCountKv, headDim,
 * feedForwardLength, vocabSize) plus RoPE, normalization and context settings. headCountKv below
 * headCount means grouped-query attention.
 */
export interface ModelHyperparameters extends TensorShapeParameters {
  architecture: Architecture;
  name: string | null;
  rmsNormEpsilon: number;
  ropeFreqBase: number;
  /** Leading dimensions of each head that RoPE rotates (the rest pass through). */
  ropeDimensionCount: number;
  ropeScaling: RopeScaling;
  ropeStyle: RopeStyle;
  contextLength: number;
}

export interface ModelConfig extends ModelHyperparameters {
  /** No output.weight tensor: logits use the token embedding as the output head. */
  tiedOutput: boolean;
  /** The Q, K and V projections have bias tensors (qwen2 does, llama usually not). */
  attentionBias: boolean;
}

const ROPE_STYLE: Record<Architecture, RopeStyle> = { llama: 'normal', qwen2: 'neox' };

/** llama.cpp's default RoPE frequency base when the file has none. */
const DEFAULT_ROPE_FREQ_BASE = 10000;

function isArchitecture(name: string): name is Architecture {
  return (SUPPORTED_ARCHITECTURES as readonly string[]).includes(name);
}

/** Reads `<arch>.*` count keys, rejecting zero where a model needs at least one. */
function positiveCount(file: GgufFile, key: string, value: number | undefined): number | undefined {
  if (value !== undefined && value < 1) throw file.error(key, `must be at least 1, found ${value}`);
  return value;
}

function readRopeScaling(file: GgufFile, prefix: string): RopeScaling {
  const typeKey = `${prefix}rope.scaling.type`;
  const factorKey = `${prefix}rope.scaling.factor`;
  const factor = file.getNumber(factorKey) ?? file.getNumber(`${prefix}rope.scale_linear`) ?? 0;
  // llama.cpp reads a missing or zero factor as 1 and a missing type as linear.
  const effectiveFactor = factor === 0 ? 1 : factor;
  if (!(effectiveFactor > 0)) throw file.error(factorKey, `must be positive, found ${factor}`);
  const declared = file.getString(typeKey);
  let type: RopeScalingType;
  if (declared === undefined) type = effectiveFactor === 1 ? 'none' : 'linear';
  else if (declared === 'none' || declared === 'linear' || declared === 'yarn') type = declared;
  else throw file.error(typeKey, `RoPE scaling "${declared}" is not supported; supported: none, linear, yarn`);
  return {
    type,
    factor: type === 'none' ? 1 : effectiveFactor,
    originalContextLength: file.getCount(`${prefix}rope.scaling.original_context_length`) ?? null,
  };
}

/**
 * Reads the hyperparameters from metadata only, so it also works on vocabulary-only files.
 * Missing required keys and inconsistent values raise a GgufError naming the key.
 */
export function readHyperparameters(file: GgufFile): ModelHyperparameters {
  const architecture = file.requireString('general.architecture');
  if (!isArchitecture(architecture)) {
    throw file.error('general.architecture', `architecture "${architecture}" is not supported; supported architectures: ${SUPPORTED_ARCHITECTURES.join(', ')}`);
  }
  const p = `${architecture}.`;
  const count = (key: string) => positiveCount(file, p + key, file.requireCount(p + key))!;
  const optionalCount = (key: string) => positiveCount(file, p + key, file.getCount(p + key));

  const layerCount = count('block_count');
  const embeddingLength = count('embedding_length');
  const headCount = count('attention.head_count');
  const headCountKv = optionalCount('attention.head_count_kv') ?? headCount;
  if (headCount % headCountKv !== 0) {
    throw file.error(`${p}attention.head_count_kv`, `${headCountKv} KV heads do not divide ${headCount} query heads evenly`);
  }

  let headDim = optionalCount('attention.key_length');
  if (headDim === undefined) {
    if (embeddingLength % headCount !== 0) {
      throw file.error(`${p}attention.head_count`, `${headCount} heads do not divide the embedding length ${embeddingLength}; set ${p}attention.key_length`);
    }
    headDim = embeddingLength / headCount;
  }
  const valueLength = optionalCount('attention.value_length');
  if (valueLength !== undefined && valueLength !== headDim) {
    throw file.error(`${p}attention.value_length`, `value head size ${valueLength} differs from key head size ${headDim}, which is not supported`);
  }

  const ropeDimensionCount = optionalCount('rope.dimension_count') ?? headDim;
  if (ropeDimensionCount > headDim || ropeDimensionCount % 2 !== 0) {
    throw file.error(`${p}rope.dimension_count`, `must be even and at most the head size ${headDim}, found ${ropeDimensionCount}`);
  }
  const rmsNormEpsilon = file.requireNumber(`${p}attention.layer_norm_rms_epsilon`);
  if (!(rmsNormEpsilon > 0)) throw file.error(`${p}attention.layer_norm_rms_epsilon`, `must be positive, found ${rmsNormEpsilon}`);
  const ropeFreqBase = file.getNumber(`${p}rope.freq_base`) ?? DEFAULT_ROPE_FREQ_BASE;
  if (!(ropeFreqBase > 0)) throw file.error(`${p}rope.freq_base`, `must be positive, found ${ropeFreqBase}`);

  // Converters may omit <arch>.vocab_size (qwen2 files often do); the token list has the count.
  const vocabSize = optionalCount('vocab_size') ?? file.getStringArray('tokenizer.ggml.tokens')?.length;
  if (!vocabSize) throw file.error(`${p}vocab_size`, 'required key is missing, and there is no tokenizer.ggml.tokens list to count either');

  return {
    architecture,
    name: file.getString('general.name') ?? null,
    layerCount,
    embeddingLength,
    headCount,
    headCountKv,
    headDim,
    feedForwardLength: count('feed_forward_length'),
    rmsNormEpsilon,
    ropeFreqBase,
    ropeDimensionCount,
    ropeScaling: readRopeScaling(file, p),
    ropeStyle: ROPE_STYLE[architecture],
    contextLength: count('context_length'),
    vocabSize,
  };
}

/**
 * Reads the hyperparameters and checks every tensor a forward pass needs: present, with the shape
 * the hyperparameters imply. Throws a GgufError naming the key or tensor and the expected value.
 */
export function readModelConfig(file: GgufFile): ModelConfig {
  const hyperparameters = readHyperparameters(file);
  if (file.tensors.length === 0) {
    throw file.error(undefined, 'the file has no tensors (it is a vocabulary-only file?), so it cannot be run as a model');
  }
  const tiedOutput = !file.tensor(OUTPUT);
  const attentionBias = file.tensor(layerTensorNames(0).attnQBias) !== undefined;
  const expected = expectedTensors(hyperparameters, { tiedOutput, attentionBias });

  for (const tensor of expected) {
    const found = file.tensor(tensor.name);
    if (!found) {
      throw file.error(tensor.name, `required tensor is missing (the ${tensor.role}, expected shape [${tensor.dims.join(', ')}])`);
    }
    if (found.dims.length !== tensor.dims.length || found.dims.some((d, i) => d !== tensor.dims[i])) {
      const source = tensor.name === TOKEN_EMBEDDING || tensor.name === OUTPUT ? ' (embedding length, vocabulary size)' : '';
      throw file.error(tensor.name, `has shape [${found.dims.join(', ')}], expected [${tensor.dims.join(', ')}]${source} from the ${hyperparameters.architecture}.* hyperparameters`);
    }
  }
  return { ...hyperparameters, tiedOutput, attentionBias };
}
