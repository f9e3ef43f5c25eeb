import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import { testGpu } from '../../test/gpu.ts';
import type { KernelCheck } from './checks.ts';
import { runCalls } from './common.ts';
import { packSampleSettings, prepareSample } from './sample.ts';
import { checkSampleDistribution, checkSampleIds, randomLogits } from './sample-checks.ts';
import { argmaxRef, gumbelNoise, orderKey, sampleRef, samplingHash, type SampleSettings } from './sample-reference.ts';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await testGpu();
});

function expectPass(check: KernelCheck): void {
  expect(check.comparison.ok, check.message).toBe(true);
}

const BASE: SampleSettings = { temperature: 0.8, topK: 0, topP: 1, seed: 1234, stream: 0, step: 0 };

/** Builds one settings row per sequence, each with its own stream and step. */
function rowsOf(count: number, settings: Partial<SampleSettings>): SampleSettings[] {
  return Array.from({ length: count }, (_, r) => ({ ...BASE, ...settings, stream: r, step: 17 + r }));
}

describe('sampling reference', () => {
  it('orders keys like the floats', () => {
    const values = [-Infinity, -3e38, -2.5, -1e-30, -0, 0, 1e-30, 1, 7.25, 3e38, Infinity];
    const keys = values.map(orderKey);
    for (let i = 1; i < keys.length; i++) expect(keys[i], `key of ${values[i]} after ${values[i - 1]}`).toBeGreaterThan(keys[i - 1]);
  });

  it('draws Gumbel noise with the right mean and variance', () => {
    let sum = 0;
    let squares = 0;
    const count = 200_000;
    for (let i = 0; i < count; i++) {
      const g = gumbelNoise(samplingHash(7, 3, 11, i));
      sum += g;
      squares += g * g;
    }
    const mean = sum / count;
    const variance = squares / count - mean * mean;
    // Standard Gumbel: mean is the Euler–Mascheroni constant, variance π²/6.
    expect(mean).toBeCloseTo(0.5772, 2);
    expect(variance).toBeCloseTo(Math.PI ** 2 / 6, 1);
  });

  it('hashes every counter to a different stream', () => {
    const base = samplingHash(1, 2, 3, 4);
    expect(samplingHash(1, 2, 3, 4)).toBe(base);
    for (const other of [samplingHash(2, 2, 3, 4), samplingHash(1, 3, 3, 4), samplingHash(1, 2, 4, 4), samplingHash(1, 2, 3, 5)]) expect(other).not.toBe(base);
  });
});

