/**
 * Global gradient norm (shaders/grad-norm.wgsl) and AdamW (shaders/adamw.wgsl), f32.
 * The host writes the step's hyperparameters into a small uniform buffer (packAdamWHyper). The norm,
 * the clip factor and a finiteness flag stay on the GPU, so an update needs no readback.
 */
import type { GpuContext } from '../gpu/context.ts';
import { fitsVec4, linearGrid, packUniform, type KernelCall, type StorageBinding } from './common.ts';

/** Most workgroups per partial_sums dispatch, and so the partial-sum slots reserved per gradient range. */
export const NORM_PARTIALS_PER_RANGE = 256;
/** Elements each invocation of partial_sums sums at least, so small ranges use few workgroups. */
const NORM_ELEMENTS_PER_INVOCATION = 16;
/** Bytes of the hyperparameter uniform (8 f32) and of the norm stats buffer (4 f32). */
export const ADAMW_HYPER_BYTES = 32;
export const NORM_STATS_BYTES = 16;

export interface AdamWSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this value; 0 turns clipping off. */
  maxGradNorm: number;
}

/** Packs the step's hyperparameters in the layout of grad-norm.wgsl's and adamw.wgsl's Hyper struct. */
export function packAdamWHyper(settings: AdamWSettings, step: number): Float32Array {
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`AdamW step must be an integer ≥ 1 (it sets the bias correction), got ${step}`);
  return new Float32Array([
    settings.learningRate,
    settings.beta1,
    settings.beta2,
    settings.eps,
    settings.weightDecay,
    1 - settings.beta1 ** step,
    1 - settings.beta2 ** step,
    settings.maxGradNorm,
  ]);
}

export interface GradNormPartialArgs {
  /** One range of gradients (at most maxStorageBufferBindingSize bytes). */
  values: StorageBinding;
  count: number;
  /** Receives NORM_PARTIALS_PER_RANGE floats from index `slot` on. */
  partials: StorageBinding;
  slot: number;
}

export interface GradNormFinishArgs {
  partials: StorageBinding;
  /** Partial sums written so far: ranges × NORM_PARTIALS_PER_RANGE. */
  count: number;
  /** Uniform buffer from packAdamWHyper (max_norm is read). */
  hyper: GPUBuffer;
  /** Four f32 (written): Σ g², ‖g‖, clip factor, 1 if finite else 0. */
  stats: StorageBinding;
}

export interface AdamWArgs {
  param: StorageBinding;
  grad: StorageBinding;
  m: StorageBinding;
  v: StorageBinding;
  count: number;
  hyper: GPUBuffer;
  stats: StorageBinding;
  /** Apply weight decay to this range (matrices) or not (norm weights). */
  decay: boolean;
}

export async function prepareGradNormPartial(ctx: GpuContext, args: GradNormPartialArgs): Promise<KernelCall> {
  const pipeline = await ctx.pipelines.get({ shader: 'grad-norm', entryPoint: 'partial_sums' });
  const groups = Math.max(1, Math.min(NORM_PARTIALS_PER_RANGE, Math.ceil(args.count / (256 * NORM_ELEMENTS_PER_INVOCATION))));
  const uniform = ctx.createUniform(new Uint32Array(packUniform([args.count, args.slot, groups, 0])), 'grad-norm.params');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.values, args.partials, uniform])],
    grid: [groups, 1, 1],
    label: 'grad-norm-partial',
    uniforms: [uniform],
    flops: args.count * 2,
    bytes: args.count * 4,
  };
}

export async function prepareGradNormFinish(ctx: GpuContext, args: GradNormFinishArgs): Promise<KernelCall> {
  const pipeline = await ctx.pipelines.get({ shader: 'grad-norm', entryPoint: 'finish' });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([args.count, 0, 0, 0])), 'grad-norm-finish.params');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [null, args.partials, uniform, args.hyper, args.stats])],
    grid: [1, 1, 1],
    label: 'grad-norm-finish',
    uniforms: [uniform],
    flops: args.count,
    bytes: args.count * 4 + 16,
  };
}

const ADAMW_WORKGROUP = 256;

export async function prepareAdamW(ctx: GpuContext, args: AdamWArgs): Promise<KernelCall> {
  if (args.count < 1) throw new RangeError(`AdamW needs a positive element count, got ${args.count}`);
  const vec4 = fitsVec4(args.count, [args.param, args.grad, args.m, args.v]);
  const invocations = vec4 ? args.count / 4 : args.count;
  const pipeline = await ctx.pipelines.get({ shader: 'adamw', defines: { VEC4: vec4 } });
  const region = ctx.createUniform(new Uint32Array(packUniform([invocations, args.decay ? 1 : 0, 0, 0])), 'adamw.region');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.param, args.grad, args.m, args.v, args.hyper, args.stats, region])],
    grid: linearGrid(ctx, invocations, ADAMW_WORKGROUP),
    label: 'adamw',
    uniforms: [region],
    flops: args.count * 16,
    bytes: args.count * 28,
  };
}
