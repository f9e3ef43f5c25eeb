/**
 * The GPU memory a model load allocates, computed from the GGUF header before any buffer
 * exists: every tensor in its GPU layout (split into binding-sized parts), the KV cache for the
 * requested context and batch, the activation buffers of the prefill and decode plans, the logits
 * and the RoPE table. Uniform buffers, the mappable readback buffer (host memory on most GPUs) and
 * the driver's own overhead are not counted, so the total is a lower bound of what the device needs.
 */
import type { GgufFile, GgufTensorInfo } from '../model/gguf/file.ts';
import type { ModelConfig } from '../model/config.ts';
import { expectedTensors } from '../model/tensors.ts';
import { planWeight, type WeightPlan } from '../kernels/quant/weights.ts';
import { WEIGHT_TYPES, weightTypeFromGgml, type WeightType } from '../kernels/quant/formats.ts';
import { decodeScratchSizes, KV_BYTES, type KvDType } from './attention/kernels.ts';
import { formatBytes, UnsupportedModelError } from './errors.ts';

/** Types 1-D tensors (norm weights, biases) may have; they are converted to f32 on upload. */
export const VECTOR_TYPES = ['F32', 'F16'] as const;

export interface TensorUpload {
  info: GgufTensorInfo;
  /** 'matrix' tensors keep their quantized form; 'vector' tensors become f32 buffers. */
  kind: 'matrix' | 'vector';
  /** Parts and GPU layout of a matrix. */
  plan?: WeightPlan;
  gpuBytes: number;
}

/** Buffer sizes an engine instance allocates besides the weights. */
export interface EngineShape {
  /** Positions per sequence in the KV cache. */
  contextLength: number;
  /** Sequences decoded together (KV-cache slots). */
  batch: number;
  /** Tokens per prefill step. */
  prefillChunk: number;
  kvDType: KvDType;
}

export interface MemoryEstimate {
  weightBytes: number;
  kvCacheBytes: number;
  /** Activations, logits, attention scratch and the RoPE table. */
  workspaceBytes: number;
  totalBytes: number;
  /** Bytes of one layer's key (or value) cache, a single buffer that must fit one binding. */
  kvLayerBytes: number;
  /** The largest activation buffer and its name, which must also fit one binding. */
  largestWorkspaceBuffer: { name: string; bytes: number };
}

function describeTypes(): string {
  return `matrices: ${WEIGHT_TYPES.join(', ')}; 1-D tensors: ${VECTOR_TYPES.join(', ')}`;
}

/**
 * Lists the tensors of the model with their GPU size. Raises UnsupportedModelError naming the
 * tensor and the supported types for a type without a GPU kernel.
 */
export function planTensors(file: GgufFile, config: ModelConfig, maxBindingBytes: number): TensorUpload[] {
  const expected = expectedTensors(config, { tiedOutput: config.tiedOutput, attentionBias: config.attentionBias });
  return expected.map((tensor) => {
    const info = file.requireTensor(tensor.name);
    if (tensor.dims.length === 1) {
      if (!(VECTOR_TYPES as readonly string[]).includes(info.typeName)) {
        throw new UnsupportedModelError(`${file.name}: tensor ${info.name} has type ${info.typeName}, which the GPU engine does not read (${describeTypes()})`);
      }
      return { info, kind: 'vector', gpuBytes: info.elementCount * 4 };
    }
    let type: WeightType;
    try {
      type = weightTypeFromGgml(info.type, info.name);
    } catch {
      throw new UnsupportedModelError(`${file.name}: tensor ${info.name} has type ${info.typeName}, which the GPU engine has no kernel for (${describeTypes()})`);
    }
    const [cols, rows] = info.dims;
    const plan = planWeight(type, rows, cols, maxBindingBytes);
    if (plan.layout.colsPadded !== cols) {
      throw new UnsupportedModelError(
        `${file.name}: tensor ${info.name} has rows of ${cols} values; ${type} matrices need rows of a multiple of 8 values in the GPU engine`,
      );
    }
    return { info, kind: 'matrix', plan, gpuBytes: plan.gpuBytes };
  });
}

/** Activation buffers of the forward plans, by name, in bytes. */
export function workspaceBuffers(config: ModelConfig, shape: EngineShape): Record<string, number> {
  const rows = Math.max(shape.prefillChunk, shape.batch);
  const { embeddingLength: e, headCount, headCountKv, headDim, feedForwardLength: f, vocabSize } = config;
  const attention = decodeScratchSizes(shape.batch, headCount, headDim, shape.contextLength);
  return {
    'token ids, positions and cache rows': 3 * rows * 4,
    'hidden state x': rows * e * 4,
    'normed hidden state': rows * e * 4,
    queries: rows * headCount * headDim * 4,
    keys: rows * headCountKv * headDim * 4,
    values: rows * headCountKv * headDim * 4,
    'attention output': rows * headCount * headDim * 4,
    'feed-forward gate': rows * f * 4,
    'feed-forward up': rows * f * 4,
    'feed-forward activation': rows * f * 4,
    'last token row': 2 * e * 4,
    logits: Math.max(1, shape.batch) * vocabSize * 4,
    'decode rows': shape.batch * 8,
    'attention partial outputs': attention.accValues * 4,
    'attention partial statistics': attention.statValues * 4,
    'RoPE table': shape.contextLength * (config.ropeDimensionCount / 2) * 8,
    'sampled token ids': Math.max(1, shape.batch) * 4,
  };
}

export function estimateMemory(config: ModelConfig, tensors: readonly TensorUpload[], shape: EngineShape): MemoryEstimate {
  const weightBytes = tensors.reduce((sum, t) => sum + t.gpuBytes, 0);
  const kvLayerBytes = shape.batch * shape.contextLength * config.headCountKv * config.headDim * KV_BYTES[shape.kvDType];
  const kvCacheBytes = 2 * config.layerCount * kvLayerBytes;
  const buffers = workspaceBuffers(config, shape);
  const workspaceBytes = Object.values(buffers).reduce((a, b) => a + b, 0);
  const [name, bytes] = Object.entries(buffers).reduce((best, entry) => (entry[1] > best[1] ? entry : best));
  return { weightBytes, kvCacheBytes, workspaceBytes, totalBytes: weightBytes + kvCacheBytes + workspaceBytes, kvLayerBytes, largestWorkspaceBuffer: { name, bytes } };
}

export function describeEstimate(estimate: MemoryEstimate): string {
  return `weights ${formatBytes(estimate.weightBytes)}, KV cache ${formatBytes(estimate.kvCacheBytes)}, workspace ${formatBytes(estimate.workspaceBytes)}`;
}

/** GPU memory the caller says is available, and where the figure comes from. */
export interface MemoryBudget {
  bytes: number;
  source: string;
}
