/**
 * Per-(batchSize, seqLen) GPU buffers of the training graph: batch inputs, activations kept for the
 * backward pass, logits and gradient scratch. The list is the single source for both the memory
 * estimate and the allocation. Shapes use N = batchSize·seqLen tokens, C = embeddingLength,
 * H/G = query/key-value heads, D = head dimension, F = feedForwardLength, V = vocabSize.
 */
import type { GpuContext, KernelTuning } from '../gpu/context.ts';
import { attentionSegmentTableCapacity } from '../kernels/attention-train.ts';
import { headDim, type LlamaConfig } from './config.ts';

export type BufferRole = 'input' | 'activation' | 'logits' | 'scratch';

export interface BufferSpec {
  name: string;
  bytes: number;
  role: BufferRole;
}

/** Upper bound for the logits buffer; larger vocabularies run the output head in row chunks. */
export const DEFAULT_MAX_LOGITS_BYTES = 64 * 2 ** 20;

/**
 * Rows of logits computed at once: every row when N·V floats fit in maxLogitsBytes (and one
 * binding), else the largest multiple of 64 rows that fits, so chunk offsets stay 256-byte aligned.
 */
export function logitsChunkRows(config: LlamaConfig, tokens: number, maxBindingBytes: number, maxLogitsBytes = DEFAULT_MAX_LOGITS_BYTES): number {
  const limit = Math.min(maxBindingBytes, maxLogitsBytes);
  const rowBytes = config.vocabSize * 4;
  if (tokens * rowBytes <= limit) return tokens;
  return Math.max(64, Math.floor(limit / rowBytes / 64) * 64);
}

/**
 * Returns whether the forward pass multiplies by transposed copies of the block weights. On lavapipe
 * the product with a K×N operand ran at about 7 GFLOP/s against 5-6.5 with the stored N×K layout,
 * which pays for transposing each weight before its use.
 */
export function transposesWeights(tuning: KernelTuning): boolean {
  return tuning === 'software';
}

export function workspaceSpecs(config: LlamaConfig, batchSize: number, seqLen: number, chunkRows: number, tuning: KernelTuning = 'hardware'): BufferSpec[] {
  const N = batchSize * seqLen;
  const C = config.embeddingLength;
  const D = headDim(config);
  const qWidth = config.headCount * D;
  const kvWidth = config.headCountKv * D;
  const F = config.feedForwardLength;
  const f32 = (count: number) => count * 4;
  const specs: BufferSpec[] = [
    { name: 'tokens', bytes: f32(N), role: 'input' },
    { name: 'targets', bytes: f32(N), role: 'input' },
    { name: 'lossMask', bytes: f32(N), role: 'input' },
    { name: 'positions', bytes: f32(N), role: 'input' },
    { name: 'segments', bytes: f32(attentionSegmentTableCapacity(batchSize, seqLen)), role: 'input' },
    { name: 'scatterPlan', bytes: f32(3 * N + 2), role: 'input' },
    { name: 'gradScale', bytes: f32(1), role: 'input' },
  ];
  for (let block = 0; block < config.blockCount; block++) {
    const activation = (name: string, count: number) => specs.push({ name: `${name}.${block}`, bytes: f32(count), role: 'activation' });
    activation('x', N * C);
    activation('attnNorm', N * C);
    activation('q', N * qWidth);
    activation('k', N * kvWidth);
    activation('v', N * kvWidth);
    activation('attn', N * qWidth);
    activation('attnStats', N * config.headCount * 2);
    activation('mid', N * C);
    activation('ffnNorm', N * C);
    activation('gate', N * F);
    activation('up', N * F);
    activation('act', N * F);
  }
  specs.push(
    { name: 'final', bytes: f32(N * C), role: 'activation' },
    { name: 'outNorm', bytes: f32(N * C), role: 'activation' },
    { name: 'rowLoss', bytes: f32(N), role: 'activation' },
    { name: 'lossStats', bytes: f32(4), role: 'activation' },
    { name: 'logits', bytes: f32(chunkRows * config.vocabSize), role: 'logits' },
  );
  const scratch = (name: string, count: number) => specs.push({ name, bytes: f32(count), role: 'scratch' });
  // The transposed copy of one block weight at a time.
  if (transposesWeights(tuning)) scratch('weightT', Math.max(qWidth * C, kvWidth * C, F * C));
  scratch('dx', N * C);
  scratch('dmid', N * C);
  scratch('dnorm', N * C);
  scratch('dattn', N * qWidth);
  scratch('dq', N * qWidth);
  scratch('dk', N * kvWidth);
  scratch('dv', N * kvWidth);
  scratch('dact', N * F);
  scratch('dgate', N * F);
  scratch('dup', N * F);
  scratch('rstd', N);
  return specs;
}

/** The allocated buffers, by spec name. */
export class Workspace {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly buffers: Map<string, GPUBuffer>,
    readonly batchSize: number,
    readonly seqLen: number,
    readonly chunkRows: number,
  ) {}

  static allocate(ctx: GpuContext, specs: BufferSpec[], batchSize: number, seqLen: number, chunkRows: number): Workspace {
    const buffers = new Map<string, GPUBuffer>();
    for (const spec of specs) buffers.set(spec.name, ctx.createStorage(spec.bytes, `train.${spec.name}`));
    return new Workspace(ctx, buffers, batchSize, seqLen, chunkRows);
  }

  get tokens(): number {
    return this.batchSize * this.seqLen;
  }

  get(name: string): GPUBuffer {
    const buffer = this.buffers.get(name);
    if (!buffer) throw new Error(`Training workspace has no buffer "${name}".`);
    return buffer;
  }

  dispose(): void {
    for (const buffer of this.buffers.values()) this.ctx.release(buffer);
    this.buffers.clear();
  }
}
