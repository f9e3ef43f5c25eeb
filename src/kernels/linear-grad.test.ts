/**
 * Matrix-product gradients of a linear layer y = x·Wᵀ (W in ggml's out×in layout) on the GPU:
 * dX = dY·W and dW = dYᵀ·X through shaders/matmul.wgsl's transposes, with and without accumulation.
 * GPU vs double-precision reference: |gpu − ref| ≤ atol + rtol·|ref| with atol 2e-6·sqrt(k), rtol 2e-5.
 * GPU vs finite differences of the reference forward: normwise relative error ≤ 1e-4.
 */
import { afterEach, beforeAll, describe, it } from 'vitest';
import { testGpu } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import { toleranceFor } from './checks.ts';
import { assertClose } from './compare.ts';
import { prepareMatmul } from './matmul.ts';
import { assertGradientClose, numericalGradient, weightedSum } from './reference/gradient-check.ts';
import { linearBackwardRef, linearRef } from './reference/linear.ts';
import { Scratch } from './scratch.ts';

let ctx: GpuContext;
let scratch: Scratch;
beforeAll(async () => {
  ctx = await testGpu();
});
afterEach(() => scratch?.dispose());

interface LinearGradients {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
}

/** Forward and both gradients on the GPU; dW starts from `dwStart` and is accumulated into. */
async function linearOnGpu(x: Float32Array, w: Float32Array, dy: Float32Array, rows: number, inF: number, outF: number, dwStart?: Float32Array): Promise<LinearGradients> {
  scratch = new Scratch(ctx);
  const xb = scratch.f32(x);
  const wb = scratch.f32(w);
  const dyb = scratch.f32(dy);
  const yb = scratch.zeros(rows * outF);
  const dxb = scratch.zeros(rows * inF);
  const dwb = dwStart ? scratch.f32(dwStart) : scratch.zeros(outF * inF);
  await scratch.run([
    await prepareMatmul(ctx, { a: xb, b: wb, c: yb, m: rows, n: outF, k: inF, transB: true }),
    await prepareMatmul(ctx, { a: dyb, b: wb, c: dxb, m: rows, n: inF, k: outF }),
    await prepareMatmul(ctx, { a: dyb, b: xb, c: dwb, m: outF, n: inF, k: rows, transA: true, accumulate: Boolean(dwStart) }),
  ]);
  return { y: await scratch.read(yb, rows * outF), dx: await scratch.read(dxb, rows * inF), dw: await scratch.read(dwb, outF * inF) };
}

describe('linear layer gradients on the GPU', () => {
  it('match the reference on awkward shapes', async () => {
    const rng = new Rng(11);
    for (const [rows, inF, outF] of [[1, 1, 1], [3, 5, 7], [37, 29, 65], [130, 67, 33]]) {
      const x = rng.floats(rows * inF);
      const w = rng.floats(outF * inF);
      const dy = rng.floats(rows * outF);
      const gpu = await linearOnGpu(x, w, dy, rows, inF, outF);
      const ref = linearBackwardRef(x, w, dy, rows, inF, outF);
      const shape = `${rows}×${inF}→${outF}`;
      assertClose(`y ${shape}`, gpu.y, linearRef(x, w, rows, inF, outF), toleranceFor('f32', inF));
      assertClose(`dx ${shape}`, gpu.dx, ref.dx, toleranceFor('f32', outF));
      assertClose(`dW ${shape}`, gpu.dw, ref.dw, toleranceFor('f32', rows));
    }
  });

  it('accumulate into an existing dW', async () => {
    const rng = new Rng(12);
    const [rows, inF, outF] = [9, 13, 6];
    const x = rng.floats(rows * inF);
    const w = rng.floats(outF * inF);
    const dy = rng.floats(rows * outF);
    const start = rng.floats(outF * inF);
    const gpu = await linearOnGpu(x, w, dy, rows, inF, outF, start);
    const expected = linearBackwardRef(x, w, dy, rows, inF, outF).dw.map((g, i) => g + start[i]);
    assertClose('accumulated dW', gpu.dw, expected, toleranceFor('f32', rows));
  });

  it('match finite differences of the reference', async () => {
    const rng = new Rng(13);
    const [rows, inF, outF] = [4, 5, 3];
    const x = Float64Array.from(rng.floats(rows * inF));
    const w = Float64Array.from(rng.floats(outF * inF));
    const dy = Float64Array.from(rng.floats(rows * outF));
    const gpu = await linearOnGpu(Float32Array.from(x), Float32Array.from(w), Float32Array.from(dy), rows, inF, outF);
    const loss = () => weightedSum(linearRef(x, w, rows, inF, outF), dy);
    assertGradientClose('dx', gpu.dx, numericalGradient(loss, x), 1e-4);
    assertGradientClose('dW', gpu.dw, numericalGradient(loss, w), 1e-4);
  });
});
