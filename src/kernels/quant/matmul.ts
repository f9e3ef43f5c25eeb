/**
 * Dequantizing matrix products with a quantized weight: Y = X · Wᵀ for M tokens. Two kernels:
 * shaders/qmatmul.wgsl ("direct": invocations stride over K and reduce across the workgroup) is
 * the matrix-vector product for decoding (M = 1); shaders/qgemm.wgsl ("tiled": the weight tile is
 * dequantized into workgroup memory and reused by register tiles) serves prefill and batched
 * decoding (M ≥ 2). The direct kernel also takes M > 1, for devices whose workgroup memory is too
 * small for the tiles. One dispatch per weight part.
 */
import type { GpuContext } from '../../gpu/context.ts';
import { splitWorkgroups } from '../../gpu/dispatch.ts';
import { packUniform, type KernelCall, type StorageBinding } from '../common.ts';
import type { WeightType } from './formats.ts';
import { bindingBytes, decodeDefines } from './shader.ts';
import type { QuantWeight } from './weights.ts';

export type MatmulStrategy = 'direct' | 'tiled';

export interface QMatmulArgs {
  weight: QuantWeight;
  /** f32 activations: M rows of `weight.layout.colsPadded` values (K, rounded up to 8 for F32/F16 weights). */
  x: StorageBinding;
  /** f32 output: M rows with a stride of `yStride` values; columns 0 … weight.rows − 1 are written. */
  y: StorageBinding;
  /** Tokens M (default 1). Buffers must hold this many rows; setQMatmulTokens can lower it later. */
  m?: number;
  /** Row stride of y in values (default weight.rows). */
  yStride?: number;
  /** f32 vector of weight.rows values added to every output row. */
  bias?: StorageBinding;
  /** Add the product to the contents of y (a fused residual add) instead of overwriting them. */
  accumulate?: boolean;
  /** Default: direct for M = 1, tiled for M ≥ 2 when its tiles fit the device's workgroup memory. */
  strategy?: MatmulStrategy;
  /** Direct kernel only: reduce with subgroupAdd when the device has subgroups (default true). */
  subgroups?: boolean;
  /**
   * Tokens per workgroup. Direct: 1 to 32, default M rounded up to a power of 2 (at most 4).
   * Tiled: 8, 16 or 32, default M rounded up to one of these.
   */
  tileTokens?: number;
  /**
   * Weight rows per workgroup. Direct: default 4 for M = 1, else 2. Tiled: 16, 32 or 64, default
   * the largest that fits workgroup memory and still gives at least 128 workgroups.
   */
  rowsPerWorkgroup?: number;
}

/** A prepared dispatch for one weight part, with its uniform words so the token count can change. */
export interface QMatmulCall extends KernelCall {
  params: Uint32Array;
  strategy: MatmulStrategy;
  tileTokens: number;
  rowGroups: number;
  /** The M the buffers were checked for; setQMatmulTokens accepts up to this many tokens. */
  maxTokens: number;
  partRows: number;
  cols: number;
  /** Bytes of the part's weights, and of activations and outputs per token, for `bytes`. */
  weightBytes: number;
  bytesPerToken: number;
}

interface Tile {
  strategy: MatmulStrategy;
  tileTokens: number;
  rowsPerWorkgroup: number;
}

const DIRECT_WORKGROUP = 64;
/** Direct kernel: partial sums per invocation (rows × tokens); the reduction keeps 64 times as many in workgroup memory. */
const MAX_ACCUMULATORS = 32;
const TILED_TOKENS = [8, 16, 32];
const TILED_ROWS = [64, 32, 16];
/**
 * Workgroups the tiled kernel aims for, so that a large GPU has several per compute unit.
 * NOTE: an untuned guess; no real GPU has measured it.
 */
const TILED_MIN_WORKGROUPS = 128;

/** Tiled kernel: vec4s of K per step, the span over which a type's units cover K exactly. */
function tiledStepVec4(type: WeightType): number {
  return type === 'Q6_K' ? 32 : 16;
}

/** Workgroup memory of the tiled kernel: the padded weight tile and the activation tile, in bytes. */
export function tiledWorkgroupBytes(type: WeightType, tileRows: number, tileTokens: number): number {
  const kt4 = tiledStepVec4(type);
  return 16 * (tileRows * (kt4 + 1) + tileTokens * kt4);
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

function positiveInteger(value: number, name: string, max = Infinity): void {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`qmatmul: ${name} must be a whole number from 1 to ${max}, got ${value}`);
}

