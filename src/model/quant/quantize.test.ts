/**
 * Quantizers: hand-worked blocks for the simple types, exact round trips of values that lie on a
 * type's grid, and quantize→dequantize error bounds per type on normal random data.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/random.ts';
import { dequantize } from './dequantize.ts';
import { f32ToBf16Bits, quantize, QUANTIZABLE_TYPES } from './quantize.ts';
import { nearestInt } from './quantize-k.ts';
import { GgmlType, ggmlTypeInfo, ggmlTypeName } from './types.ts';

function normalValues(count: number, seed: number, std = 1): Float32Array {
  const rng = new Rng(seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = rng.normal() * std;
  return values;
}

function roundTrip(type: GgmlType, values: Float32Array): Float32Array {
  return dequantize(type, quantize(type, values), values.length);
}

describe('nearestInt', () => {
  it('rounds halves to even like ggml', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001, 7].map(nearestInt)).toEqual([0, 2, 2, 0, -2, -2, 2, 3, 7]);
  });
});

describe('quantize hand-worked blocks', () => {
  it('Q8_0 scales by max|x| / 127 and rounds halves away from zero', () => {
    // max |x| = 127 so d = 1 and the quants are the values rounded: 0.5 → 1, −0.5 → −1, −2.5 → −3.
    const values = new Float32Array(32);
    values.set([127, 0.5, -0.5, -2.5, 3.49, -127]);
    const bytes = quantize(GgmlType.Q8_0, values);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x00, 0x3c, 127, 1, 0xff, 0xfd, 3, 0x81]);
  });

  it('Q4_0 sign convention and clamp', () => {
    // x[i] = i − 16: the extreme is −16, so d = −16 / −8 = 2 and q = min(15, trunc(x / 2 + 8.5)).
    const values = Float32Array.from({ length: 32 }, (_, i) => i - 16);
    const bytes = quantize(GgmlType.Q4_0, values);
    expect(bytes[0] | (bytes[1] << 8)).toBe(0x4000);
    const expectedQuant = (i: number) => Math.min(15, Math.trunc((i - 16) / 2 + 8.5));
    for (let j = 0; j < 16; j++) expect(bytes[2 + j], `byte ${j}`).toBe(expectedQuant(j) | (expectedQuant(j + 16) << 4));
    expect(bytes[2] & 15).toBe(0);
    expect(bytes[17] >> 4).toBe(15);
  });

  it('BF16 rounds to nearest even and keeps NaN quiet', () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    // 1 + 2^-8 is exactly halfway between two bf16 values; the even one is 1.
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(f32ToBf16Bits(NaN) & 0x7fc0).toBe(0x7fc0);
  });
});

describe('quantize exact grids', () => {
  it('Q4_K reproduces values on its grid exactly', () => {
    // Every sub-block is 0.984375 · q − 0.4921875 with q = 0..15, which is d = 2^-6 with scale 63 and
    // dmin = 2^-7 with min 63, all exactly representable.
    const values = Float32Array.from({ length: 512 }, (_, i) => 0.984375 * (i % 16) - 0.4921875);
    expect(Array.from(roundTrip(GgmlType.Q4_K, values))).toEqual(Array.from(values));
  });

  it('Q5_K reproduces values on its grid exactly', () => {
    // As for Q4_K with q = 0..31: d = 2^-6 with scale 63, dmin = 2^-7 with min 63.
    const values = Float32Array.from({ length: 256 }, (_, i) => 0.984375 * (i % 32) - 0.4921875);
    expect(Array.from(roundTrip(GgmlType.Q5_K, values))).toEqual(Array.from(values));
  });

  it('Q6_K reproduces values on its grid exactly', () => {
    // Every 16-value group is 2^-4 · q with q = −32, −28, …, 28, so each group's largest
    // magnitude sits on quant −32 and all 16 scales are equal: d = −2^-11 with scale −128.
    const values = Float32Array.from({ length: 256 }, (_, i) => 0.0625 * (-32 + 4 * (i % 16)));
    expect(Array.from(roundTrip(GgmlType.Q6_K, values))).toEqual(Array.from(values));
  });

  it('Q8_0 and Q4_0 are stable under a second round trip', () => {
    const values = normalValues(1024, 3);
    for (const type of [GgmlType.Q8_0, GgmlType.Q4_0]) {
      const once = roundTrip(type, values);
      expect(Array.from(roundTrip(type, once)), ggmlTypeName(type)).toEqual(Array.from(once));
    }
  });

  it('all-zero blocks stay zero for every type', () => {
    const zeros = new Float32Array(512);
    for (const type of QUANTIZABLE_TYPES) {
      expect(roundTrip(type, zeros).every((v) => v === 0), ggmlTypeName(type)).toBe(true);
    }
  });

  it('constant blocks come back within one step', () => {
    const constant = new Float32Array(512).fill(0.75);
    for (const type of QUANTIZABLE_TYPES) {
      const back = roundTrip(type, constant);
      const maxError = Math.max(...Array.from(back, (v) => Math.abs(v - 0.75)));
      expect(maxError, ggmlTypeName(type)).toBeLessThan(0.75 / 7);
    }
  });
});

/**
 * Relative RMS error bounds on N(0, 1) data: the measured value (seed 11, 64 Ki values) with about
 * 20% headroom. Measured: F16 2.1e-4, BF16 1.7e-3, Q8_0 5.3e-3, Q6_K 0.0177, Q5_1 0.0378,
 * Q5_K 0.0361, Q5_0 0.0427, Q4_K 0.0712, Q4_1 0.0782, Q4_0 0.0857.
 */
