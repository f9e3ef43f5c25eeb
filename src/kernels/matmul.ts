/**
 * Batched matrix product with optional transposed operands. Operands whose inner sizes are multiples
 * of 4 go through shaders/matmul-vec4.wgsl, which reads vec4 and shares rows of A across a workgroup.
 * Other shapes, and A and B both transposed, go through the register-tiled shaders/matmul.wgsl.
 */
import type { GpuContext } from '../gpu/context.ts';
import { ceilDiv } from '../gpu/dispatch.ts';
import { BYTES_PER_ELEMENT, bindingBytes, checkDType, dtypeDefines, packUniform, type DType, type KernelCall, type StorageBinding } from './common.ts';

export interface MatmulArgs {
  /** M×K, or K×M with transA. */
  a: StorageBinding;
  /** K×N, or N×K with transB. */
  b: StorageBinding;
  /** M×N output. */
  c: StorageBinding;
  m: number;
  n: number;
  k: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  /** Add the product to C instead of overwriting it (C += A·B). */
  accumulate?: boolean;
  /** C = residual + A·B, with residual shaped like C; not together with accumulate. */
  residual?: StorageBinding;
  dtype?: DType;
  /** Kernel to use; 'auto' (default) takes matmul-vec4 whenever the shape and bindings allow it. */
  variant?: MatmulVariant;
}

export type MatmulVariant = 'auto' | 'tiled' | 'vec4';

const WG_X = 8;
const WG_Y = 8;
const TILE = 4;
/** Rows of C per workgroup in matmul-vec4 (a multiple of 4). */
const VEC4_ROWS = 8;
/**
 * Invocations per matmul-vec4 workgroup: one SIMD vector on software adapters, so that each
 * workgroup runs as one pass of straight-line vector code, and 64 on GPUs.
 * NOTE: the GPU value is a default that no GPU measurement has tuned yet.
 */
const VEC4_LANES = { software: 8, hardware: 64 } as const;

/** Returns why matmul-vec4 cannot run this product, or null when it can. */
export function vec4Obstacle(args: MatmulArgs): string | null {
  const { m, n, k } = args;
  if (args.transA && args.transB) return 'A and B both transposed';
  if (n % 4 !== 0) return `n = ${n} is not a multiple of 4`;
  // A is read as vec4 along its contiguous dimension: K for M×K, M for K×M.
  if (args.transA && m % 4 !== 0) return `m = ${m} is not a multiple of 4`;
  if (!args.transA && k % 4 !== 0) return `k = ${k} is not a multiple of 4`;
  const vectorBytes = 4 * BYTES_PER_ELEMENT[args.dtype ?? 'f32'];
  for (const [name, binding] of [['a', args.a], ['b', args.b], ['c', args.c], ['residual', args.residual]] as const) {
    if (binding && bindingBytes(binding) % vectorBytes !== 0) return `binding ${name} is not a whole number of vec4 elements`;
  }
  return null;
}

export async function prepareMatmul(ctx: GpuContext, args: MatmulArgs): Promise<KernelCall> {
  const dtype = args.dtype ?? 'f32';
  checkDType(ctx, dtype, 'matmul');
  const batch = args.batch ?? 1;
  const { m, n, k } = args;
  if (m < 1 || n < 1 || k < 1 || batch < 1) throw new RangeError(`matmul needs positive sizes, got m=${m} n=${n} k=${k} batch=${batch}`);
  if (args.residual && args.accumulate) throw new RangeError('matmul takes either accumulate or a residual, not both');
  const variant = args.variant ?? 'auto';
  const lanes = VEC4_LANES[ctx.tuning];
  const vec4Grid: [number, number, number] = [ceilDiv(n / 4, lanes), ceilDiv(m, VEC4_ROWS), batch];
  let obstacle = variant === 'tiled' ? 'the tiled kernel was requested' : vec4Obstacle(args);
  // matmul-vec4 covers 8 rows per workgroup, the tiled kernel 32, so very tall products fit only the latter.
  if (!obstacle && vec4Grid[1] > ctx.limits.maxComputeWorkgroupsPerDimension) obstacle = `m = ${m} needs more than ${ctx.limits.maxComputeWorkgroupsPerDimension} row groups`;
  if (variant === 'vec4' && obstacle) throw new RangeError(`matmul-vec4 cannot run this product: ${obstacle}`);
  const layout = { ...dtypeDefines(dtype), TRANS_A: Boolean(args.transA), TRANS_B: Boolean(args.transB), ACCUMULATE: Boolean(args.accumulate), RESIDUAL: Boolean(args.residual) };
  if (!obstacle) {
    const pipeline = await ctx.pipelines.get({ shader: 'matmul-vec4', defines: { ...layout, ROWS: VEC4_ROWS }, overrides: { WG: lanes } });
    return matmulCall(ctx, args, dtype, batch, pipeline, 'matmul-vec4', vec4Grid);
  }
  const pipeline = await ctx.pipelines.get({ shader: 'matmul', defines: layout, overrides: { WG_X, WG_Y } });
  return matmulCall(ctx, args, dtype, batch, pipeline, 'matmul', [ceilDiv(n, WG_X * TILE), ceilDiv(m, WG_Y * TILE), batch]);
}

/** Builds the call of either matmul shader, which share their bindings and parameters. */
function matmulCall(ctx: GpuContext, args: MatmulArgs, dtype: DType, batch: number, pipeline: GPUComputePipeline, label: string, grid: [number, number, number]): KernelCall {
  const { m, n, k } = args;
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  if (grid.some((g) => g > max)) throw new RangeError(`matmul grid ${grid.join('×')} exceeds ${max} workgroups per dimension`);
  const uniform = ctx.createUniform(new Uint32Array(packUniform([m, n, k, batch, m * k, k * n, m * n, 0])), 'matmul.params');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.a, args.b, args.c, uniform, args.residual ?? null])],
    grid,
    label,
    uniforms: [uniform],
    flops: 2 * m * n * k * batch,
    bytes: (m * k + k * n + m * n * (args.accumulate || args.residual ? 2 : 1)) * batch * BYTES_PER_ELEMENT[dtype],
  };
}
