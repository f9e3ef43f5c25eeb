import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context.ts';
import { dequantize } from '../../model/quant/index.ts';
import { Rng } from '../../util/random.ts';
import { testGpu } from '../../../test/gpu.ts';
import { runCalls } from '../common.ts';
import type { KernelCheck } from '../checks.ts';
import { checkQEmbedding } from './checks.ts';
import { prepareQEmbedding } from './embedding.ts';
import { WEIGHT_TYPES, type WeightType } from './formats.ts';
import { randomWeightBytes } from './random-weights.ts';
import { dequantizeWeight } from './reference.ts';
import { releaseQuantWeight, uploadWeight } from './weights.ts';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await testGpu();
});

function expectPass(check: KernelCheck): void {
  expect(check.comparison.ok, check.message).toBe(true);
}

const COLUMNS: Record<WeightType, number> = { F32: 37, F16: 130, Q4_0: 96, Q8_0: 160, Q4_K: 512, Q6_K: 256 };

describe('quantized embedding gather', () => {
  it('matches reference for every type', async () => {
    for (const [index, type] of WEIGHT_TYPES.entries()) {
      for (const tokens of [1, 13, 130]) expectPass(await checkQEmbedding(ctx, dequantize, { type, n: 29, k: COLUMNS[type], tokens }, 10 * index + tokens));
    }
  });

  it('dequantizes a whole weight when every row is gathered', async () => {
    const rng = new Rng(4);
    const [type, n, k] = ['Q4_K', 17, 256] as const;
    const bytes = randomWeightBytes(type, n, k, rng);
    const weight = uploadWeight(ctx, { type, rows: n, cols: k, bytes });
    const ids = ctx.createStorage(Uint32Array.from({ length: n }, (_, i) => i));
    // A stride wider than a row, so the gather can fill a slice of a larger buffer.
    const stride = k + 3;
    const out = ctx.createStorage(new Float32Array(n * stride).fill(9));
    await runCalls(ctx, await prepareQEmbedding(ctx, { weight, ids, out, tokens: n, outStride: stride }));
    const gpu = await ctx.readF32(out, n * stride);
    const cpu = dequantizeWeight(dequantize, type, bytes, n, k);
    for (let r = 0; r < n; r++) {
      expect([...gpu.subarray(r * stride, r * stride + k)], `row ${r}`).toEqual([...cpu.subarray(r * k, (r + 1) * k)]);
      expect([...gpu.subarray(r * stride + k, (r + 1) * stride)], `padding after row ${r}`).toEqual([9, 9, 9]);
    }
    releaseQuantWeight(ctx, weight);
    ctx.release(ids);
    ctx.release(out);
  });

  it('rejects buffers that are too small', async () => {
    const rng = new Rng(5);
    const weight = uploadWeight(ctx, { type: 'Q8_0', rows: 4, cols: 32, bytes: randomWeightBytes('Q8_0', 4, 32, rng) });
    const ids = ctx.createStorage(8);
    const out = ctx.createStorage(2 * 32 * 4);
    try {
      await expect(prepareQEmbedding(ctx, { weight, ids, out, tokens: 3 })).rejects.toThrow('qembedding: ids binding has 8 bytes, 12 needed for 3 u32 token ids');
      await expect(prepareQEmbedding(ctx, { weight, ids, out, tokens: 2, outStride: 40 })).rejects.toThrow('qembedding: out binding has 256 bytes, 288 needed for 2 rows with a stride of 40 f32 values');
    } finally {
      releaseQuantWeight(ctx, weight);
      ctx.release(ids);
      ctx.release(out);
    }
  });
});
