/**
 * Causal grouped-query attention over packed sequences for training (shaders/attention-train.wgsl), f32.
 * Forward saves the logsumexp of each row's scores; backward recomputes the probabilities from it.
 */
import type { GpuContext, KernelTuning } from '../gpu/context.ts';
import { ceilDiv } from '../gpu/dispatch.ts';
import { fitsVec4, linearGrid, packUniform, SOFTWARE_LANES, type KernelCall, type StorageBinding } from './common.ts';
import { attentionScale, type AttentionShape } from './reference/attention.ts';

export type { AttentionShape } from './reference/attention.ts';

/**
 * Returns the rows (one invocation each) per workgroup: 64 on GPUs, one SIMD vector on software adapters.
 * There each barrier costs a coroutine switch per vector, and smaller blocks skip more masked-out tiles.
 */
export function attentionBlockRows(tuning: KernelTuning): number {
  return tuning === 'software' ? SOFTWARE_LANES : 64;
}
/** The smallest block any tuning uses, which gives the longest segment table. */
const MIN_BLOCK_ROWS = SOFTWARE_LANES;
/** Largest supported head dimension: q, the output and two gradients live in registers per invocation. */
export const MAX_ATTENTION_HEAD_DIM = 256;

/**
 * Rows of the other operand staged per step: the largest power of two up to 64 whose two
 * TILE×headDim f32 tiles plus 12 bytes per row of segment ids and row stats fit in workgroup memory.
 */
export function attentionTile(headDim: number, workgroupStorageBytes: number): number {
  let tile = 64;
  while (tile > 1 && tile * (8 * headDim + 12) > workgroupStorageBytes) tile /= 2;
  return tile;
}

/** Returns the length in u32 of attentionSegmentTable's result for blocks of `blockRows` rows. */
export function attentionSegmentTableLength(batch: number, seqLen: number, blockRows: number): number {
  return batch * seqLen + 2 * batch * Math.ceil(seqLen / blockRows);
}

/** Returns the u32 words that hold the segment table for any tuning's block size (for buffers sized before the adapter is known). */
export function attentionSegmentTableCapacity(batch: number, seqLen: number): number {
  return attentionSegmentTableLength(batch, seqLen, MIN_BLOCK_ROWS);
}

/**
 * Builds the `segments` buffer of the attention kernels. It starts with the segment id of every token.
 * Then, for each sequence and block of `blockRows` rows (attentionBlockRows of the adapter), it stores the first key position any
 * row of the block attends to and one past the last query position that attends to one of its keys.
 * The kernels skip the key and query tiles outside these ranges. Ids need not form contiguous runs.
 */
export function attentionSegmentTable(segments: ArrayLike<number>, batch: number, seqLen: number, blockRows: number): Uint32Array {
  if (segments.length !== batch * seqLen) throw new RangeError(`attention needs ${batch * seqLen} segment ids (batch × seqLen), got ${segments.length}`);
  const blocks = Math.ceil(seqLen / blockRows);
  const table = new Uint32Array(attentionSegmentTableLength(batch, seqLen, blockRows));
  table.set(Uint32Array.from(segments));
  for (let b = 0; b < batch; b++) {
    // First and last position of each segment id within this sequence.
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    for (let t = 0; t < seqLen; t++) {
      const id = segments[b * seqLen + t];
      if (!first.has(id)) first.set(id, t);
      last.set(id, t);
    }
    for (let block = 0; block < blocks; block++) {
      let keyStart = seqLen;
      let queryEnd = 0;
      for (let t = block * blockRows; t < Math.min(seqLen, (block + 1) * blockRows); t++) {
        const id = segments[b * seqLen + t];
        keyStart = Math.min(keyStart, first.get(id)!);
        queryEnd = Math.max(queryEnd, last.get(id)! + 1);
      }
      const index = batch * seqLen + 2 * (b * blocks + block);
      table[index] = keyStart;
      table[index + 1] = queryEnd;
    }
  }
  return table;
}

export interface AttentionBuffers {
  /** [batch·seqLen, heads, headDim] */
  q: StorageBinding;
  /** [batch·seqLen, kvHeads, headDim] */
  k: StorageBinding;
  v: StorageBinding;
  /** attentionSegmentTable(segment ids, batch, seqLen): attention stays within equal ids. */
  segments: StorageBinding;
  /** [batch·seqLen, heads, headDim] */
  out: StorageBinding;
  /** [batch·seqLen, heads] pairs of f32: (logsumexp, Σ dout·out). */
  rowStats: StorageBinding;
}

export interface AttentionGradientBuffers {
  dout: StorageBinding;
  dq: StorageBinding;
  dk: StorageBinding;
  dv: StorageBinding;
}

function validateShape(shape: AttentionShape): void {
  const { batch, seqLen, heads, kvHeads, headDim } = shape;
  if ([batch, seqLen, heads, kvHeads, headDim].some((n) => !Number.isInteger(n) || n < 1)) {
    throw new RangeError(`attention needs positive integer sizes, got ${JSON.stringify(shape)}`);
  }
  if (heads % kvHeads !== 0) throw new RangeError(`attention heads (${heads}) must be a multiple of kvHeads (${kvHeads})`);
  if (headDim > MAX_ATTENTION_HEAD_DIM) throw new RangeError(`attention head dimension ${headDim} exceeds the supported maximum ${MAX_ATTENTION_HEAD_DIM}`);
}

