/**
 * Inference attention over a slotted KV cache: appending keys and values (shaders/attention-kv.wgsl),
 * tiled online-softmax prefill (shaders/attention-prefill.wgsl) and split-K decoding with a combine
 * pass (shaders/attention-decode.wgsl).
 *
 * The training kernels (src/kernels/attention-train.ts) attend within packed f32 sequences and keep
 * the statistics the backward pass needs. These read a cache of several sequences ("slots") of up
 * to maxLen positions, stored as f16 where the device has shader-f16. They take positions and slots
 * from uniforms and small host-written buffers, so one prepared call serves every step.
 *
 * Cache layout, per layer and for keys and values alike: [slots, maxLen, kvHeads, headDim].
 */
import type { GpuContext } from '../../gpu/context.ts';
import { ceilDiv } from '../../gpu/dispatch.ts';
import { linearGrid, packUniform, type KernelCall, type StorageBinding } from '../../kernels/common.ts';

export type KvDType = 'f16' | 'f32';

export const KV_BYTES: Record<KvDType, number> = { f16: 2, f32: 4 };

/** Largest head dimension: the prefill kernel keeps a query and an accumulator of this size in registers. */
export const MAX_HEAD_DIM = 256;

export interface AttentionHeads {
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Positions per slot in the cache. */
  maxLen: number;
  dtype: KvDType;
  /** Score scale; the default is 1/sqrt(headDim). */
  scale?: number;
}

/** Picks the cache dtype for a device: f16 where shader-f16 exists, which halves the cache's memory and reads. */
export function kvDTypeFor(ctx: GpuContext): KvDType {
  return ctx.hasF16 ? 'f16' : 'f32';
}

function checkHeads(shape: AttentionHeads, kernel: string): void {
  const { heads, kvHeads, headDim, maxLen } = shape;
  if ([heads, kvHeads, headDim, maxLen].some((n) => !Number.isInteger(n) || n < 1)) {
    throw new RangeError(`${kernel}: heads, kvHeads, headDim and maxLen must be positive integers, got ${JSON.stringify(shape)}`);
  }
  if (heads % kvHeads !== 0) throw new RangeError(`${kernel}: ${heads} query heads are not a multiple of ${kvHeads} KV heads`);
  if (headDim > MAX_HEAD_DIM) throw new RangeError(`${kernel}: head dimension ${headDim} exceeds the supported maximum ${MAX_HEAD_DIM}`);
}

function kvDefines(ctx: GpuContext, dtype: KvDType, kernel: string): { F16: boolean; KV: string } {
  if (dtype === 'f16' && !ctx.hasF16) throw new Error(`${kernel}: an f16 KV cache needs the shader-f16 feature, which this adapter does not offer; use "f32"`);
  return { F16: dtype === 'f16', KV: dtype };
}

function scaleOf(shape: AttentionHeads): number {
  return shape.scale ?? 1 / Math.sqrt(shape.headDim);
}

/** A prepared call whose uniform words the host rewrites between steps (no new bind groups). */
export interface UpdatableCall extends KernelCall {
  params: Uint32Array;
}

function writeParams(ctx: GpuContext, call: UpdatableCall): void {
  ctx.write(call.uniforms[0], call.params);
}

// --- KV append ----------------------------------------------------------------------------------

export interface KvStoreArgs {
  /** f32 [tokens, kvHeads·headDim]: the new keys (after RoPE) and values. */
  kNew: StorageBinding;
  vNew: StorageBinding;
  kCache: StorageBinding;
  vCache: StorageBinding;
  /** u32 per token: slot·maxLen + position, or any value ≥ slots·maxLen to skip the token. */
  cacheRows: StorageBinding;
  /** Tokens the buffers hold; setKvStoreTokens may lower it. */
  tokens: number;
  rowSize: number;
  /** slots · maxLen. */
  cacheRowCount: number;
  dtype: KvDType;
}

export interface KvStoreCall extends UpdatableCall {
  maxTokens: number;
  rowSize: number;
}

const STORE_WORKGROUP = 256;

export async function prepareKvStore(ctx: GpuContext, args: KvStoreArgs): Promise<KvStoreCall> {
  const pipeline = await ctx.pipelines.get({ shader: 'attention-kv', defines: kvDefines(ctx, args.dtype, 'kv-store') });
  const params = new Uint32Array(packUniform([args.tokens, args.rowSize, args.cacheRowCount, 0]));
  const uniform = ctx.createUniform(params, 'kv-store.params');
  const values = args.tokens * args.rowSize;
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.kNew, args.vNew, args.kCache, args.vCache, args.cacheRows, uniform])],
    grid: linearGrid(ctx, values, STORE_WORKGROUP),
    label: 'kv-store',
    uniforms: [uniform],
    flops: 0,
    bytes: values * (8 + 2 * KV_BYTES[args.dtype]) + args.tokens * 4,
    params,
    maxTokens: args.tokens,
    rowSize: args.rowSize,
  };
}

