/** Matrix-vector product y = W·x with W stored row-major as N×K (shaders/gemv.wgsl). */
import type { GpuContext } from '../gpu/context.ts';
import { splitWorkgroups } from '../gpu/dispatch.ts';
import { BYTES_PER_ELEMENT, checkDType, dtypeDefines, packUniform, type DType, type KernelCall } from './common.ts';

export interface GemvArgs {
  w: GPUBuffer;
  x: GPUBuffer;
  y: GPUBuffer;
  n: number;
  k: number;
  dtype?: DType;
  /** Use subgroupAdd when the device has subgroups (default true). */
  subgroups?: boolean;
}

const WORKGROUP = 64;

export async function prepareGemv(ctx: GpuContext, args: GemvArgs): Promise<KernelCall> {
  const dtype = args.dtype ?? 'f32';
  checkDType(ctx, dtype, 'gemv');
  const subgroups = (args.subgroups ?? true) && ctx.hasSubgroups;
  const pipeline = await ctx.pipelines.get({
    shader: 'gemv',
    defines: { ...dtypeDefines(dtype), SUBGROUPS: subgroups, WG: WORKGROUP },
  });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([args.n, args.k])), 'gemv.params');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.w, args.x, args.y, uniform])],
    grid: splitWorkgroups(args.n, ctx.limits.maxComputeWorkgroupsPerDimension),
    label: subgroups ? 'gemv (subgroups)' : 'gemv',
    uniforms: [uniform],
    flops: 2 * args.n * args.k,
    bytes: (args.n * args.k + args.k + args.n) * BYTES_PER_ELEMENT[dtype],
  };
}
