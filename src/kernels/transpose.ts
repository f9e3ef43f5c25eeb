/** Matrix transpose (shaders/transpose.wgsl), f32. */
import type { GpuContext } from '../gpu/context.ts';
import { fitsVec4, linearGrid, packUniform, type KernelCall, type StorageBinding } from './common.ts';

const WORKGROUP = 256;

export interface TransposeArgs {
  /** rows×cols, row-major. */
  input: StorageBinding;
  /** cols×rows, row-major (written). */
  output: StorageBinding;
  rows: number;
  cols: number;
}

export async function prepareTranspose(ctx: GpuContext, args: TransposeArgs): Promise<KernelCall> {
  const { rows, cols } = args;
  if (rows < 1 || cols < 1) throw new RangeError(`transpose needs positive sizes, got rows=${rows} cols=${cols}`);
  const vec4 = rows % 4 === 0 && fitsVec4(cols, [args.input, args.output]);
  const pipeline = await ctx.pipelines.get({ shader: 'transpose', defines: { VEC4: vec4 } });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([rows, cols])), 'transpose.params');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.input, args.output, uniform])],
    grid: linearGrid(ctx, vec4 ? (rows * cols) / 16 : rows * cols, WORKGROUP),
    label: 'transpose',
    uniforms: [uniform],
    flops: 0,
    bytes: rows * cols * 8,
  };
}