function directTile(m: number, args: Pick<QMatmulArgs, 'tileTokens' | 'rowsPerWorkgroup'>): Tile {
  const tileTokens = args.tileTokens ?? Math.min(4, nextPowerOfTwo(m));
  const rowsPerWorkgroup = args.rowsPerWorkgroup ?? (tileTokens === 1 ? 4 : 2);
  positiveInteger(tileTokens, 'tileTokens', MAX_ACCUMULATORS);
  positiveInteger(rowsPerWorkgroup, 'rowsPerWorkgroup', MAX_ACCUMULATORS);
  if (tileTokens * rowsPerWorkgroup > MAX_ACCUMULATORS) {
    throw new RangeError(`qmatmul: tileTokens × rowsPerWorkgroup is ${tileTokens * rowsPerWorkgroup}, at most ${MAX_ACCUMULATORS} fit the reduction's workgroup memory`);
  }
  return { strategy: 'direct', tileTokens, rowsPerWorkgroup };
}

/** Picks the tiled kernel's largest tiles that fit the device; returns null when none does. */
function tiledTile(ctx: GpuContext, type: WeightType, rows: number, m: number, args: QMatmulArgs): Tile | null {
  const limit = ctx.limits.maxComputeWorkgroupStorageSize;
  if (args.tileTokens !== undefined && !TILED_TOKENS.includes(args.tileTokens)) throw new RangeError(`qmatmul: the tiled kernel takes tileTokens ${TILED_TOKENS.join(', ')}, got ${args.tileTokens}`);
  if (args.rowsPerWorkgroup !== undefined && !TILED_ROWS.includes(args.rowsPerWorkgroup)) throw new RangeError(`qmatmul: the tiled kernel takes rowsPerWorkgroup ${TILED_ROWS.join(', ')}, got ${args.rowsPerWorkgroup}`);
  const requested = args.tileTokens ?? TILED_TOKENS.find((t) => t >= m) ?? 32;
  for (const tileTokens of TILED_TOKENS.filter((t) => t <= requested).reverse()) {
    const fitting = (args.rowsPerWorkgroup ? [args.rowsPerWorkgroup] : TILED_ROWS).filter((r) => tiledWorkgroupBytes(type, r, tileTokens) <= limit);
    if (fitting.length === 0) continue;
    const workgroups = (r: number) => Math.ceil(rows / r) * Math.ceil(m / tileTokens);
    const rowsPerWorkgroup = fitting.find((r) => workgroups(r) >= TILED_MIN_WORKGROUPS) ?? fitting[fitting.length - 1];
    return { strategy: 'tiled', tileTokens, rowsPerWorkgroup };
  }
  return null;
}

function chooseTile(ctx: GpuContext, weight: QuantWeight, m: number, args: QMatmulArgs): Tile {
  const strategy = args.strategy ?? (m === 1 ? 'direct' : 'tiled');
  if (strategy === 'direct') return directTile(m, args);
  const largestPart = Math.max(...weight.parts.map((part) => part.rows));
  const tile = tiledTile(ctx, weight.type, largestPart, m, args);
  if (tile) return tile;
  if (args.strategy === 'tiled') {
    const needed = tiledWorkgroupBytes(weight.type, args.rowsPerWorkgroup ?? 16, args.tileTokens ?? 8);
    throw new RangeError(`qmatmul: the tiled kernel needs ${needed} bytes of workgroup memory for ${weight.type}, the device offers ${ctx.limits.maxComputeWorkgroupStorageSize}`);
  }
  return directTile(m, {});
}

function checkBinding(binding: StorageBinding, needed: number, name: string, fix: string): void {
  const bytes = bindingBytes(binding);
  if (bytes < needed) throw new RangeError(`qmatmul: ${name} binding has ${bytes} bytes, ${needed} needed; ${fix}`);
}

