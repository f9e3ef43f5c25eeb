/**
 * RMSNorm backward on the GPU against the double-precision reference (|gpu − ref| ≤ 1e-5 + 1e-4·|ref|,
 * dweight's atol grows with sqrt(rows)) and against finite differences of the reference forward
 * (normwise relative error ≤ 1e-4).
 */
import { afterEach, beforeAll, describe, it } from 'vitest';
import { KERNEL_TUNINGS, testGpu, useTuning } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import { assertClose } from './compare.ts';
import { prepareRmsNormBackward } from './norm-backward.ts';
import { assertGradientClose, numericalGradient, weightedSum } from './reference/gradient-check.ts';
import { rmsNormBackwardRef, rmsNormForwardRef } from './reference/norm.ts';
import { Scratch } from './scratch.ts';

let ctx: GpuContext;
let scratch: Scratch;
beforeAll(async () => {
  ctx = await testGpu();
});
afterEach(() => scratch?.dispose());

interface NormCase {
  x: ArrayLike<number>;
  weight: ArrayLike<number>;
  dy: ArrayLike<number>;
  rows: number;
  cols: number;
  eps: number;
  residual?: ArrayLike<number>;
  dweightStart?: ArrayLike<number>;
}

async function normBackwardOnGpu(c: NormCase): Promise<{ dx: Float32Array; dweight: Float32Array; rstd: Float32Array }> {
  scratch = new Scratch(ctx);
  const dx = scratch.zeros(c.rows * c.cols);
  const rstd = scratch.zeros(c.rows);
  const dweight = c.dweightStart ? scratch.f32(c.dweightStart) : scratch.zeros(c.cols);
  const calls = await prepareRmsNormBackward(ctx, {
    x: scratch.f32(c.x),
    weight: scratch.f32(c.weight),
    dy: scratch.f32(c.dy),
    dx,
    rstd,
    dweight,
    residual: c.residual ? scratch.f32(c.residual) : undefined,
    rows: c.rows,
    cols: c.cols,
    eps: c.eps,
    accumulate: Boolean(c.dweightStart),
  });
  await scratch.run(calls);
  return { dx: await scratch.read(dx, c.rows * c.cols), dweight: await scratch.read(dweight, c.cols), rstd: await scratch.read(rstd, c.rows) };
}

describe.each(KERNEL_TUNINGS)('rmsnorm backward on the GPU, %s kernels', (tuning) => {
  useTuning(() => ctx, tuning);

  it('matches the reference on awkward shapes', async () => {
    const rng = new Rng(21);
    // Column counts that are multiples of 4 take the vec4 variant.
    for (const [rows, cols] of [[1, 1], [3, 7], [9, 64], [17, 65], [70, 131], [70, 260], [5, 1003]]) {
      const c: NormCase = { x: rng.floats(rows * cols, -3, 3), weight: rng.floats(cols, 0.5, 1.5), dy: rng.floats(rows * cols), rows, cols, eps: 1e-5 };
      const gpu = await normBackwardOnGpu(c);
      const ref = rmsNormBackwardRef(c.x, c.weight, c.dy, rows, cols, c.eps);
      assertClose(`dx ${rows}×${cols}`, gpu.dx, ref.dx, { atol: 1e-5, rtol: 1e-4 });
      assertClose(`dweight ${rows}×${cols}`, gpu.dweight, ref.dweight, { atol: 1e-5 * Math.sqrt(rows), rtol: 1e-4 });
      assertClose(`rstd ${rows}×${cols}`, gpu.rstd, rmsNormForwardRef(c.x, c.weight, rows, cols, c.eps).rstd, { atol: 0, rtol: 1e-5 });
    }
  });

  it.each([33, 36])('residual and accumulated dweight, %i columns', async (cols) => {
    const rng = new Rng(22);
    const rows = 6;
    const residual = rng.floats(rows * cols);
    const start = rng.floats(cols);
    const c: NormCase = { x: rng.floats(rows * cols), weight: rng.floats(cols), dy: rng.floats(rows * cols), rows, cols, eps: 1e-6, residual, dweightStart: start };
    const gpu = await normBackwardOnGpu(c);
    const ref = rmsNormBackwardRef(c.x, c.weight, c.dy, rows, cols, c.eps);
    assertClose('dx + residual', gpu.dx, ref.dx.map((g, i) => g + residual[i]), { atol: 1e-5, rtol: 1e-4 });
    assertClose('accumulated dweight', gpu.dweight, ref.dweight.map((g, i) => g + start[i]), { atol: 1e-5, rtol: 1e-4 });
  });

  it('matches finite differences of the reference', async () => {
    const rng = new Rng(23);
    const [rows, cols, eps] = [3, 9, 1e-5];
    const x = Float64Array.from(rng.floats(rows * cols, -2, 2));
    const weight = Float64Array.from(rng.floats(cols, 0.5, 1.5));
    const dy = Float64Array.from(rng.floats(rows * cols));
    const gpu = await normBackwardOnGpu({ x, weight, dy, rows, cols, eps });
    const loss = () => weightedSum(rmsNormForwardRef(x, weight, rows, cols, eps).y, dy);
    assertGradientClose('dx', gpu.dx, numericalGradient(loss, x), 1e-4);
    assertGradientClose('dweight', gpu.dweight, numericalGradient(loss, weight), 1e-4);
  });
});
