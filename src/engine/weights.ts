/**
 * Streams a model's tensors from the GGUF source into GPU buffers: matrices in their stored
 * quantized form (repacked per row by the quantized-kernel layer, split into parts that each fit
 * one binding), 1-D tensors as f32. Reads go a slice of rows at a time, so memory on the CPU side
 * stays at one slice whatever the file size.
 */
import type { GpuContext } from '../gpu/context.ts';
import { createQuantWeight, releaseQuantWeight, writeWeightRows, type QuantWeight } from '../kernels/quant/weights.ts';
import type { ModelConfig } from '../model/config.ts';
import type { GgufFile } from '../model/gguf/file.ts';
import { dequantize } from '../model/quant/dequantize.ts';
import { layerTensorNames, OUTPUT, OUTPUT_NORM, TOKEN_EMBEDDING } from '../model/tensors.ts';
import { GenerationAbortedError } from './errors.ts';
import type { TensorUpload } from './memory.ts';

export interface LayerWeights {
  attnNorm: GPUBuffer;
  q: QuantWeight;
  k: QuantWeight;
  v: QuantWeight;
  qBias: GPUBuffer | null;
  kBias: GPUBuffer | null;
  vBias: GPUBuffer | null;
  attnOutput: QuantWeight;
  ffnNorm: GPUBuffer;
  gate: QuantWeight;
  up: QuantWeight;
  down: QuantWeight;
}

export interface ModelWeights {
  tokenEmbedding: QuantWeight;
  layers: LayerWeights[];
  outputNorm: GPUBuffer;
  /** The output head; the token embedding itself when the model ties them. */
  output: QuantWeight;
  /** GPU bytes of all tensors. */
  bytes: number;
}

export interface LoadProgress {
  /** Tensor bytes (as stored in the file) uploaded so far. */
  loadedBytes: number;
  totalBytes: number;
  tensor: string;
}

export interface LoadWeightsOptions {
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Source bytes read per slice (default 8 MiB). */
  sliceBytes?: number;
  /** Written bytes after which loading waits for the GPU queue, bounding staging memory (default 256 MiB). */
  flushBytes?: number;
}

/** Uploads every planned tensor. On any failure the buffers created so far are freed. */
export async function loadWeights(ctx: GpuContext, file: GgufFile, config: ModelConfig, tensors: readonly TensorUpload[], options: LoadWeightsOptions = {}): Promise<ModelWeights> {
  const sliceBytes = options.sliceBytes ?? 8 << 20;
  const flushBytes = options.flushBytes ?? 256 << 20;
  const totalBytes = tensors.reduce((sum, t) => sum + t.info.byteSize, 0);
  const matrices = new Map<string, QuantWeight>();
  const vectors = new Map<string, GPUBuffer>();
  let loadedBytes = 0;
  let unflushed = 0;

  const flush = async () => {
    ctx.device.queue.submit([]);
    await ctx.device.queue.onSubmittedWorkDone();
    unflushed = 0;
  };

  try {
    for (const tensor of tensors) {
      if (options.signal?.aborted) throw new GenerationAbortedError(options.signal.reason);
      const { info } = tensor;
      if (tensor.kind === 'vector') {
        const values = dequantize(info.type, await file.readTensorBytes(info), info.elementCount);
        vectors.set(info.name, ctx.createStorage(values, info.name));
        loadedBytes += info.byteSize;
        unflushed += info.byteSize;
      } else {
        const plan = tensor.plan!;
        const weight = createQuantWeight(ctx, plan, info.name);
        matrices.set(info.name, weight);
        const rowBytes = plan.layout.sourceBytes;
        const rowsPerSlice = Math.max(1, Math.floor(sliceBytes / rowBytes));
        for (let row = 0; row < plan.rows; row += rowsPerSlice) {
          if (options.signal?.aborted) throw new GenerationAbortedError(options.signal.reason);
          const rows = Math.min(rowsPerSlice, plan.rows - row);
          const bytes = await file.readTensorBytes(info, row * rowBytes, rows * rowBytes);
          writeWeightRows(ctx, weight, row, bytes);
          loadedBytes += bytes.length;
          unflushed += bytes.length;
          if (unflushed >= flushBytes) await flush();
          options.onProgress?.({ loadedBytes, totalBytes, tensor: info.name });
        }
      }
      options.onProgress?.({ loadedBytes, totalBytes, tensor: info.name });
    }
    await flush();
  } catch (error) {
    for (const weight of matrices.values()) releaseQuantWeight(ctx, weight);
    for (const buffer of vectors.values()) ctx.release(buffer);
    throw error;
  }

  const matrix = (name: string) => matrices.get(name)!;
  const vector = (name: string) => vectors.get(name)!;
  const optionalVector = (name: string) => vectors.get(name) ?? null;
  const layers: LayerWeights[] = Array.from({ length: config.layerCount }, (_, layer) => {
    const names = layerTensorNames(layer);
    return {
      attnNorm: vector(names.attnNorm),
      q: matrix(names.attnQ),
      k: matrix(names.attnK),
      v: matrix(names.attnV),
      qBias: optionalVector(names.attnQBias),
      kBias: optionalVector(names.attnKBias),
      vBias: optionalVector(names.attnVBias),
      attnOutput: matrix(names.attnOutput),
      ffnNorm: vector(names.ffnNorm),
      gate: matrix(names.ffnGate),
      up: matrix(names.ffnUp),
      down: matrix(names.ffnDown),
    };
  });
  const tokenEmbedding = matrix(TOKEN_EMBEDDING);
  return {
    tokenEmbedding,
    layers,
    outputNorm: vector(OUTPUT_NORM),
    output: config.tiedOutput ? tokenEmbedding : matrix(OUTPUT),
    bytes: tensors.reduce((sum, t) => sum + t.gpuBytes, 0),
  };
}

/** Frees every buffer of the weights (the tied output head is the embedding, freed once). */
export function releaseWeights(ctx: GpuContext, weights: ModelWeights): void {
  const seen = new Set<QuantWeight>();
  const release = (weight: QuantWeight) => {
    if (seen.has(weight)) return;
    seen.add(weight);
    releaseQuantWeight(ctx, weight);
  };
  release(weights.tokenEmbedding);
  release(weights.output);
  ctx.release(weights.outputNorm);
  for (const layer of weights.layers) {
    for (const weight of [layer.q, layer.k, layer.v, layer.attnOutput, layer.gate, layer.up, layer.down]) release(weight);
    for (const buffer of [layer.attnNorm, layer.ffnNorm, layer.qBias, layer.kBias, layer.vBias]) if (buffer) ctx.release(buffer);
  }
}