/** Prepares Y = X · Wᵀ; returns one dispatch per part of the weight (usually one). */
export async function prepareQMatmul(ctx: GpuContext, args: QMatmulArgs): Promise<QMatmulCall[]> {
  const { weight } = args;
  const { layout } = weight;
  const m = args.m ?? 1;
  positiveInteger(m, 'm');
  const yStride = args.yStride ?? weight.rows;
  positiveInteger(yStride, 'yStride');
  if (yStride < weight.rows) throw new RangeError(`qmatmul: yStride ${yStride} is smaller than the ${weight.rows} output columns of ${weight.label}`);
  checkBinding(args.x, m * layout.colsPadded * 4, 'x', `it must hold ${m} rows of ${layout.colsPadded} f32 values (K = ${layout.cols}${layout.colsPadded > layout.cols ? ', rounded up to 8' : ''})`);
  checkBinding(args.y, ((m - 1) * yStride + weight.rows) * 4, 'y', `it must hold ${m} rows with a stride of ${yStride} f32 values`);
  if (args.bias) checkBinding(args.bias, weight.rows * 4, 'bias', `it must hold ${weight.rows} f32 values`);

  const tile = chooseTile(ctx, weight, m, args);
  const tiled = tile.strategy === 'tiled';
  const subgroups = !tiled && (args.subgroups ?? true) && ctx.hasSubgroups;
  const common = { ...decodeDefines(weight.type), BIAS: Boolean(args.bias), ACCUMULATE: Boolean(args.accumulate), TM: tile.tileTokens };
  const pipeline = await ctx.pipelines.get(
    tiled
      ? { shader: 'qgemm', defines: { ...common, TN: tile.rowsPerWorkgroup, KT4: tiledStepVec4(weight.type) }, label: `qgemm ${weight.type} ${tile.rowsPerWorkgroup}×${tile.tileTokens}` }
      : { shader: 'qmatmul', defines: { ...common, SUBGROUPS: subgroups, WG: DIRECT_WORKGROUP, ROWS: tile.rowsPerWorkgroup, TM_ONE: tile.tileTokens === 1 }, label: `qmatmul ${weight.type} ${tile.rowsPerWorkgroup}×${tile.tileTokens}` },
  );

  const mTiles = Math.ceil(m / tile.tileTokens);
  const kSteps = Math.ceil(layout.colsPadded / 4 / tiledStepVec4(weight.type));
  const kind = m === 1 ? 'qgemv' : 'qgemm';
  let variant = '';
  if (tiled) variant = ' (tiled)';
  else if (subgroups) variant = ' (subgroups)';
  return weight.parts.map((part, index) => {
    const rowGroups = Math.ceil(part.rows / tile.rowsPerWorkgroup);
    const params = new Uint32Array(
      packUniform([part.rows, part.rowStart, layout.units, layout.quantBytes / 16, layout.scaleBytes / 4, layout.colsPadded / 4, m, mTiles, yStride, kSteps, tiledStepVec4(weight.type)]),
    );
    const uniform = ctx.createUniform(params, `${kind}.params`);
    const weightBytes = part.quantBytes + part.scaleBytes;
    const bytesPerToken = layout.colsPadded * 4 + part.rows * 4 * (args.accumulate ? 2 : 1);
    return {
      pipeline,
      bindGroups: [ctx.bindGroup(pipeline, [part.quants, part.scales, args.x, args.y, uniform, args.bias ?? null])],
      grid: splitWorkgroups(rowGroups * mTiles, ctx.limits.maxComputeWorkgroupsPerDimension),
      label: `${kind} ${weight.type}${weight.parts.length > 1 ? ` part ${index + 1}/${weight.parts.length}` : ''}${variant}`,
      uniforms: [uniform],
      flops: 2 * m * part.rows * layout.cols,
      bytes: weightBytes + m * bytesPerToken,
      params,
      strategy: tile.strategy,
      tileTokens: tile.tileTokens,
      rowGroups,
      maxTokens: m,
      partRows: part.rows,
      cols: layout.cols,
      weightBytes,
      bytesPerToken,
    };
  });
}

/** Prepares the matrix-vector product y = W · x (M = 1). */
export function prepareQGemv(ctx: GpuContext, args: Omit<QMatmulArgs, 'm'>): Promise<QMatmulCall[]> {
  return prepareQMatmul(ctx, { ...args, m: 1 });
}

/**
 * Changes the token count of prepared calls without new bind groups (batched decoding with a
 * varying number of live sequences). `m` may not exceed the M the calls were prepared with. The
 * kernel and tile chosen then stay: calls prepared for 32 tokens compute a 32-token tile even for
 * one live sequence, so single-sequence decoding is faster with calls prepared for m = 1.
 */
export function setQMatmulTokens(ctx: GpuContext, calls: QMatmulCall[], m: number): void {
  for (const call of calls) {
    if (!Number.isInteger(m) || m < 1 || m > call.maxTokens) {
      throw new RangeError(`qmatmul: token count ${m} is outside 1…${call.maxTokens}, the range its buffers were prepared for`);
    }
    const mTiles = Math.ceil(m / call.tileTokens);
    call.params[6] = m;
    call.params[7] = mTiles;
    ctx.write(call.uniforms[0], call.params);
    call.grid = splitWorkgroups(call.rowGroups * mTiles, ctx.limits.maxComputeWorkgroupsPerDimension);
    call.flops = 2 * m * call.partRows * call.cols;
    call.bytes = call.weightBytes + m * call.bytesPerToken;
  }
}