const RMS_ERROR_BOUND: [GgmlType, number][] = [
  [GgmlType.F32, 0],
  [GgmlType.F16, 2.6e-4],
  [GgmlType.BF16, 2.1e-3],
  [GgmlType.Q8_0, 6.5e-3],
  [GgmlType.Q6_K, 0.022],
  [GgmlType.Q5_1, 0.046],
  [GgmlType.Q5_K, 0.044],
  [GgmlType.Q5_0, 0.052],
  [GgmlType.Q4_K, 0.086],
  [GgmlType.Q4_1, 0.094],
  [GgmlType.Q4_0, 0.103],
];

describe('quantize→dequantize error bounds', () => {
  const values = normalValues(65536, 11);

  it.each(RMS_ERROR_BOUND.map(([type, bound]) => [ggmlTypeName(type), type, bound] as const))('%s RMS error', (_name, type, bound) => {
    const back = roundTrip(type, values);
    let squared = 0;
    for (let i = 0; i < values.length; i++) squared += (back[i] - values[i]) ** 2;
    expect(Math.sqrt(squared / values.length)).toBeLessThanOrEqual(bound);
  });

  it('32-value block types stay within their per-block step', () => {
    // Q8_0 and Q4_0/Q5_0 use d = max|x| / (127, 8, 16): rounding is off by at most d / 2, except
    // that the symmetric types clamp the far end one step short, which costs up to one d. The
    // "_1" types span max − min in 15 or 31 steps. The f16 scale adds up to 2^-11 relative.
    const steps: [GgmlType, (amax: number, span: number) => number][] = [
      [GgmlType.Q8_0, (amax) => amax / 127 / 2],
      [GgmlType.Q4_0, (amax) => amax / 8],
      [GgmlType.Q5_0, (amax) => amax / 16],
      [GgmlType.Q4_1, (_amax, span) => span / 15 / 2],
      [GgmlType.Q5_1, (_amax, span) => span / 31 / 2],
    ];
    for (const [type, bound] of steps) {
      const back = roundTrip(type, values);
      for (let block = 0; block < values.length / 32; block++) {
        const slice = values.subarray(32 * block, 32 * block + 32);
        const amax = Math.max(...Array.from(slice, Math.abs));
        const span = Math.max(...slice) - Math.min(...slice);
        const limit = bound(amax, span) + amax * 2 ** -10;
        for (let i = 0; i < 32; i++) {
          const error = Math.abs(back[32 * block + i] - slice[i]);
          if (error > limit) expect.fail(`${ggmlTypeName(type)} block ${block} value ${i}: error ${error} > ${limit}`);
        }
      }
    }
  });

  it('K-quant errors stay below a quarter of the super-block range', () => {
    for (const type of [GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K]) {
      const back = roundTrip(type, values);
      const { blockSize } = ggmlTypeInfo(type);
      for (let block = 0; block < values.length / blockSize; block++) {
        const slice = values.subarray(blockSize * block, blockSize * (block + 1));
        const range = Math.max(...slice) - Math.min(...slice);
        for (let i = 0; i < blockSize; i++) {
          const error = Math.abs(back[blockSize * block + i] - slice[i]);
          if (error > range / 4) expect.fail(`${ggmlTypeName(type)} block ${block} value ${i}: error ${error} > ${range / 4}`);
        }
      }
    }
  });
});

describe('quantize argument checks', () => {
  it('rejects non-finite values for block types', () => {
    const values = new Float32Array(32);
    values[5] = NaN;
    expect(() => quantize(GgmlType.Q8_0, values)).toThrow(/value 5 is NaN/);
  });

  it('rejects a length that is not a whole number of blocks', () => {
    expect(() => quantize(GgmlType.Q4_K, new Float32Array(128))).toThrow(/blocks of 256/);
  });

  it('names the supported types for an unsupported one', () => {
    expect(() => quantize(GgmlType.IQ2_XXS, new Float32Array(256))).toThrow(/IQ2_XXS is not supported; supported types: F32, F16/);
  });
});