describe('GPU sampling', () => {
  it('matches the reference ids on a 32k vocabulary', async () => {
    const settings = [
      ...rowsOf(2, { temperature: 0 }),
      ...rowsOf(2, { topK: 1 }),
      ...rowsOf(2, {}),
      ...rowsOf(2, { temperature: 1.3, topK: 40 }),
      ...rowsOf(2, { temperature: 0.7, topP: 0.9 }),
      ...rowsOf(2, { temperature: 1, topK: 50, topP: 0.8 }),
      ...rowsOf(2, { temperature: 2, topP: 1e-6 }),
    ];
    expectPass(await checkSampleIds(ctx, 32_000, settings, 1));
  });

  it('matches the reference ids on a 152k vocabulary', async () => {
    expectPass(await checkSampleIds(ctx, 152_064, [...rowsOf(1, { temperature: 0 }), ...rowsOf(1, { topK: 20 }), ...rowsOf(1, { topP: 0.95 })], 2));
  });

  it('matches the reference on awkward vocabularies', async () => {
    for (const vocab of [1, 2, 255, 257, 1001]) {
      const settings = [...rowsOf(2, { temperature: 0 }), ...rowsOf(2, { topK: 3 }), ...rowsOf(2, { topP: 0.5 }), ...rowsOf(2, { topK: vocab + 5 })];
      expectPass(await checkSampleIds(ctx, vocab, settings, vocab));
    }
  });

  it('picks the first maximum when greedy and with a tiny top-p', async () => {
    const rng = new Rng(5);
    const vocab = 5000;
    const rows = 8;
    const logits = randomLogits(rows, vocab, rng);
    const settings = [...rowsOf(2, { temperature: 0 }), ...rowsOf(2, { topK: 1 }), ...rowsOf(4, { topP: 1e-9, temperature: 1 })];
    const logitBuffer = ctx.createStorage(logits);
    const settingBuffer = ctx.createStorage(new Uint8Array(packSampleSettings(settings)));
    const ids = ctx.createStorage(rows * 4);
    await runCalls(ctx, [await prepareSample(ctx, { logits: logitBuffer, settings: settingBuffer, ids, rows, vocab })]);
    const gpu = new Uint32Array(await ctx.read(ids, rows * 4));
    // Rows 0, 3 and 6 have a tied maximum: greedy rows take the first, top-p keeps every tied token.
    for (let r = 0; r < rows; r++) {
      const row = logits.subarray(r * vocab, (r + 1) * vocab);
      const max = argmaxRef(row);
      const tied = row.filter((v) => v === row[max]).length;
      expect(tied, `ties in row ${r}`).toBe(r % 3 === 0 ? 2 : 1);
      if (r < 4 || tied === 1) expect(gpu[r], `row ${r}`).toBe(max);
      else expect(row[gpu[r]], `row ${r} value`).toBe(row[max]);
    }
    for (const buffer of [logitBuffer, settingBuffer, ids]) ctx.release(buffer);
  });

  it('draws the same token wherever a sequence sits in the batch', async () => {
    const rng = new Rng(9);
    const vocab = 300;
    const row = randomLogits(1, vocab, rng, 1);
    const first = { ...BASE, temperature: 1, seed: 5, stream: 70, step: 3 };
    const second = { ...first, stream: 71 };
    const run = async (order: SampleSettings[]) => {
      const logits = new Float32Array(2 * vocab);
      logits.set(row, 0);
      logits.set(row, vocab);
      const logitBuffer = ctx.createStorage(logits);
      const settingBuffer = ctx.createStorage(new Uint8Array(packSampleSettings(order)));
      const ids = ctx.createStorage(8);
      await runCalls(ctx, [await prepareSample(ctx, { logits: logitBuffer, settings: settingBuffer, ids, rows: 2, vocab })]);
      const out = [...new Uint32Array(await ctx.read(ids, 8))];
      for (const buffer of [logitBuffer, settingBuffer, ids]) ctx.release(buffer);
      return out;
    };
    const [a, b] = await run([first, second]);
    expect(await run([second, first])).toEqual([b, a]);
    expect(a).toBe(sampleRef(row, first));
  });

  it('draws with the frequencies of the softmax', async () => {
    const logits = Float32Array.from([1.5, 0.2, -0.7, 2.1, 0.9, -2, 0.4, 1.1, -0.1, 0.05]);
    const common = { seed: 99, step: 4 };
    // The tests above check exactly which tokens are kept. These draws check that the Gumbel-max
    // draw is unbiased, so the two smaller runs only need to catch gross errors.
    expectPass(await checkSampleDistribution(ctx, logits, { ...common, temperature: 1, topK: 0, topP: 1 }, 10_000));
    expectPass(await checkSampleDistribution(ctx, logits, { ...common, temperature: 0.6, topK: 4, topP: 1 }, 4000));
    expectPass(await checkSampleDistribution(ctx, logits, { ...common, temperature: 1.4, topK: 0, topP: 0.8 }, 4000));
  });
});

describe('sampling arguments', () => {
  it('rejects settings the kernel cannot take', () => {
    expect(() => packSampleSettings([{ ...BASE, topP: 1.5 }])).toThrow('sampling row 0: topP must be in [0, 1], got 1.5');
    expect(() => packSampleSettings([BASE, { ...BASE, temperature: NaN }])).toThrow('sampling row 1: temperature must be a finite number, got NaN');
    expect(() => packSampleSettings([{ ...BASE, seed: -1 }])).toThrow('sampling row 0: seed must be a u32, got -1');
  });

  it('rejects a logits buffer that is too small', async () => {
    const logits = ctx.createStorage(100 * 4);
    const settings = ctx.createStorage(64);
    const ids = ctx.createStorage(8);
    await expect(prepareSample(ctx, { logits, settings, ids, rows: 2, vocab: 60 })).rejects.toThrow(
      'sampling: a binding has 400 bytes, 480 needed for 2 rows of 60 f32 logits with a stride of 60',
    );
    for (const buffer of [logits, settings, ids]) ctx.release(buffer);
  });
});
