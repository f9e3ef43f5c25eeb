import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context.ts';
import { KERNEL_TUNINGS, testGpu, useTuning, withTuning } from '../../test/gpu.ts';
import { checkElementwise, checkGemv, checkMatmul, checkRmsNorm, checkSoftmax, checkTranspose, type KernelCheck, type MatmulCase } from './checks.ts';
import { Rng } from '../util/random.ts';
import { fitsVec4, releaseCall, type DType } from './common.ts';
import { prepareMatmul, vec4Obstacle } from './matmul.ts';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await testGpu();
});

function expectPass(check: KernelCheck): void {
  expect(check.comparison.ok, check.message).toBe(true);
}

function dtypes(): DType[] {
  // lavapipe offers shader-f16; a CI adapter without it is a failure of the set-up, not a skip.
  expect(ctx.hasF16, 'the Node test adapter must offer shader-f16').toBe(true);
  return ['f32', 'f16'];
}

describe('elementwise kernels', () => {
  for (const op of ['add', 'mul', 'silu'] as const) {
    it(`${op} matches reference on awkward sizes`, async () => {
      for (const dtype of dtypes()) {
        // Multiples of 4 take the vec4 variant, the others the scalar one.
        for (const n of [1, 3, 4, 255, 257, 1020, 1023, 65_536, 65_537]) expectPass(await checkElementwise(ctx, op, n, dtype, n));
      }
    });
  }

  it('add covers a 2D grid past 65535 workgroups', async () => {
    // 256 × 65536 + 5 elements need 65537 workgroups of 256, so the grid gets a second dimension.
    expectPass(await checkElementwise(ctx, 'add', 256 * 65_536 + 5, 'f32', 9));
  });
});