export function setKvStoreTokens(ctx: GpuContext, call: KvStoreCall, tokens: number): void {
  if (!Number.isInteger(tokens) || tokens < 1 || tokens > call.maxTokens) throw new RangeError(`kv-store: ${tokens} tokens is outside 1…${call.maxTokens}`);
  call.params[0] = tokens;
  call.grid = linearGrid(ctx, tokens * call.rowSize, STORE_WORKGROUP);
  writeParams(ctx, call);
}

// --- Prefill ------------------------------------------------------------------------------------

/** Query rows (one invocation each) per prefill workgroup. */
export const PREFILL_ROWS = 64;

/**
 * Cached rows staged per prefill step: the largest power of two up to 32 whose key and value tiles
 * (2·TILE·headDim f32) fit in workgroup memory.
 */
export function prefillTile(headDim: number, workgroupStorageBytes: number): number {
  let tile = 32;
  while (tile > 1 && 8 * tile * headDim > workgroupStorageBytes) tile /= 2;
  return tile;
}

export interface PrefillArgs extends AttentionHeads {
  /** f32 [tokens, heads, headDim], RoPE applied. */
  q: StorageBinding;
  kCache: StorageBinding;
  vCache: StorageBinding;
  /** f32 [tokens, heads, headDim]. */
  out: StorageBinding;
  /** Tokens the q and out buffers hold; setPrefillChunk picks how many of them run. */
  tokens: number;
  /** Position of the first token and its slot. */
  start?: number;
  slot?: number;
}

export interface PrefillCall extends UpdatableCall {
  maxTokens: number;
  shape: AttentionHeads;
}

export async function prepareAttentionPrefill(ctx: GpuContext, args: PrefillArgs): Promise<PrefillCall> {
  checkHeads(args, 'attention-prefill');
  const tile = prefillTile(args.headDim, ctx.limits.maxComputeWorkgroupStorageSize);
  const pipeline = await ctx.pipelines.get({
    shader: 'attention-prefill',
    defines: { ...kvDefines(ctx, args.dtype, 'attention-prefill'), HEAD_DIM: args.headDim, ROWS: PREFILL_ROWS, TILE: tile },
  });
  const params = new Uint32Array(packUniform([args.tokens, 0, args.heads, args.kvHeads, args.heads / args.kvHeads, args.maxLen, 0, scaleOf(args)], [7]));
  const uniform = ctx.createUniform(params, 'attention-prefill.params');
  const call: PrefillCall = {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.q, args.kCache, args.vCache, args.out, uniform])],
    grid: [ceilDiv(args.tokens, PREFILL_ROWS), args.heads, 1],
    label: 'attention-prefill',
    uniforms: [uniform],
    flops: 0,
    bytes: 0,
    params,
    maxTokens: args.tokens,
    shape: { heads: args.heads, kvHeads: args.kvHeads, headDim: args.headDim, maxLen: args.maxLen, dtype: args.dtype },
  };
  setPrefillChunk(ctx, call, { tokens: args.tokens, start: args.start ?? 0, slot: args.slot ?? 0 });
  return call;
}

/** Points a prepared prefill at `tokens` new tokens from position `start` of `slot`. */
export function setPrefillChunk(ctx: GpuContext, call: PrefillCall, chunk: { tokens: number; start: number; slot: number }): void {
  const { tokens, start, slot } = chunk;
  const { heads, kvHeads, headDim, maxLen, dtype } = call.shape;
  if (!Number.isInteger(tokens) || tokens < 1 || tokens > call.maxTokens) throw new RangeError(`attention-prefill: ${tokens} tokens is outside 1…${call.maxTokens}`);
  if (!Number.isInteger(start) || start < 0 || start + tokens > maxLen) {
    throw new RangeError(`attention-prefill: positions ${start}…${start + tokens - 1} do not fit the cache's ${maxLen} positions per slot`);
  }
  if (!Number.isInteger(slot) || slot < 0) throw new RangeError(`attention-prefill: slot must be a non-negative integer, got ${slot}`);
  call.params[0] = tokens;
  call.params[1] = start;
  call.params[6] = slot;
  call.grid = [ceilDiv(tokens, PREFILL_ROWS), heads, 1];
  // Query t scores and weighs start + t + 1 cached rows; q is read and out written once.
  const pairs = tokens * start + (tokens * (tokens + 1)) / 2;
  call.flops = 4 * pairs * heads * headDim;
  call.bytes = 8 * tokens * heads * headDim + 2 * (start + tokens) * kvHeads * headDim * KV_BYTES[dtype];
  writeParams(ctx, call);
}

// --- Decode (split-K) ---------------------------------------------------------------------------

/** Keys per tile in the split kernel. */
export const DECODE_TILE = 64;
/** Largest number of splits per row; a longer context gets longer splits. */
export const MAX_DECODE_SPLITS = 32;
/** Largest HEADS_WG·headDim: the shared query block and the per-invocation accumulators are sized by it. */
const MAX_HEADS_VALUES = 2048;

