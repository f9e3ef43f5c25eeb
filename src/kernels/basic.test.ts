import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context.ts';
import { testGpu } from '../../test/gpu.ts';
import { checkElementwise, checkGemv, checkMatmul, checkRmsNorm, checkSoftmax, type KernelCheck } from './checks.ts';
import { Rng } from '../util/random.ts';
import type { DType } from './common.ts';

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
        for (const n of [1, 3, 255, 257, 1023, 65_537]) expectPass(await checkElementwise(ctx, op, n, dtype, n));
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
    }
  });

  it('is exact on one element and on a 129×127 product', async () => {
    expectPass(await checkMatmul(ctx, { m: 1, n: 1, k: 1 }, 'f32'));
    expectPass(await checkMatmul(ctx, { m: 129, n: 127, k: 133 }, 'f32'));
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

  it('rmsnorm matches reference', async () => {
    for (const dtype of dtypes()) {
      for (const [rows, cols] of [[1, 1], [3, 7], [17, 65], [4, 1003]]) expectPass(await checkRmsNorm(ctx, rows, cols, dtype, cols));
    }
  });
});
