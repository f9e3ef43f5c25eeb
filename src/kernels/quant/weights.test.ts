import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context.ts';
import { dequantize, GgmlType, ggmlTypeInfo } from '../../model/quant/index.ts';
import { Rng } from '../../util/random.ts';
import { testGpu } from '../../../test/gpu.ts';
import { runCalls } from '../common.ts';
import type { KernelCheck } from '../checks.ts';
import { checkQEmbedding, checkQMatmul, padRows } from './checks.ts';
import { parseWeightType, rowLayout, WEIGHT_FORMATS, WEIGHT_TYPES, weightTypeFromGgml, type WeightType } from './formats.ts';
import { prepareQMatmul, type MatmulStrategy } from './matmul.ts';
import { randomWeightBytes } from './random-weights.ts';
import { createQuantWeight, planWeight, releaseQuantWeight, repackRows, uploadWeight, writeWeightRows } from './weights.ts';

describe('weight formats', () => {
  it('agree with the GGUF type table', () => {
    for (const type of WEIGHT_TYPES) {
      const format = WEIGHT_FORMATS[type];
      const info = ggmlTypeInfo(format.ggmlType as GgmlType);
      expect(info.name, `${type} id`).toBe(type);
      expect(format.blockSize, `${type} block size`).toBe(info.blockSize);
      expect(format.blockBytes, `${type} block bytes`).toBe(info.typeSize);
    }
  });

  it('name the supported types for an unknown one', () => {
    expect(weightTypeFromGgml(12)).toBe('Q4_K');
    expect(parseWeightType('q6_k')).toBe('Q6_K');
    expect(() => weightTypeFromGgml(GgmlType.Q5_K, 'blk.0.ffn_down.weight')).toThrow(
      'blk.0.ffn_down.weight: ggml type id 13 has no GPU kernel; supported types: F32, F16, Q4_0, Q8_0, Q4_K, Q6_K',
    );
    expect(() => parseWeightType('q5_1')).toThrow(/unknown weight type "q5_1"; supported types: F32, F16/);
  });

  it('lay rows out in 16-byte vectors', () => {
    expect(rowLayout('F32', 37)).toMatchObject({ colsPadded: 40, sourceBytes: 148, quantBytes: 160, scaleBytes: 0, units: 5 });
    expect(rowLayout('F16', 16)).toMatchObject({ colsPadded: 16, sourceBytes: 32, quantBytes: 32, units: 2 });
    expect(rowLayout('Q4_0', 96)).toMatchObject({ blocks: 3, sourceBytes: 54, quantBytes: 48, scaleBytes: 8, units: 3 });
    expect(rowLayout('Q8_0', 64)).toMatchObject({ blocks: 2, sourceBytes: 68, quantBytes: 64, scaleBytes: 4, units: 2 });
    expect(rowLayout('Q4_K', 512)).toMatchObject({ blocks: 2, sourceBytes: 288, quantBytes: 288, scaleBytes: 0, units: 8 });
    expect(rowLayout('Q6_K', 256)).toMatchObject({ blocks: 1, sourceBytes: 210, quantBytes: 208, scaleBytes: 4, units: 4 });
    for (const type of WEIGHT_TYPES) expect(rowLayout(type, 256 * 3).quantBytes % 16, type).toBe(0);
  });

  it('reject a row that is not whole blocks', () => {
    expect(() => rowLayout('Q4_K', 300)).toThrow('Q4_K stores rows in blocks of 256 values, so a row of 300 values is invalid; use a multiple of 256');
    expect(() => rowLayout('F16', 0)).toThrow(/positive whole number of columns, got 0/);
  });
});

describe('weight repacking', () => {
  it('moves the f16 scale of each block to the scales buffer', () => {
    const rng = new Rng(1);
    const cases: [WeightType, number, number][] = [['Q4_0', 2, 0], ['Q8_0', 2, 0], ['Q6_K', 0, 208]];
    for (const [type, quantOffset, scaleOffset] of cases) {
      const format = WEIGHT_FORMATS[type];
      const cols = format.blockSize * 3;
      const layout = rowLayout(type, cols);
      const source = randomWeightBytes(type, 2, cols, rng);
      const { quants, scales } = repackRows(layout, source, 2);
      for (let r = 0; r < 2; r++) {
        for (let b = 0; b < 3; b++) {
          const block = r * layout.sourceBytes + b * format.blockBytes;
          const quantStart = r * layout.quantBytes + b * format.quantBytesPerBlock;
          expect([...quants.subarray(quantStart, quantStart + format.quantBytesPerBlock)], `${type} row ${r} block ${b} quants`).toEqual([
            ...source.subarray(block + quantOffset, block + quantOffset + format.quantBytesPerBlock),
          ]);
          const scale = r * layout.scaleBytes + 2 * b;
          expect([...scales!.subarray(scale, scale + 2)], `${type} row ${r} block ${b} scale`).toEqual([...source.subarray(block + scaleOffset, block + scaleOffset + 2)]);
        }
        // Three scales per row are padded to four, so the next row starts on a u32 word.
        expect([...scales!.subarray(r * layout.scaleBytes + 6, r * layout.scaleBytes + 8)], `${type} row ${r} padding`).toEqual([0, 0]);
      }
    }
  });

  it('keeps Q4_K blocks and pads F32 rows to 8 values', () => {
    const rng = new Rng(2);
    const q4k = randomWeightBytes('Q4_K', 3, 256, rng);
    expect(repackRows(rowLayout('Q4_K', 256), q4k, 3).quants.buffer).toBe(q4k.buffer);
    const f32 = randomWeightBytes('F32', 2, 5, rng);
    const padded = new Float32Array(repackRows(rowLayout('F32', 5), f32, 2).quants.buffer);
    const values = new Float32Array(f32.buffer);
    expect([...padded]).toEqual([...values.subarray(0, 5), 0, 0, 0, ...values.subarray(5, 10), 0, 0, 0]);
  });
});

