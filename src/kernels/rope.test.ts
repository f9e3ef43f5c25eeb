/**
 * RoPE on the GPU, both llama.cpp styles, forward and inverse (backward), against the double-precision
 * reference (|gpu − ref| ≤ 2e-6 + 2e-5·|ref|; the table is f32-rounded) and against finite differences
 * of the reference forward (normwise relative error ≤ 1e-4).
 */
import { afterEach, beforeAll, describe, it } from 'vitest';
import { testGpu } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import { assertClose } from './compare.ts';
import { assertGradientClose, numericalGradient, weightedSum } from './reference/gradient-check.ts';
import { ropeRef, type RopeShape } from './reference/rope.ts';
import { prepareRope, ropeTable } from './rope.ts';
import { Scratch } from './scratch.ts';

let ctx: GpuContext;
let scratch: Scratch;
beforeAll(async () => {
  ctx = await testGpu();
});
afterEach(() => scratch?.dispose());

const TOLERANCE = { atol: 2e-6, rtol: 2e-5 };

async function ropeOnGpu(x: ArrayLike<number>, positions: number[], shape: RopeShape, maxPositions: number, inverse = false): Promise<Float32Array> {
  scratch = new Scratch(ctx);
  const rotaryDims = shape.rotaryDims ?? shape.headDim;
  const xb = scratch.f32(x);
  const call = await prepareRope(ctx, {
    x: xb,
    positions: scratch.u32(positions),
    table: scratch.f32(ropeTable(shape.base, rotaryDims, maxPositions)),
    ...shape,
    maxPositions,
    inverse,
  });
  await scratch.run(call);
  return scratch.read(xb, x.length);
}

describe('rope on the GPU', () => {
  for (const style of ['normal', 'neox'] as const) {
    it(`${style} style matches the reference, forward and inverse`, async () => {
      const rng = new Rng(31);
      const cases: RopeShape[] = [
        { tokens: 1, heads: 1, headDim: 2, base: 10000, style },
        { tokens: 7, heads: 3, headDim: 10, base: 10000, style },
        { tokens: 37, heads: 5, headDim: 64, base: 1e6, style },
        { tokens: 19, heads: 2, headDim: 12, rotaryDims: 8, base: 500, style },
      ];
      for (const shape of cases) {
        const maxPositions = 1024;
        // Packed sequences restart positions, so ids repeat and jump.
        const positions = Array.from({ length: shape.tokens }, () => rng.int(0, maxPositions - 1));
        const x = rng.floats(shape.tokens * shape.heads * shape.headDim);
        const label = `${style} ${shape.tokens}×${shape.heads}×${shape.headDim} rotary ${shape.rotaryDims ?? shape.headDim}`;
        assertClose(`${label} forward`, await ropeOnGpu(x, positions, shape, maxPositions), ropeRef(x, positions, shape), TOLERANCE);
        assertClose(`${label} inverse`, await ropeOnGpu(x, positions, shape, maxPositions, true), ropeRef(x, positions, shape, true), TOLERANCE);
      }
    });

    it(`${style} backward matches finite differences of the reference`, async () => {
      const rng = new Rng(32);
      const shape: RopeShape = { tokens: 4, heads: 2, headDim: 6, base: 10000, style };
      const positions = [0, 3, 1, 0];
      const x = Float64Array.from(rng.floats(4 * 2 * 6));
      const dy = rng.floats(x.length);
      const dx = await ropeOnGpu(dy, positions, shape, 8, true);
      const loss = () => weightedSum(ropeRef(x, positions, shape), dy);
      assertGradientClose(`${style} dx`, dx, numericalGradient(loss, x), 1e-4);
    });
  }
});
