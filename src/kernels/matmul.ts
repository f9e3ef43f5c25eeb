/** Batched, register-tiled matrix product with optional transposed operands (shaders/matmul.wgsl). */
import type { GpuContext } from '../gpu/context.ts';
import { ceilDiv } from '../gpu/dispatch.ts';
import { BYTES_PER_ELEMENT, checkDType, dtypeDefines, packUniform, type DType, type KernelCall, type StorageBinding } from './common.ts';

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
  dtype?: DType;
}

const WG_X = 8;
const WG_Y = 8;
const TILE = 4;

export async function prepareMatmul(ctx: GpuContext, args: MatmulArgs): Promise<KernelCall> {
  const dtype = args.dtype ?? 'f32';
  checkDType(ctx, dtype, 'matmul');
  const batch = args.batch ?? 1;
  const { m, n, k } = args;
  if (m < 1 || n < 1 || k < 1 || batch < 1) throw new RangeError(`matmul needs positive sizes, got m=${m} n=${n} k=${k} batch=${batch}`);
  const pipeline = await ctx.pipelines.get({
    shader: 'matmul',
    defines: { ...dtypeDefines(dtype), TRANS_A: Boolean(args.transA), TRANS_B: Boolean(args.transB), ACCUMULATE: Boolean(args.accumulate) },
    overrides: { WG_X, WG_Y },
  });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([m, n, k, batch, m * k, k * n, m * n, 0])), 'matmul.params');
  const grid: [number, number, number] = [ceilDiv(n, WG_X * TILE), ceilDiv(m, WG_Y * TILE), batch];
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  if (grid.some((g) => g > max)) throw new RangeError(`matmul grid ${grid.join('×')} exceeds ${max} workgroups per dimension`);
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.a, args.b, args.c, uniform])],
    grid,
    label: 'matmul',
    uniforms: [uniform],
    flops: 2 * m * n * k * batch,
    bytes: (m * k + k * n + m * n * (args.accumulate ? 2 : 1)) * batch * BYTES_PER_ELEMENT[dtype],
  };
}