describe('weight splitting', () => {
  it('plans parts of whole rows under the binding limit', () => {
    const plan = planWeight('Q4_K', 10, 512, 1000);
    expect(plan.parts.map((p) => p.rows)).toEqual([3, 2, 3, 2]);
    expect(plan.parts.map((p) => p.rowStart)).toEqual([0, 3, 5, 8]);
    for (const part of plan.parts) expect(part.quantBytes).toBeLessThanOrEqual(1000);
    expect(plan.gpuBytes).toBe(10 * 288);
    expect(planWeight('Q6_K', 7, 256, 1 << 20).parts).toHaveLength(1);
  });

  it('rejects a row larger than the limit', () => {
    expect(() => planWeight('Q8_0', 4, 1024, 1000)).toThrow(
      'one row of a Q8_0 weight with 1024 columns takes 1024 bytes, more than the 1000-byte binding limit, so it cannot be split by rows',
    );
  });
});

describe('split weights on the GPU', () => {
  let ctx: GpuContext;
  beforeAll(async () => {
    ctx = await testGpu();
  });

  function expectPass(check: KernelCheck): void {
    expect(check.comparison.ok, check.message).toBe(true);
  }

  /** Runs Y = X · Wᵀ with the weight whole and split into parts of at most `limit` bytes. */
  async function splitAndWhole(type: WeightType, n: number, k: number, m: number, limit: number, strategy: MatmulStrategy): Promise<[Float32Array, Float32Array, number]> {
    const rng = new Rng(n + k + m);
    const bytes = randomWeightBytes(type, n, k, rng);
    const layout = rowLayout(type, k);
    const xBuffer = ctx.createStorage(padRows(rng.floats(m * k), m, k, layout.colsPadded));
    const outputs: Float32Array[] = [];
    let parts = 0;
    for (const maxBindingBytes of [undefined, limit]) {
      const weight = uploadWeight(ctx, { type, rows: n, cols: k, bytes, maxBindingBytes });
      const yBuffer = ctx.createStorage(m * n * 4);
      await runCalls(ctx, await prepareQMatmul(ctx, { weight, x: xBuffer, y: yBuffer, m, strategy }));
      outputs.push(await ctx.readF32(yBuffer, m * n));
      parts = weight.parts.length;
      releaseQuantWeight(ctx, weight);
      ctx.release(yBuffer);
    }
    ctx.release(xBuffer);
    return [outputs[0], outputs[1], parts];
  }

  it('gives the same product split as whole', async () => {
    for (const [type, m, strategy] of [['Q4_K', 1, 'direct'], ['F16', 3, 'tiled'], ['Q6_K', 9, 'tiled']] as const) {
      const [whole, split, parts] = await splitAndWhole(type, 37, 256, m, 1500, strategy);
      expect(parts, `${type} parts`).toBeGreaterThan(2);
      // Each row is computed by the same arithmetic in either case, so the results are identical.
      expect([...split], `${type} m=${m} ${strategy}`).toEqual([...whole]);
    }
  });

  it('matches reference when split', async () => {
    expectPass(await checkQMatmul(ctx, dequantize, { type: 'Q8_0', n: 50, k: 96, m: 1, maxBindingBytes: 500 }, 1));
    expectPass(await checkQEmbedding(ctx, dequantize, { type: 'Q4_0', n: 50, k: 96, tokens: 40, maxBindingBytes: 300 }, 2));
  });

  it('streams rows across part boundaries', async () => {
    const rng = new Rng(5);
    const [type, n, k] = ['Q6_K', 23, 256] as const;
    const bytes = randomWeightBytes(type, n, k, rng);
    const whole = uploadWeight(ctx, { type, rows: n, cols: k, bytes, maxBindingBytes: 1100 });
    const streamed = createQuantWeight(ctx, planWeight(type, n, k, 1100));
    const rowBytes = rowLayout(type, k).sourceBytes;
    // Chunks of 4 rows (3 for the last) written last chunk first, crossing parts of 4 and 5 rows.
    for (let first = 20; first >= 0; first -= 4) writeWeightRows(ctx, streamed, first, bytes.subarray(first * rowBytes, Math.min(n, first + 4) * rowBytes));
    expect(() => writeWeightRows(ctx, streamed, 22, bytes.subarray(0, 2 * rowBytes))).toThrow(/rows 22…23 are outside the weight's 23 rows/);
    expect(() => writeWeightRows(ctx, streamed, 0, bytes.subarray(0, 100))).toThrow(/100 bytes are not whole rows of 210 bytes/);
    for (const [index, part] of whole.parts.entries()) {
      const expected = new Uint8Array(await ctx.read(part.quants));
      const actual = new Uint8Array(await ctx.read(streamed.parts[index].quants));
      expect(actual, `part ${index} quants`).toEqual(expected);
      expect(new Uint8Array(await ctx.read(streamed.parts[index].scales!)), `part ${index} scales`).toEqual(new Uint8Array(await ctx.read(part.scales!)));
    }
    releaseQuantWeight(ctx, whole);
    releaseQuantWeight(ctx, streamed);
  });
});
