import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context.ts';
import { dequantize, quantize } from '../../model/quant/index.ts';
import { Rng } from '../../util/random.ts';
import { testGpu } from '../../../test/gpu.ts';
import { releaseCall, runCalls } from '../common.ts';
import type { KernelCheck } from '../checks.ts';
import { assertClose } from '../compare.ts';
import { checkQMatmul, padRows, quantTolerance } from './checks.ts';
import { WEIGHT_FORMATS, WEIGHT_TYPES, rowLayout, type WeightType } from './formats.ts';
import { prepareQMatmul, setQMatmulTokens } from './matmul.ts';
import { randomWeightBytes } from './random-weights.ts';
import { dequantizeWeight, qmatmulRef } from './reference.ts';
import { releaseQuantWeight, uploadWeight } from './weights.ts';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await testGpu();
});

function expectPass(check: KernelCheck): void {
  expect(check.comparison.ok, check.message).toBe(true);
}

/** Row lengths per type: block multiples for the block types, anything for F32 and F16. */
const COLUMNS: Record<WeightType, number[]> = {
  F32: [1, 37, 64],
  F16: [3, 44, 129],
  Q4_0: [32, 96, 288],
  Q8_0: [32, 160],
  Q4_K: [256, 768],
  Q6_K: [256, 512],
};

describe('quantized GEMV', () => {
  it('matches reference for every type on awkward row counts', async () => {
    for (const type of WEIGHT_TYPES) {
      for (const [index, k] of COLUMNS[type].entries()) {
        // 1, 7 and 67 rows: none a multiple of the 4 rows per workgroup or of the 64 invocations.
        for (const n of [1, 7, 67]) expectPass(await checkQMatmul(ctx, dequantize, { type, n, k }, 10 * index + n));
      }
    }
  });

  it('matches reference with the shared-memory reduction', async () => {
    expect(ctx.hasSubgroups, 'the Node test adapter must offer subgroups, or the default path is not covered').toBe(true);
    expectPass(await checkQMatmul(ctx, dequantize, { type: 'Q6_K', n: 29, k: 512, subgroups: false }, 5));
  });

  it('matches reference on quantizer output', async () => {
    // Realistic blocks: what llama.cpp's quantizers write for normally distributed weights.
    const rng = new Rng(11);
    for (const type of WEIGHT_TYPES) {
      const n = 13;
      const k = 512;
      const values = new Float32Array(n * k).map(() => rng.normal() * 0.05);
      const bytes = quantize(WEIGHT_FORMATS[type].ggmlType, values);
      expectPass(await checkQMatmul(ctx, dequantize, { type, n, k }, 12, bytes));
    }
  });

  it('adds a bias and accumulates into y', async () => {
    for (const type of ['F16', 'Q4_K'] as const) {
      expectPass(await checkQMatmul(ctx, dequantize, { type, n: 45, k: 256, bias: true, accumulate: true }, 3));
    }
  });
});

describe('quantized thin GEMM', () => {
  it('matches reference for every type and several token counts', async () => {
    // Token counts rotate over the types so each tile of 8, 16 and 32 tokens is covered without
    // compiling every combination; 40 needs two tiles, 2 leaves most of a tile empty.
    const tokenCounts = [2, 9, 17, 40, 5];
    for (const [index, type] of WEIGHT_TYPES.entries()) {
      const k = COLUMNS[type][1];
      for (const m of [tokenCounts[index % 5], tokenCounts[(index + 2) % 5]]) {
        expectPass(await checkQMatmul(ctx, dequantize, { type, n: 35, k, m }, 100 * index + m));
      }
    }
  });

  it('matches reference on a prefill-sized chunk and wide tiles', async () => {
    expectPass(await checkQMatmul(ctx, dequantize, { type: 'Q4_K', n: 21, k: 256, m: 131 }, 4));
    expectPass(await checkQMatmul(ctx, dequantize, { type: 'Q6_K', n: 70, k: 256, m: 12, rowsPerWorkgroup: 32 }, 5));
    expectPass(await checkQMatmul(ctx, dequantize, { type: 'Q4_0', n: 130, k: 160, m: 33, rowsPerWorkgroup: 64 }, 6));
  });

  it('matches reference with the direct kernel for several tokens', async () => {
    // The fallback for devices whose workgroup memory is too small for the tiles; 7 tokens need two
    // tiles of 4, and the shared-memory reduction sums 2 rows × 4 tokens per invocation.
    expectPass(await checkQMatmul(ctx, dequantize, { type: 'Q4_K', n: 11, k: 256, m: 7, strategy: 'direct', subgroups: false }, 7));
  });

  it('adds a bias and accumulates into y', async () => {
    expectPass(await checkQMatmul(ctx, dequantize, { type: 'Q6_K', n: 9, k: 256, m: 6, bias: true, accumulate: true }, 8));
  });

  it('runs fewer tokens after setQMatmulTokens', async () => {
    const rng = new Rng(21);
    const type = 'Q4_0';
    const [n, k, maxTokens] = [23, 96, 8];
    const bytes = randomWeightBytes(type, n, k, rng);
    const weight = uploadWeight(ctx, { type, rows: n, cols: k, bytes });
    const x = rng.floats(maxTokens * k);
    const xBuffer = ctx.createStorage(x);
    const yBuffer = ctx.createStorage(new Float32Array(maxTokens * n).fill(-7));
    const calls = await prepareQMatmul(ctx, { weight, x: xBuffer, y: yBuffer, m: maxTokens });
    const w = dequantizeWeight(dequantize, type, bytes, n, k);
    try {
      for (const m of [5, 1, 8]) {
        setQMatmulTokens(ctx, calls, m);
        await ctx.run(calls);
        const y = await ctx.readF32(yBuffer, m * n);
        assertClose(`y with m=${m}`, y, qmatmulRef({ w, x: x.subarray(0, m * k), n, k, m }), quantTolerance(k));
      }
      expect(() => setQMatmulTokens(ctx, calls, 9)).toThrow(/token count 9 is outside 1…8/);
    } finally {
      for (const call of calls) releaseCall(ctx, call);
      releaseQuantWeight(ctx, weight);
      ctx.release(xBuffer);
      ctx.release(yBuffer);
    }
  });
});

