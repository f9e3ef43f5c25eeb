/**
 * Runs the inference attention kernels on random caches and compares them with their TypeScript
 * references. The unit tests sweep many shapes through these functions; the Models page's engine
 * check runs a few in the browser.
 */
import type { GpuContext } from '../../gpu/context.ts';
import { runCalls, type KernelCall } from '../../kernels/common.ts';
import { compareArrays, describeComparison, type Comparison, type Tolerance } from '../../kernels/compare.ts';
import { fromF16Array, roundToF16, toF16Array } from '../../util/f16.ts';
import { Rng } from '../../util/random.ts';
import {
  decodeScratchSizes,
  prepareAttentionDecode,
  prepareAttentionPrefill,
  prepareKvStore,
  setDecodeRows,
  type AttentionHeads,
  type KvDType,
} from './kernels.ts';
import { cacheAttentionRef, kvStoreRef, type QueryRow } from './reference.ts';

/**
 * Attention outputs are convex combinations of values in [−1, 1]. The GPU computes them in f32
 * from the same cache values as the reference (an f16 cache is rounded before either reads it), so
 * the difference is f32 rounding of scores, exponentials and sums.
 */
export const ATTENTION_TOLERANCE: Tolerance = { atol: 2e-5, rtol: 1e-4 };

export interface AttentionCheck {
  kernel: string;
  shape: string;
  comparison: Comparison;
  tolerance: Tolerance;
  message: string;
  ms: number;
}

export interface CacheCase {
  heads: number;
  kvHeads: number;
  headDim: number;
  maxLen: number;
  slots: number;
  dtype: KvDType;
}

interface RandomCache {
  k: Float32Array;
  v: Float32Array;
  kBuffer: GPUBuffer;
  vBuffer: GPUBuffer;
}

function upload(ctx: GpuContext, values: Float32Array, dtype: KvDType, label: string): GPUBuffer {
  return ctx.createStorage(dtype === 'f16' ? toF16Array(values) : values, label);
}

function randomCache(ctx: GpuContext, shape: CacheCase, rng: Rng): RandomCache {
  const count = shape.slots * shape.maxLen * shape.kvHeads * shape.headDim;
  const stored = (values: Float32Array) => (shape.dtype === 'f16' ? roundToF16(values) : values);
  const k = stored(rng.floats(count));
  const v = stored(rng.floats(count));
  return { k, v, kBuffer: upload(ctx, k, shape.dtype, 'k-cache'), vBuffer: upload(ctx, v, shape.dtype, 'v-cache') };
}

function heads(shape: CacheCase): AttentionHeads {
  return { heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim, maxLen: shape.maxLen, dtype: shape.dtype };
}

function describeShape(shape: CacheCase): string {
  return `${shape.heads}/${shape.kvHeads} heads × ${shape.headDim}, ${shape.slots}×${shape.maxLen} ${shape.dtype} cache`;
}

async function runAndCompare(
  ctx: GpuContext,
  kernel: string,
  shape: string,
  calls: KernelCall[],
  output: GPUBuffer,
  reference: ArrayLike<number>,
  buffers: GPUBuffer[],
  tolerance = ATTENTION_TOLERANCE,
  readOutput: (buffer: GPUBuffer, count: number) => Promise<Float32Array> = (buffer, count) => ctx.readF32(buffer, count),
): Promise<AttentionCheck> {
  try {
    const started = performance.now();
    await runCalls(ctx, calls);
    const ms = performance.now() - started;
    const gpu = await readOutput(output, reference.length);
    const comparison = compareArrays(gpu, reference, tolerance);
    return { kernel, shape, comparison, tolerance, message: describeComparison(`${kernel} ${shape}`, comparison, tolerance), ms };
  } finally {
    for (const buffer of buffers) ctx.release(buffer);
  }
}

export interface PrefillCase extends CacheCase {
  slot: number;
  start: number;
  tokens: number;
}

/**
 * Prefill of `tokens` queries at positions start … start + tokens − 1 of one slot. The whole cache
 * is random, so keys past a query's position and other slots must be masked out to match.
 */
export async function checkAttentionPrefill(ctx: GpuContext, shape: PrefillCase, seed = 1): Promise<AttentionCheck> {
  const rng = new Rng(seed);
  const cache = randomCache(ctx, shape, rng);
  const q = rng.floats(shape.tokens * shape.heads * shape.headDim);
  const qBuffer = ctx.createStorage(q, 'q');
  const out = ctx.createStorage(q.byteLength, 'out');
  const call = await prepareAttentionPrefill(ctx, { ...heads(shape), q: qBuffer, kCache: cache.kBuffer, vCache: cache.vBuffer, out, tokens: shape.tokens, start: shape.start, slot: shape.slot });
  const rows: QueryRow[] = Array.from({ length: shape.tokens }, (_, t) => ({ slot: shape.slot, position: shape.start + t }));
  const reference = cacheAttentionRef(q, cache.k, cache.v, rows, shape);
  const label = `${describeShape(shape)}, slot ${shape.slot}, ${shape.tokens} tokens from ${shape.start}`;
  return runAndCompare(ctx, 'attention-prefill', label, [call], out, reference, [qBuffer, out, cache.kBuffer, cache.vBuffer]);
}

