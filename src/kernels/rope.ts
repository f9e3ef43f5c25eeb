/** Rotary position embeddings in place, forward or inverse (shaders/rope.wgsl), f32. */
import type { GpuContext } from '../gpu/context.ts';
import { linearGrid, packUniform, type KernelCall, type StorageBinding } from './common.ts';
import type { RopeStyle } from './reference/rope.ts';

export type { RopeStyle } from './reference/rope.ts';

/**
 * (cos, sin) of position·base^(−2p/rotaryDims) for positions 0 .. maxPositions−1 and pairs
 * p < rotaryDims/2, computed in double precision: [maxPositions, rotaryDims/2] pairs, interleaved.
 */
export function ropeTable(base: number, rotaryDims: number, maxPositions: number): Float32Array {
  if (rotaryDims < 2 || rotaryDims % 2 !== 0) throw new RangeError(`RoPE rotary dimensions must be even and at least 2, got ${rotaryDims}`);
  const half = rotaryDims / 2;
  const table = new Float32Array(maxPositions * half * 2);
  for (let position = 0; position < maxPositions; position++) {
    for (let p = 0; p < half; p++) {
      const angle = position * base ** ((-2 * p) / rotaryDims);
      table[(position * half + p) * 2] = Math.cos(angle);
      table[(position * half + p) * 2 + 1] = Math.sin(angle);
    }
  }
  return table;
}

export interface RopeArgs {
  /** tokens×heads×headDim, rotated in place. */
  x: StorageBinding;
  /** One u32 position id per token, each below maxPositions (checked by the caller). */
  positions: StorageBinding;
  /** ropeTable(base, rotaryDims, maxPositions) in a storage buffer. */
  table: StorageBinding;
  tokens: number;
  heads: number;
  headDim: number;
  /** Default headDim. */
  rotaryDims?: number;
  maxPositions: number;
  style: RopeStyle;
  /** Rotate by −angle: the backward pass of RoPE. */
  inverse?: boolean;
}

const WORKGROUP = 256;

export async function prepareRope(ctx: GpuContext, args: RopeArgs): Promise<KernelCall> {
  const rotaryDims = args.rotaryDims ?? args.headDim;
  if (rotaryDims % 2 !== 0 || rotaryDims < 2 || rotaryDims > args.headDim) {
    throw new RangeError(`RoPE rotary dimensions must be even and between 2 and headDim ${args.headDim}, got ${rotaryDims}`);
  }
  if (args.tokens < 1 || args.heads < 1 || args.maxPositions < 1) throw new RangeError(`RoPE needs positive sizes, got tokens=${args.tokens} heads=${args.heads} maxPositions=${args.maxPositions}`);
  const pipeline = await ctx.pipelines.get({ shader: 'rope', defines: { NEOX: args.style === 'neox', INVERSE: Boolean(args.inverse) } });
  const half = rotaryDims / 2;
  const uniform = ctx.createUniform(new Uint32Array(packUniform([args.tokens, args.heads, args.headDim, half, args.maxPositions, 0, 0, 0])), 'rope.params');
  const pairs = args.tokens * args.heads * half;
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.x, args.positions, args.table, uniform])],
    grid: linearGrid(ctx, pairs, WORKGROUP),
    label: args.inverse ? 'rope-backward' : 'rope',
    uniforms: [uniform],
    flops: pairs * 6,
    bytes: pairs * (4 * 4 + 8) + args.tokens * 4,
  };
}
