/**
 * Parameter tensors of a llama model, named as in GGUF and stored in ggml's layout (each output row of
 * a weight matrix contiguous, so y = x·Wᵀ). All tensors live in one flat f32 arena per kind (weights,
 * gradients, Adam moments) at offsets aligned to 256 bytes, the largest minStorageBufferOffsetAlignment
 * WebGPU allows, so each tensor can be bound on its own.
 */
import { Rng } from '../util/random.ts';
import { headDim, type LlamaConfig } from './config.ts';

/** Elements per alignment step: 256 bytes of f32. */
export const TENSOR_ALIGNMENT = 64;

export interface ParameterTensor {
  /** GGUF name, e.g. "blk.0.attn_q.weight". */
  name: string;
  /** Row-major shape: [rows, cols] for matrices (rows = output features), [cols] for norm weights. */
  shape: number[];
  /** GGUF/ggml dimensions, fastest-varying first: [cols, rows] or [cols]. */
  ggmlDims: number[];
  /** First element in the arena. */
  offset: number;
  count: number;
  /** AdamW applies weight decay to matrices and embeddings, not to norm weights. */
  decay: boolean;
}

export interface ParameterLayout {
  tensors: ParameterTensor[];
  byName: Map<string, ParameterTensor>;
  /** Arena length in elements; tensors [0, decayEnd) get weight decay, [decayEnd, totalElements) do not. */
  totalElements: number;
  decayEnd: number;
  /** Parameters without the alignment padding. */
  parameterCount: number;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** Builds the tensor list in arena order: every decayed matrix first, then the norm weights. */
export function parameterLayout(config: LlamaConfig): ParameterLayout {
  const C = config.embeddingLength;
  const qWidth = config.headCount * headDim(config);
  const kvWidth = config.headCountKv * headDim(config);
  const F = config.feedForwardLength;
  const matrices: [string, number, number][] = [['token_embd.weight', config.vocabSize, C]];
  const norms: [string, number][] = [];
  for (let block = 0; block < config.blockCount; block++) {
    const prefix = `blk.${block}`;
    matrices.push(
      [`${prefix}.attn_q.weight`, qWidth, C],
      [`${prefix}.attn_k.weight`, kvWidth, C],
      [`${prefix}.attn_v.weight`, kvWidth, C],
      [`${prefix}.attn_output.weight`, C, qWidth],
      [`${prefix}.ffn_gate.weight`, F, C],
      [`${prefix}.ffn_up.weight`, F, C],
      [`${prefix}.ffn_down.weight`, C, F],
    );
    norms.push([`${prefix}.attn_norm.weight`, C], [`${prefix}.ffn_norm.weight`, C]);
  }
  if (!config.tiedOutput) matrices.push(['output.weight', config.vocabSize, C]);
  norms.push(['output_norm.weight', C]);

  const tensors: ParameterTensor[] = [];
  let offset = 0;
  let parameterCount = 0;
  for (const [name, rows, cols] of matrices) {
    tensors.push({ name, shape: [rows, cols], ggmlDims: [cols, rows], offset, count: rows * cols, decay: true });
    offset = alignUp(offset + rows * cols, TENSOR_ALIGNMENT);
    parameterCount += rows * cols;
  }
  const decayEnd = offset;
  for (const [name, cols] of norms) {
    tensors.push({ name, shape: [cols], ggmlDims: [cols], offset, count: cols, decay: false });
    offset = alignUp(offset + cols, TENSOR_ALIGNMENT);
    parameterCount += cols;
  }
  return { tensors, byName: new Map(tensors.map((t) => [t.name, t])), totalElements: offset, decayEnd, parameterCount };
}

/** Returns the tensor named `name`, or raises an error listing a few valid names. */
export function findTensor(layout: ParameterLayout, name: string): ParameterTensor {
  const tensor = layout.byName.get(name);
  if (!tensor) {
    const examples = layout.tensors.slice(0, 4).map((t) => t.name).join(', ');
    throw new Error(`No parameter tensor named "${name}" in this model (tensors are named like ${examples}, ...).`);
  }
  return tensor;
}

/** Standard deviation of the normal initialization of weight matrices, as in GPT-2 and llama2.c. */
export const INIT_STD = 0.02;

/**
 * Seeded initial weights as one arena: matrices from N(0, 0.02²), the two projections that write into
 * the residual stream (attn_output, ffn_down) scaled by 1/sqrt(2·blockCount) as in GPT-2, norm weights 1.
 */
export function initialParameters(config: LlamaConfig, layout: ParameterLayout, seed: number): Float32Array {
  const arena = new Float32Array(layout.totalElements);
  const rng = new Rng(seed);
  const residualScale = 1 / Math.sqrt(2 * config.blockCount);
  for (const tensor of layout.tensors) {
    const view = arena.subarray(tensor.offset, tensor.offset + tensor.count);
    if (!tensor.decay) {
      view.fill(1);
      continue;
    }
    const projectsIntoResidual = tensor.name.endsWith('attn_output.weight') || tensor.name.endsWith('ffn_down.weight');
    const std = INIT_STD * (projectsIntoResidual ? residualScale : 1);
    for (let i = 0; i < view.length; i++) view[i] = rng.normal() * std;
  }
  return arena;
}

/** Splits an arena into per-tensor copies, in double precision (for the reference model). */
export function tensorsFromArena(layout: ParameterLayout, arena: ArrayLike<number>): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const tensor of layout.tensors) {
    const values = new Float64Array(tensor.count);
    for (let i = 0; i < tensor.count; i++) values[i] = arena[tensor.offset + i];
    out.set(tensor.name, values);
  }
  return out;
}
