/** Masked cross-entropy over the vocabulary with an in-place logits gradient (shaders/cross-entropy.wgsl), f32. */
import type { GpuContext } from '../gpu/context.ts';
import { splitWorkgroups } from '../gpu/dispatch.ts';
import { packUniform, rowWorkgroup, type KernelCall, type StorageBinding } from './common.ts';

export interface CrossEntropyArgs {
  /** rows×vocab logits of global rows rowOffset .. rowOffset+rows; overwritten by dlogits when `gradient`. */
  logits: StorageBinding;
  /** u32 target id per global row (all rows, not only this chunk). */
  targets: StorageBinding;
  /** f32 loss weight per global row: 1 counts the token, 0 leaves it out. */
  mask: StorageBinding;
  /** f32 per global row: mask·loss (written). */
  rowLoss: StorageBinding;
  /** One f32: the factor applied to dlogits, usually 1 / Σ mask. Read only with `gradient`. */
  gradScale: StorageBinding;
  rows: number;
  vocab: number;
  rowOffset?: number;
  /** Also write dlogits in place of the logits. */
  gradient?: boolean;
}

export interface CrossEntropyReduceArgs {
  mask: StorageBinding;
  rowLoss: StorageBinding;
  /** Three f32 (written): Σ mask·loss, Σ mask and their ratio, 0 when Σ mask = 0. */
  stats: StorageBinding;
  /** Every row of the batch. */
  rows: number;
}

const WORKGROUP = 256;

export async function prepareCrossEntropy(ctx: GpuContext, args: CrossEntropyArgs): Promise<KernelCall> {
  const { rows, vocab } = args;
  if (rows < 1 || vocab < 1) throw new RangeError(`cross-entropy needs positive sizes, got rows=${rows} vocab=${vocab}`);
  const pipeline = await ctx.pipelines.get({ shader: 'cross-entropy', entryPoint: 'rows', defines: { GRAD: Boolean(args.gradient), WG: rowWorkgroup(ctx, WORKGROUP) } });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([rows, vocab, args.rowOffset ?? 0, 0])), 'cross-entropy.params');
  const resources = [args.logits, args.targets, args.mask, args.rowLoss, args.gradient ? args.gradScale : null, uniform];
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, resources)],
    grid: splitWorkgroups(rows, ctx.limits.maxComputeWorkgroupsPerDimension),
    label: args.gradient ? 'cross-entropy-with-gradient' : 'cross-entropy',
    uniforms: [uniform],
    flops: rows * vocab * (args.gradient ? 8 : 4),
    bytes: rows * vocab * 4 * (args.gradient ? 3 : 1) + rows * 12,
  };
}

export async function prepareCrossEntropyReduce(ctx: GpuContext, args: CrossEntropyReduceArgs): Promise<KernelCall> {
  const pipeline = await ctx.pipelines.get({ shader: 'cross-entropy', entryPoint: 'reduce', defines: { GRAD: false, WG: rowWorkgroup(ctx, WORKGROUP) } });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([args.rows, 0, 0, 0])), 'cross-entropy-reduce.params');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [null, null, args.mask, args.rowLoss, null, uniform, args.stats])],
    grid: [1, 1, 1],
    label: 'cross-entropy-reduce',
    uniforms: [uniform],
    flops: args.rows * 2,
    bytes: args.rows * 8 + 12,
  };
}
