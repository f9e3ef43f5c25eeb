/** RMSNorm over the rows of a matrix with a per-column weight (shaders/rmsnorm.wgsl). */
import type { GpuContext } from '../gpu/context.ts';
import { splitWorkgroups } from '../gpu/dispatch.ts';
import { BYTES_PER_ELEMENT, checkDType, dtypeDefines, fitsVec4, packUniform, rowWorkgroup, type DType, type KernelCall, type StorageBinding } from './common.ts';

export interface RmsNormArgs {
  x: StorageBinding;
  weight: StorageBinding;
  out: StorageBinding;
  rows: number;
  cols: number;
  eps: number;
  dtype?: DType;
}

const WORKGROUP = 64;

export async function prepareRmsNorm(ctx: GpuContext, args: RmsNormArgs): Promise<KernelCall> {
  const dtype = args.dtype ?? 'f32';
  checkDType(ctx, dtype, 'rmsnorm');
  const pipeline = await ctx.pipelines.get({ shader: 'rmsnorm', defines: { ...dtypeDefines(dtype), WG: rowWorkgroup(ctx, WORKGROUP), VEC4: fitsVec4(args.cols, [args.x, args.weight, args.out], BYTES_PER_ELEMENT[dtype]) } });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([args.rows, args.cols, args.eps], [2])), 'rmsnorm.params');
  const elements = args.rows * args.cols;
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.x, args.weight, args.out, uniform])],
    grid: splitWorkgroups(args.rows, ctx.limits.maxComputeWorkgroupsPerDimension),
    label: 'rmsnorm',
    uniforms: [uniform],
    flops: elements * 4,
    bytes: (elements * 2 + args.cols) * BYTES_PER_ELEMENT[dtype],
  };
}
