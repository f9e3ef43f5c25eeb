/** Numerically stable softmax over the rows of a matrix (shaders/softmax.wgsl). */
import type { GpuContext } from '../gpu/context.ts';
import { splitWorkgroups } from '../gpu/dispatch.ts';
import { BYTES_PER_ELEMENT, checkDType, dtypeDefines, packUniform, type DType, type KernelCall } from './common.ts';

export interface SoftmaxArgs {
  x: GPUBuffer;
  out: GPUBuffer;
  rows: number;
  cols: number;
  dtype?: DType;
}

const WORKGROUP = 64;

export async function prepareSoftmax(ctx: GpuContext, args: SoftmaxArgs): Promise<KernelCall> {
  const dtype = args.dtype ?? 'f32';
  checkDType(ctx, dtype, 'softmax');
  const pipeline = await ctx.pipelines.get({ shader: 'softmax', defines: { ...dtypeDefines(dtype), WG: WORKGROUP } });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([args.rows, args.cols])), 'softmax.params');
  const elements = args.rows * args.cols;
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.x, args.out, uniform])],
    grid: splitWorkgroups(args.rows, ctx.limits.maxComputeWorkgroupsPerDimension),
    label: 'softmax',
    uniforms: [uniform],
    flops: elements * 5,
    bytes: elements * 2 * BYTES_PER_ELEMENT[dtype],
  };
}
