/** RMSNorm gradients with respect to the input and the weight (shaders/norm-backward.wgsl), f32. */
import type { GpuContext } from '../gpu/context.ts';
import { ceilDiv, splitWorkgroups } from '../gpu/dispatch.ts';
import { fitsVec4, packUniform, rowWorkgroup, type KernelCall, type StorageBinding } from './common.ts';

export interface RmsNormBackwardArgs {
  /** Forward input, rows×cols. */
  x: StorageBinding;
  weight: StorageBinding;
  /** Gradient of the forward output, rows×cols. */
  dy: StorageBinding;
  /** Gradient of the input (written), rows×cols. */
  dx: StorageBinding;
  /** Per-row 1/RMS (written by the first call, read by the second), rows floats. */
  rstd: StorageBinding;
  /** Gradient of the weight, cols floats. */
  dweight: StorageBinding;
  /** Gradient that reaches x through a residual connection, added to dx. */
  residual?: StorageBinding;
  rows: number;
  cols: number;
  eps: number;
  /** Add to dweight instead of overwriting it (gradient accumulation). */
  accumulate?: boolean;
}

const WORKGROUP = 64;

/** Returns two calls to run in order: dx (and rstd), then dweight. */
export async function prepareRmsNormBackward(ctx: GpuContext, args: RmsNormBackwardArgs): Promise<KernelCall[]> {
  const { rows, cols } = args;
  if (rows < 1 || cols < 1) throw new RangeError(`rmsnorm backward needs positive sizes, got rows=${rows} cols=${cols}`);
  const vec4 = fitsVec4(cols, [args.x, args.weight, args.dy, args.dx, args.dweight, args.residual]);
  const defines = { WG: rowWorkgroup(ctx, WORKGROUP), RESIDUAL: Boolean(args.residual), ACCUMULATE: Boolean(args.accumulate), VEC4: vec4 };
  const inputPipeline = await ctx.pipelines.get({ shader: 'norm-backward', entryPoint: 'backward_input', defines });
  const weightPipeline = await ctx.pipelines.get({ shader: 'norm-backward', entryPoint: 'backward_weight', defines });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([rows, cols, args.eps], [2])), 'rmsnorm-backward.params');
  const elements = rows * cols;
  const input: KernelCall = {
    pipeline: inputPipeline,
    bindGroups: [ctx.bindGroup(inputPipeline, [args.x, args.weight, args.dy, args.dx, args.rstd, uniform, args.residual ?? null])],
    grid: splitWorkgroups(rows, ctx.limits.maxComputeWorkgroupsPerDimension),
    label: 'rmsnorm-backward-input',
    uniforms: [uniform],
    flops: elements * 9,
    bytes: (elements * (args.residual ? 4 : 3) + cols + rows) * 4,
  };
  const weight: KernelCall = {
    pipeline: weightPipeline,
    bindGroups: [ctx.bindGroup(weightPipeline, [args.x, null, args.dy, null, args.rstd, uniform, null, args.dweight])],
    grid: [ceilDiv(vec4 ? cols / 4 : cols, 64), 1, 1],
    label: 'rmsnorm-backward-weight',
    // The uniform is shared with the first call, which owns it.
    uniforms: [],
    flops: elements * 3,
    bytes: (elements * 2 + rows + cols * (args.accumulate ? 2 : 1)) * 4,
  };
  return [input, weight];
}
