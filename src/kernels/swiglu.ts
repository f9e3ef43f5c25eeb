/** SwiGLU activation h = silu(gate) ⊙ up and its gradients (shaders/swiglu.wgsl), f32. */
import type { GpuContext } from '../gpu/context.ts';
import { fitsVec4, linearGrid, packUniform, type KernelCall, type StorageBinding } from './common.ts';

const WORKGROUP = 256;

export interface SwigluArgs {
  gate: StorageBinding;
  up: StorageBinding;
  /** Output, same length as gate and up. */
  h: StorageBinding;
  n: number;
}

export interface SwigluBackwardArgs {
  gate: StorageBinding;
  up: StorageBinding;
  dh: StorageBinding;
  dgate: StorageBinding;
  dup: StorageBinding;
  n: number;
}

export async function prepareSwiglu(ctx: GpuContext, args: SwigluArgs): Promise<KernelCall> {
  if (args.n < 1) throw new RangeError(`swiglu needs a positive length, got ${args.n}`);
  const vec4 = fitsVec4(args.n, [args.gate, args.up, args.h]);
  const invocations = vec4 ? args.n / 4 : args.n;
  const pipeline = await ctx.pipelines.get({ shader: 'swiglu', entryPoint: 'forward', defines: { VEC4: vec4 } });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([invocations])), 'swiglu.params');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.gate, args.up, args.h, uniform])],
    grid: linearGrid(ctx, invocations, WORKGROUP),
    label: 'swiglu',
    uniforms: [uniform],
    flops: args.n * 6,
    bytes: args.n * 12,
  };
}

export async function prepareSwigluBackward(ctx: GpuContext, args: SwigluBackwardArgs): Promise<KernelCall> {
  if (args.n < 1) throw new RangeError(`swiglu backward needs a positive length, got ${args.n}`);
  const vec4 = fitsVec4(args.n, [args.gate, args.up, args.dh, args.dgate, args.dup]);
  const invocations = vec4 ? args.n / 4 : args.n;
  const pipeline = await ctx.pipelines.get({ shader: 'swiglu', entryPoint: 'backward', defines: { VEC4: vec4 } });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([invocations])), 'swiglu-backward.params');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.gate, args.up, null, uniform, args.dh, args.dgate, args.dup])],
    grid: linearGrid(ctx, invocations, WORKGROUP),
    label: 'swiglu-backward',
    uniforms: [uniform],
    flops: args.n * 12,
    bytes: args.n * 20,
  };
}