describe('quantized matmul arguments', () => {
  it('rejects an activation buffer without the padded row stride', async () => {
    const rng = new Rng(3);
    const weight = uploadWeight(ctx, { type: 'F32', rows: 4, cols: 37, bytes: randomWeightBytes('F32', 4, 37, rng) });
    const unpadded = ctx.createStorage(37 * 4);
    const x = ctx.createStorage(2 * 40 * 4);
    const y = ctx.createStorage(2 * 4 * 4);
    try {
      await expect(prepareQMatmul(ctx, { weight, x: unpadded, y })).rejects.toThrow(/x binding has 148 bytes, 160 needed; it must hold 1 rows of 40 f32 values \(K = 37, rounded up to 8\)/);
      await expect(prepareQMatmul(ctx, { weight, x, y, yStride: 3 })).rejects.toThrow(/yStride 3 is smaller than the 4 output columns/);
      await expect(prepareQMatmul(ctx, { weight, x, y, m: 2, strategy: 'direct', tileTokens: 32, rowsPerWorkgroup: 2 })).rejects.toThrow(/at most 32 fit/);
      await expect(prepareQMatmul(ctx, { weight, x, y, m: 2, rowsPerWorkgroup: 2 })).rejects.toThrow(/the tiled kernel takes rowsPerWorkgroup 64, 32, 16, got 2/);
    } finally {
      releaseQuantWeight(ctx, weight);
      for (const buffer of [unpadded, x, y]) ctx.release(buffer);
    }
  });

  it('writes into a wider output with a row stride', async () => {
    const rng = new Rng(8);
    const [n, k, m, stride] = [6, 64, 3, 11];
    const bytes = randomWeightBytes('Q8_0', n, k, rng);
    const weight = uploadWeight(ctx, { type: 'Q8_0', rows: n, cols: k, bytes });
    const x = rng.floats(m * k);
    const xBuffer = ctx.createStorage(padRows(x, m, k, rowLayout('Q8_0', k).colsPadded));
    const yBuffer = ctx.createStorage(new Float32Array(m * stride).fill(5));
    const calls = await prepareQMatmul(ctx, { weight, x: xBuffer, y: yBuffer, m, yStride: stride });
    await runCalls(ctx, calls);
    const y = await ctx.readF32(yBuffer, m * stride);
    const expected = qmatmulRef({ w: dequantizeWeight(dequantize, 'Q8_0', bytes, n, k), x, n, k, m });
    for (let t = 0; t < m; t++) {
      assertClose(`row ${t}`, y.subarray(t * stride, t * stride + n), expected.subarray(t * n, (t + 1) * n), quantTolerance(k));
      expect([...y.subarray(t * stride + n, (t + 1) * stride)], `padding of row ${t}`).toEqual(new Array(stride - n).fill(5));
    }
    releaseQuantWeight(ctx, weight);
    ctx.release(xBuffer);
    ctx.release(yBuffer);
  });
});