describe('matmul kernel', () => {
  it('matches reference on random shapes', async () => {
    const rng = new Rng(42);
    for (const dtype of dtypes()) {
      for (let trial = 0; trial < 8; trial++) {
        const shape = { m: rng.int(1, 70), n: rng.int(1, 70), k: rng.int(1, 90) };
        expectPass(await checkMatmul(ctx, shape, dtype, trial));
      }
    }
  });

  it('handles transposed operands and batches', async () => {
    for (const dtype of dtypes()) {
      expectPass(await checkMatmul(ctx, { m: 13, n: 17, k: 31, transB: true }, dtype));
      expectPass(await checkMatmul(ctx, { m: 33, n: 5, k: 7, transA: true }, dtype));
      expectPass(await checkMatmul(ctx, { m: 9, n: 11, k: 6, transA: true, transB: true }, dtype));
      expectPass(await checkMatmul(ctx, { m: 10, n: 7, k: 5, batch: 3 }, dtype));
      expectPass(await checkMatmul(ctx, { m: 10, n: 7, k: 5, residual: true }, dtype));
      expectPass(await checkMatmul(ctx, { m: 8, n: 8, k: 8, accumulate: true, variant: 'tiled' }, dtype));
    }
  });

  it('matmul-vec4 in each layout and tuning', async () => {
    const rng = new Rng(44);
    const layouts: Pick<MatmulCase, 'transA' | 'transB'>[] = [{}, { transB: true }, { transA: true }];
    // Inner sizes are multiples of 4 but not of the workgroup's 8 rows or 32 columns.
    const four = (max: number) => 4 * rng.int(1, max);
    for (const tuning of KERNEL_TUNINGS) {
      await withTuning(ctx, tuning, async () => {
        for (const dtype of dtypes()) {
          for (const layout of layouts) {
            for (let trial = 0; trial < 3; trial++) {
              const shape: MatmulCase = { ...layout, m: layout.transA ? four(11) : rng.int(1, 45), n: four(13), k: layout.transA ? rng.int(1, 50) : four(17) };
              expectPass(await checkMatmul(ctx, { ...shape, variant: 'vec4' }, dtype, trial));
            }
            expectPass(await checkMatmul(ctx, { ...layout, m: 12, n: 20, k: 36, batch: 3, accumulate: true, variant: 'vec4' }, dtype));
            expectPass(await checkMatmul(ctx, { ...layout, m: layout.transA ? 8 : 9, n: 12, k: 20, residual: true, variant: 'vec4' }, dtype));
          }
        }
      });
    }
  });

  it('matmul-vec4 selection and obstacles', async () => {
    const fake = (bytes: number) => ({ size: bytes }) as GPUBuffer;
    const operands = (m: number, n: number, k: number) => ({ a: fake(m * k * 4), b: fake(k * n * 4), c: fake(m * n * 4), m, n, k });
    expect(vec4Obstacle(operands(5, 8, 12))).toBeNull();
    expect(vec4Obstacle({ ...operands(5, 8, 12), transB: true })).toBeNull();
    expect(vec4Obstacle({ ...operands(8, 8, 5), transA: true })).toBeNull();
    expect(vec4Obstacle(operands(5, 6, 12))).toMatch(/n = 6/);
    expect(vec4Obstacle(operands(5, 8, 13))).toMatch(/k = 13/);
    expect(vec4Obstacle({ ...operands(6, 8, 5), transA: true })).toMatch(/m = 6/);
    expect(vec4Obstacle({ ...operands(8, 8, 8), transA: true, transB: true })).toMatch(/both transposed/);
    expect(vec4Obstacle({ ...operands(4, 4, 4), a: { buffer: fake(256), offset: 0, size: 40 } })).toMatch(/binding a/);
    expect(fitsVec4(8, [fake(32), null])).toBe(true);
    expect(fitsVec4(6, [fake(24)])).toBe(false);

    const buffers = [ctx.createStorage(12 * 4), ctx.createStorage(12 * 4), ctx.createStorage(12 * 4)];
    try {
      const [a, b, c] = buffers;
      const odd = await prepareMatmul(ctx, { a, b, c, m: 3, n: 3, k: 4 });
      expect(odd.label).toBe('matmul');
      const even = await prepareMatmul(ctx, { a, b, c, m: 3, n: 4, k: 4 });
      expect(even.label).toBe('matmul-vec4');
      await expect(prepareMatmul(ctx, { a, b, c, m: 3, n: 3, k: 4, variant: 'vec4' })).rejects.toThrow(/matmul-vec4 cannot run this product: n = 3/);
      await expect(prepareMatmul(ctx, { a, b, c, m: 3, n: 4, k: 4, accumulate: true, residual: a })).rejects.toThrow(/either accumulate or a residual/);
      // Too many row groups for matmul-vec4 (8 rows each) but not for the tiled kernel (32 rows each).
      const tall = 8 * ctx.limits.maxComputeWorkgroupsPerDimension + 8;
      const tallA = ctx.createStorage(tall * 4 * 4);
      const tallC = ctx.createStorage(tall * 4 * 4);
      buffers.push(tallA, tallC);
      const tallCall = await prepareMatmul(ctx, { a: tallA, b, c: tallC, m: tall, n: 4, k: 4 });
      expect(tallCall.label).toBe('matmul');
      releaseCall(ctx, tallCall);
    } finally {
      for (const buffer of buffers) ctx.release(buffer);
    }
  });

  it('is exact on one element and on a 129×127 product', async () => {
    expectPass(await checkMatmul(ctx, { m: 1, n: 1, k: 1 }, 'f32'));
    expectPass(await checkMatmul(ctx, { m: 129, n: 127, k: 133 }, 'f32'));
  });
});

describe('transpose kernel', () => {
  it('matches reference on awkward and vec4 shapes', async () => {
    // Both sizes multiples of 4 take the 4×4-block variant.
    for (const [rows, cols] of [[1, 1], [3, 5], [4, 8], [7, 64], [12, 20], [64, 176], [65, 129], [300, 4]]) {
      expectPass(await checkTranspose(ctx, rows, cols, rows + cols));
    }
  });
});

describe('gemv kernel', () => {
  it('matches reference with and without subgroups', async () => {
    for (const dtype of dtypes()) {
      for (const [n, k] of [[1, 1], [7, 3], [65, 129], [300, 1001]]) {
        expectPass(await checkGemv(ctx, n, k, dtype, n, true));
        expectPass(await checkGemv(ctx, n, k, dtype, n, false));
      }
    }
  });
});

describe('row kernels', () => {
  it('softmax matches reference', async () => {
    for (const dtype of dtypes()) {
      for (const [rows, cols] of [[1, 1], [3, 5], [17, 63], [5, 1001]]) expectPass(await checkSoftmax(ctx, rows, cols, dtype, cols));
    }
  });

});

describe.each(KERNEL_TUNINGS)('rmsnorm, %s kernels', (tuning) => {
  useTuning(() => ctx, tuning);

  it('matches reference', async () => {
    for (const dtype of dtypes()) {
      // Column counts that are multiples of 4 take the vec4 variant.
      for (const [rows, cols] of [[1, 1], [3, 7], [5, 64], [17, 65], [4, 1003], [3, 1004]]) expectPass(await checkRmsNorm(ctx, rows, cols, dtype, cols));
    }
  });
});