/** Keys per split and splits per row for a cache of maxLen positions. */
export function decodeSplits(maxLen: number, chunk?: number): { chunk: number; chunks: number } {
  const size = chunk ?? Math.max(DECODE_TILE, ceilDiv(ceilDiv(maxLen, MAX_DECODE_SPLITS), DECODE_TILE) * DECODE_TILE);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`attention-decode: keys per split must be a positive integer, got ${size}`);
  return { chunk: size, chunks: ceilDiv(maxLen, size) };
}

/** Query heads per split workgroup: the largest divisor of the group size whose values fit the shared block. */
export function decodeHeadsPerWorkgroup(heads: number, kvHeads: number, headDim: number): number {
  const group = heads / kvHeads;
  for (let h = group; h >= 1; h--) {
    if (group % h === 0 && h * headDim <= MAX_HEADS_VALUES) return h;
  }
  return 1;
}

export interface DecodeArgs extends AttentionHeads {
  /** f32 [rows, heads, headDim]: one query token per row. */
  q: StorageBinding;
  kCache: StorageBinding;
  vCache: StorageBinding;
  /** u32 pairs per row: (slot, keys in the cache for this row, the new token included). */
  rows: StorageBinding;
  /** f32 [rows, heads, headDim]. */
  out: StorageBinding;
  /** f32 scratch of decodeScratchSizes(...).accValues and .statValues·2 values. */
  partialAcc: StorageBinding;
  partialStats: StorageBinding;
  /** Rows the buffers hold; setDecodeRows may lower it. */
  rowCount: number;
  /** Keys per split (default from decodeSplits). */
  chunk?: number;
}

/** f32 values of the two scratch buffers of a decode call. */
export function decodeScratchSizes(rows: number, heads: number, headDim: number, maxLen: number, chunk?: number): { accValues: number; statValues: number } {
  const { chunks } = decodeSplits(maxLen, chunk);
  return { accValues: rows * heads * chunks * headDim, statValues: rows * heads * chunks * 2 };
}

export interface DecodeCalls {
  split: UpdatableCall;
  combine: UpdatableCall;
  maxRows: number;
  chunks: number;
  headBlocks: number;
  heads: number;
}

export async function prepareAttentionDecode(ctx: GpuContext, args: DecodeArgs): Promise<DecodeCalls> {
  checkHeads(args, 'attention-decode');
  const { chunk, chunks } = decodeSplits(args.maxLen, args.chunk);
  const headsPerWorkgroup = decodeHeadsPerWorkgroup(args.heads, args.kvHeads, args.headDim);
  const defines = { ...kvDefines(ctx, args.dtype, 'attention-decode'), HEAD_DIM: args.headDim, HEADS_WG: headsPerWorkgroup, TILE: DECODE_TILE };
  const splitPipeline = await ctx.pipelines.get({ shader: 'attention-decode', entryPoint: 'split', defines });
  const combinePipeline = await ctx.pipelines.get({ shader: 'attention-decode', entryPoint: 'combine', defines });
  const params = new Uint32Array(packUniform([args.rowCount, args.heads, args.kvHeads, args.heads / args.kvHeads, args.maxLen, chunk, chunks, scaleOf(args)], [7]));
  const uniform = ctx.createUniform(params, 'attention-decode.params');
  const headBlocks = args.heads / headsPerWorkgroup;
  const rowQueryBytes = args.heads * args.headDim * 4;
  const split: UpdatableCall = {
    pipeline: splitPipeline,
    bindGroups: [ctx.bindGroup(splitPipeline, [args.q, args.kCache, args.vCache, args.rows, args.partialAcc, args.partialStats, uniform, null])],
    grid: [chunks, headBlocks, args.rowCount],
    label: 'attention-decode-split',
    uniforms: [uniform],
    // The traffic depends on each row's keys, which live on the GPU; counted as one query per row.
    flops: 0,
    bytes: args.rowCount * rowQueryBytes,
    params,
  };
  const combine: UpdatableCall = {
    pipeline: combinePipeline,
    bindGroups: [ctx.bindGroup(combinePipeline, [null, null, null, args.rows, args.partialAcc, args.partialStats, uniform, args.out])],
    grid: [args.heads, args.rowCount, 1],
    label: 'attention-decode-combine',
    // The split call owns the shared uniform.
    uniforms: [],
    flops: 0,
    bytes: args.rowCount * rowQueryBytes,
    params,
  };
  return { split, combine, maxRows: args.rowCount, chunks, headBlocks, heads: args.heads };
}

/** Runs the prepared decode calls for the first `rows` rows only (grid change, no new bind groups). */
export function setDecodeRows(calls: DecodeCalls, rows: number): void {
  if (!Number.isInteger(rows) || rows < 1 || rows > calls.maxRows) throw new RangeError(`attention-decode: ${rows} rows is outside 1…${calls.maxRows}`);
  calls.split.grid = [calls.chunks, calls.headBlocks, rows];
  calls.combine.grid = [calls.heads, rows, 1];
}