export interface DecodeCase extends CacheCase {
  /** One query token per row. */
  rows: QueryRow[];
  /** Keys per split; default from decodeSplits. */
  chunk?: number;
  /** Rows the calls are prepared for, when more than rows.length (exercises setDecodeRows). */
  preparedRows?: number;
}

export async function checkAttentionDecode(ctx: GpuContext, shape: DecodeCase, seed = 1): Promise<AttentionCheck> {
  const rng = new Rng(seed);
  const cache = randomCache(ctx, shape, rng);
  const preparedRows = Math.max(shape.preparedRows ?? 0, shape.rows.length);
  const q = rng.floats(preparedRows * shape.heads * shape.headDim);
  const rowPairs = new Uint32Array(preparedRows * 2);
  shape.rows.forEach((row, r) => rowPairs.set([row.slot, row.position + 1], 2 * r));
  const sizes = decodeScratchSizes(preparedRows, shape.heads, shape.headDim, shape.maxLen, shape.chunk);
  const buffers = {
    q: ctx.createStorage(q, 'q'),
    rows: ctx.createStorage(rowPairs, 'rows'),
    out: ctx.createStorage(q.byteLength, 'out'),
    partialAcc: ctx.createStorage(sizes.accValues * 4, 'partial-acc'),
    partialStats: ctx.createStorage(sizes.statValues * 4, 'partial-stats'),
  };
  const calls = await prepareAttentionDecode(ctx, { ...heads(shape), ...buffers, kCache: cache.kBuffer, vCache: cache.vBuffer, rowCount: preparedRows, chunk: shape.chunk });
  setDecodeRows(calls, shape.rows.length);
  const reference = cacheAttentionRef(q.subarray(0, shape.rows.length * shape.heads * shape.headDim), cache.k, cache.v, shape.rows, shape);
  const positions = shape.rows.map((r) => `${r.slot}:${r.position}`).join(',');
  const label = `${describeShape(shape)}, rows slot:position ${positions}${shape.chunk ? `, splits of ${shape.chunk}` : ''}`;
  return runAndCompare(ctx, 'attention-decode', label, [calls.split, calls.combine], buffers.out, reference, [...Object.values(buffers), cache.kBuffer, cache.vBuffer]);
}

export interface KvStoreCase {
  rowSize: number;
  cacheRowCount: number;
  /** Destination row per token; a value ≥ cacheRowCount skips the token. */
  cacheRows: number[];
  dtype: KvDType;
}

/** Appends random rows to a random cache and compares the whole key cache afterwards. */
export async function checkKvStore(ctx: GpuContext, shape: KvStoreCase, seed = 1): Promise<AttentionCheck> {
  const rng = new Rng(seed);
  const tokens = shape.cacheRows.length;
  const stored = (values: Float32Array) => (shape.dtype === 'f16' ? roundToF16(values) : values);
  const kCache = stored(rng.floats(shape.cacheRowCount * shape.rowSize));
  const vCache = stored(rng.floats(shape.cacheRowCount * shape.rowSize));
  const kNew = rng.floats(tokens * shape.rowSize, -3, 3);
  const vNew = rng.floats(tokens * shape.rowSize, -3, 3);
  const buffers = {
    kNew: ctx.createStorage(kNew, 'k-new'),
    vNew: ctx.createStorage(vNew, 'v-new'),
    kCache: upload(ctx, kCache, shape.dtype, 'k-cache'),
    vCache: upload(ctx, vCache, shape.dtype, 'v-cache'),
    cacheRows: ctx.createStorage(Uint32Array.from(shape.cacheRows), 'cache-rows'),
  };
  const call = await prepareKvStore(ctx, { ...buffers, tokens, rowSize: shape.rowSize, cacheRowCount: shape.cacheRowCount, dtype: shape.dtype });
  // The GPU converts f32 to the cache type, so the reference rounds the appended rows the same way.
  const reference = new Float64Array([...kvStoreRef(kCache, stored(kNew), shape.cacheRows, shape.rowSize), ...kvStoreRef(vCache, stored(vNew), shape.cacheRows, shape.rowSize)]);
  const count = shape.cacheRowCount * shape.rowSize;
  const read = async (buffer: GPUBuffer) =>
    shape.dtype === 'f16' ? fromF16Array(new Uint16Array(await ctx.read(buffer, count * 2))) : ctx.readF32(buffer, count);
  const label = `${tokens} rows of ${shape.rowSize} into ${shape.cacheRowCount} ${shape.dtype} cache rows`;
  // f32 rows are copied exactly; an f16 conversion may round either way (WGSL leaves it to the device): 1 ulp.
  const tolerance = shape.dtype === 'f16' ? { atol: 2 ** -24, rtol: 2 ** -10 } : { atol: 0, rtol: 0 };
  return runAndCompare(ctx, 'kv-store', label, [call], buffers.kCache, reference, Object.values(buffers), tolerance, async () => {
    const keys = await read(buffers.kCache);
    const values = await read(buffers.vCache);
    const both = new Float32Array(2 * count);
    both.set(keys);
    both.set(values, count);
    return both;
  });
}
