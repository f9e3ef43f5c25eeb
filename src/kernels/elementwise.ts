/** Elementwise add, mul and SiLU over flat arrays (shaders/elementwise.wgsl). */
import type { GpuContext } from '../gpu/context.ts';
import { ceilDiv, splitWorkgroups } from '../gpu/dispatch.ts';
import { BYTES_PER_ELEMENT, checkDType, dtypeDefines, fitsVec4, packUniform, type DType, type KernelCall } from './common.ts';

export type ElementwiseOp = 'add' | 'mul' | 'silu';

export interface ElementwiseArgs {
  op: ElementwiseOp;
  a: GPUBuffer;
  /** Second operand for add and mul; ignored by silu. */
  b?: GPUBuffer;
  out: GPUBuffer;
  n: number;
  dtype?: DType;
}

const WORKGROUP = 256;

export async function prepareElementwise(ctx: GpuContext, args: ElementwiseArgs): Promise<KernelCall> {
  const dtype = args.dtype ?? 'f32';
  checkDType(ctx, dtype, args.op);
  if (args.op !== 'silu' && !args.b) throw new Error(`${args.op} needs a second operand b`);
  const vec4 = fitsVec4(args.n, [args.a, args.b, args.out], BYTES_PER_ELEMENT[dtype]);
  const pipeline = await ctx.pipelines.get({
    shader: 'elementwise',
    entryPoint: args.op,
    defines: { ...dtypeDefines(dtype), VEC4: vec4 },
    overrides: { WG: WORKGROUP },
  });
  const invocations = vec4 ? args.n / 4 : args.n;
  const uniform = ctx.createUniform(new Uint32Array(packUniform([invocations])), `${args.op}.params`);
  // silu does not read b, so the auto layout has no binding 1 for it.
  const resources = args.op === 'silu' ? [args.a, null, args.out, uniform] : [args.a, args.b!, args.out, uniform];
  const inputs = args.op === 'silu' ? 1 : 2;
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, resources)],
    grid: splitWorkgroups(ceilDiv(invocations, WORKGROUP), ctx.limits.maxComputeWorkgroupsPerDimension),
    label: args.op,
    uniforms: [uniform],
    flops: args.n * (args.op === 'silu' ? 4 : 1),
    bytes: args.n * BYTES_PER_ELEMENT[dtype] * (inputs + 1),
  };
}