/** Returns whether every head vector can be read as vec4: headDim a multiple of 4 and whole vec4 bindings. */
function headVec4(shape: AttentionShape, bindings: StorageBinding[]): boolean {
  return shape.headDim % 4 === 0 && fitsVec4(0, bindings);
}

async function attentionPipeline(ctx: GpuContext, shape: AttentionShape, entryPoint: string, vec4: boolean): Promise<GPUComputePipeline> {
  // Software adapters stage one SIMD vector of rows at a time: shorter tiles skip more of the masked keys.
  const fit = attentionTile(shape.headDim, ctx.limits.maxComputeWorkgroupStorageSize);
  const tile = ctx.tuning === 'software' ? Math.min(SOFTWARE_LANES, fit) : fit;
  return ctx.pipelines.get({
    shader: 'attention-train',
    entryPoint,
    defines: { HEAD_DIM: shape.headDim, WG: attentionBlockRows(ctx.tuning), TILE: tile, VEC4: vec4 },
  });
}

function attentionUniform(ctx: GpuContext, shape: AttentionShape): GPUBuffer {
  const { batch, seqLen, heads, kvHeads } = shape;
  return ctx.createUniform(new Uint32Array(packUniform([batch, seqLen, heads, kvHeads, heads / kvHeads, attentionScale(shape), 0, 0], [5])), 'attention.params');
}

/** Causal flops of one pass over all query-key pairs: 2·headDim per dot product or axpy. */
function pairFlops(shape: AttentionShape, vectorOps: number): number {
  const pairs = (shape.seqLen * (shape.seqLen + 1)) / 2;
  return shape.batch * shape.heads * pairs * 2 * shape.headDim * vectorOps;
}

export async function prepareAttentionForward(ctx: GpuContext, shape: AttentionShape, buffers: AttentionBuffers): Promise<KernelCall> {
  validateShape(shape);
  const vec4 = headVec4(shape, [buffers.q, buffers.k, buffers.v, buffers.out]);
  const pipeline = await attentionPipeline(ctx, shape, 'forward', vec4);
  const uniform = attentionUniform(ctx, shape);
  const tokens = shape.batch * shape.seqLen;
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [buffers.q, buffers.k, buffers.v, buffers.segments, uniform, buffers.out, buffers.rowStats])],
    grid: [ceilDiv(shape.seqLen, attentionBlockRows(ctx.tuning)), shape.heads, shape.batch],
    label: 'attention-forward',
    uniforms: [uniform],
    flops: pairFlops(shape, 2),
    bytes: tokens * (2 * shape.heads + 2 * shape.kvHeads) * shape.headDim * 4 + tokens * shape.heads * 8,
  };
}

/** Returns three calls to run in order: the Σ dout·out per row, dq, then dk and dv. */
export async function prepareAttentionBackward(
  ctx: GpuContext,
  shape: AttentionShape,
  buffers: AttentionBuffers,
  gradients: AttentionGradientBuffers,
): Promise<KernelCall[]> {
  validateShape(shape);
  const uniform = attentionUniform(ctx, shape);
  const tokens = shape.batch * shape.seqLen;
  const rows = tokens * shape.heads;
  const qBytes = rows * shape.headDim * 4;
  const kvBytes = tokens * shape.kvHeads * shape.headDim * 4;
  const blockRows = attentionBlockRows(ctx.tuning);
  const blocks = ceilDiv(shape.seqLen, blockRows);

  const vec4 = headVec4(shape, [buffers.q, buffers.k, buffers.v, buffers.out, gradients.dout, gradients.dq, gradients.dk, gradients.dv]);
  const deltaPipeline = await attentionPipeline(ctx, shape, 'backward_delta', vec4);
  const queryPipeline = await attentionPipeline(ctx, shape, 'backward_query', vec4);
  const keyValuePipeline = await attentionPipeline(ctx, shape, 'backward_key_value', vec4);
  const { q, k, v, segments, out, rowStats } = buffers;
  const { dout, dq, dk, dv } = gradients;
  return [
    {
      pipeline: deltaPipeline,
      bindGroups: [ctx.bindGroup(deltaPipeline, [null, null, null, null, uniform, out, rowStats, dout])],
      grid: linearGrid(ctx, rows, blockRows),
      label: 'attention-backward-delta',
      uniforms: [uniform],
      flops: rows * shape.headDim * 2,
      bytes: qBytes * 2 + rows * 8,
    },
    {
      pipeline: queryPipeline,
      bindGroups: [ctx.bindGroup(queryPipeline, [q, k, v, segments, uniform, null, rowStats, dout, dq])],
      grid: [blocks, shape.heads, shape.batch],
      label: 'attention-backward-query',
      // The uniform is owned by the first call.
      uniforms: [],
      flops: pairFlops(shape, 3),
      bytes: qBytes * 3 + kvBytes * 2 + rows * 8,
    },
    {
      pipeline: keyValuePipeline,
      bindGroups: [ctx.bindGroup(keyValuePipeline, [q, k, v, segments, uniform, null, rowStats, dout, null, dk, dv])],
      grid: [blocks, shape.kvHeads, shape.batch],
      label: 'attention-backward-key-value',
      uniforms: [],
      flops: pairFlops(shape, 4),
      bytes: qBytes * 2 + kvBytes * 4 + rows * 8,
    },
  ];
}
