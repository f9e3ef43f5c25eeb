/**
 * Dequantization of every supported type against blocks built byte by byte in the test. Expected
 * values come from the ggml block layout written out here per value index, not from the
 * dequantizer under test. Scales are powers of two, so every expected value is exact.
 */
import { describe, expect, it } from 'vitest';
import { dequantize } from './dequantize.ts';
import { GgmlType } from './types.ts';

function f32Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function u16(bits: number): number[] {
  return [bits & 0xff, bits >> 8];
}

/** Little-endian bytes of a u32. */
function u32(bits: number): number[] {
  return [bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, (bits >>> 24) & 0xff];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('dequantize plain types', () => {
  it('F32 copies little-endian floats', () => {
    const bytes = new Uint8Array([0, 0, 0xc0, 0x3f, 0, 0, 0x20, 0xc1, 0, 0, 0, 0]);
    expect(Array.from(dequantize(GgmlType.F32, bytes, 3))).toEqual([1.5, -10, 0]);
  });

  it('F32 reads from an unaligned byte offset', () => {
    const padded = new Uint8Array(9);
    padded.set(f32Bytes([0.25, -4]), 1);
    expect(Array.from(dequantize(GgmlType.F32, padded.subarray(1), 2))).toEqual([0.25, -4]);
  });

  it('F16 decodes normals, subnormals and extremes', () => {
    const bytes = new Uint8Array([...u16(0x3c00), ...u16(0xc000), ...u16(0x3555), ...u16(0x7bff), ...u16(0x0001), ...u16(0x8000), ...u16(0x7c00)]);
    const values = Array.from(dequantize(GgmlType.F16, bytes, 7));
    expect(values).toEqual([1, -2, 0.333251953125, 65504, 2 ** -24, -0, Infinity]);
  });

  it('BF16 decodes the top half of an f32', () => {
    const bytes = new Uint8Array([...u16(0x3f80), ...u16(0xc040), ...u16(0x4049), ...u16(0x0000)]);
    expect(Array.from(dequantize(GgmlType.BF16, bytes, 4))).toEqual([1, -3, 3.140625, 0]);
  });
});

describe('dequantize 32-value blocks', () => {
  it('Q8_0: d · qs[i] with signed quants', () => {
    // d = 0.5, qs[i] = i − 16 as int8, then a second block with d = −2 and qs = 127, −128, 0…
    const block1 = [...u16(0x3800), ...range(32).map((i) => (i - 16) & 0xff)];
    const block2 = [...u16(0xc000), 127, 0x80, ...new Array(30).fill(0)];
    const values = Array.from(dequantize(GgmlType.Q8_0, new Uint8Array([...block1, ...block2]), 64));
    expect(values.slice(0, 32)).toEqual(range(32).map((i) => 0.5 * (i - 16)));
    expect(values.slice(32, 35)).toEqual([-254, 256, -0]);
  });

  it('Q4_0: low nibbles are values 0–15, high nibbles 16–31, offset by 8', () => {
    // d = 2; byte j = (j) | (15 − j) << 4
    const block = [...u16(0x4000), ...range(16).map((j) => j | ((15 - j) << 4))];
    const values = Array.from(dequantize(GgmlType.Q4_0, new Uint8Array(block), 32));
    expect(values.slice(0, 16)).toEqual(range(16).map((j) => 2 * (j - 8)));
    expect(values.slice(16)).toEqual(range(16).map((j) => 2 * (15 - j - 8)));
    expect(values[0]).toBe(-16);
    expect(values[16]).toBe(14);
  });

  it('Q4_1: d · q + m', () => {
    // d = 0.5, m = −1; byte j = j | ((j + 1) & 15) << 4
    const block = [...u16(0x3800), ...u16(0xbc00), ...range(16).map((j) => j | (((j + 1) & 15) << 4))];
    const values = Array.from(dequantize(GgmlType.Q4_1, new Uint8Array(block), 32));
    expect(values.slice(0, 16)).toEqual(range(16).map((j) => 0.5 * j - 1));
    expect(values.slice(16)).toEqual(range(16).map((j) => 0.5 * ((j + 1) & 15) - 1));
  });

  it('Q5_0: bit i of qh is the fifth bit of value i', () => {
    // d = 1; qh = 0xAAAA5555: even values 0–15 and odd values 17–31 get +16
    const block = [...u16(0x3c00), ...u32(0xaaaa5555), ...range(16).map((j) => j | ((15 - j) << 4))];
    const values = Array.from(dequantize(GgmlType.Q5_0, new Uint8Array(block), 32));
    expect(values.slice(0, 16)).toEqual(range(16).map((j) => j + (j % 2 === 0 ? 16 : 0) - 16));
    expect(values.slice(16)).toEqual(range(16).map((j) => 15 - j + (j % 2 === 1 ? 16 : 0) - 16));
    expect(values[0]).toBe(0);
    expect(values[1]).toBe(-15);
    expect(values[17]).toBe(14);
  });

  it('Q5_1: d · q + m with fifth bits', () => {
    // d = 0.25, m = 2, same qh and nibbles as the Q5_0 case
    const block = [...u16(0x3400), ...u16(0x4000), ...u32(0xaaaa5555), ...range(16).map((j) => j | ((15 - j) << 4))];
    const values = Array.from(dequantize(GgmlType.Q5_1, new Uint8Array(block), 32));
    expect(values.slice(0, 16)).toEqual(range(16).map((j) => 0.25 * (j + (j % 2 === 0 ? 16 : 0)) + 2));
    expect(values.slice(16)).toEqual(range(16).map((j) => 0.25 * (15 - j + (j % 2 === 1 ? 16 : 0)) + 2));
  });
});

/**
 * The 12 packed scale/min bytes for scales [1, 2, 3, 4, 5, 6, 7, 63] and mins
 * [0, 1, 2, 3, 8, 16, 32, 63], worked out by hand: bytes 0–3 hold scales 0–3 plus the top two bits
 * of scales 4–7, bytes 4–7 the mins 0–3 plus the top bits of mins 4–7, bytes 8–11 the low nibbles
 * of scales 4–7 (low) and mins 4–7 (high).
 */
const K_SCALE_BYTES = [1, 2, 3, 4 | (3 << 6), 0, 1 | (1 << 6), 2 | (2 << 6), 3 | (3 << 6), 5 | (8 << 4), 6, 7, 15 | (15 << 4)];
const K_SCALES = [1, 2, 3, 4, 5, 6, 7, 63];
const K_MINS = [0, 1, 2, 3, 8, 16, 32, 63];

describe('dequantize super-blocks', () => {
  it('Q4_K: 6-bit scales and mins per 32 values', () => {
    // d = 1, dmin = 0.5; quant byte 32c + l = (l & 15) | ((l + c) & 15) << 4
    const qs = range(128).map((i) => ((i % 32) & 15) | ((((i % 32) + (i >> 5)) & 15) << 4));
    const block = [...u16(0x3c00), ...u16(0x3800), ...K_SCALE_BYTES, ...qs];
    expect(block).toHaveLength(144);
    const values = dequantize(GgmlType.Q4_K, new Uint8Array(block), 256);
    for (let v = 0; v < 256; v++) {
      const chunk = v >> 6;
      const l = v & 31;
      const upper = (v & 32) !== 0;
      const sub = 2 * chunk + (upper ? 1 : 0);
      const q = upper ? (l + chunk) & 15 : l & 15;
      expect(values[v], `value ${v}`).toBe(1 * K_SCALES[sub] * q - 0.5 * K_MINS[sub]);
    }
    expect(values[255]).toBe(63 * ((31 + 3) & 15) - 31.5);
  });

  it('Q5_K: Q4_K layout plus one high bit per value in qh', () => {
    // d = 0.5, dmin = 0.25; qh[l] = 37·l mod 256; quant byte 32c + l = (5l + c) mod 256
    const qh = range(32).map((l) => (37 * l) & 0xff);
    const qs = range(128).map((i) => (5 * (i % 32) + (i >> 5)) & 0xff);
    const block = [...u16(0x3800), ...u16(0x3400), ...K_SCALE_BYTES, ...qh, ...qs];
    expect(block).toHaveLength(176);
    const values = dequantize(GgmlType.Q5_K, new Uint8Array(block), 256);
    for (let v = 0; v < 256; v++) {
      const chunk = v >> 6;
      const l = v & 31;
      const upper = (v & 32) !== 0;
      const sub = 2 * chunk + (upper ? 1 : 0);
      const byte = qs[32 * chunk + l];
      const low = upper ? byte >> 4 : byte & 15;
      const bit = (qh[l] >> (2 * chunk + (upper ? 1 : 0))) & 1;
      expect(values[v], `value ${v}`).toBe(0.5 * K_SCALES[sub] * (low + 16 * bit) - 0.25 * K_MINS[sub]);
    }
  });

  it('Q6_K: 4 low bits in ql, 2 high bits in qh, signed 8-bit scales', () => {
    // ql[i] = 7i mod 256, qh[i] = 13i mod 256, scales[i] = i − 8 (negative ones included), d = 0.125
    const ql = range(128).map((i) => (7 * i) & 0xff);
    const qh = range(64).map((i) => (13 * i) & 0xff);
    const scales = range(16).map((i) => (i - 8) & 0xff);
    const block = [...ql, ...qh, ...scales, ...u16(0x3000)];
    expect(block).toHaveLength(210);
    const values = dequantize(GgmlType.Q6_K, new Uint8Array(block), 256);
    for (let v = 0; v < 256; v++) {
      const half = v >> 7;
      const group = (v & 127) >> 5; // which of the four 32-value groups of this half
      const l = v & 31;
      const lowByte = ql[64 * half + l + (group & 1 ? 32 : 0)];
      const low = group < 2 ? lowByte & 15 : lowByte >> 4;
      const high = (qh[32 * half + l] >> (2 * group)) & 3;
      const scale = (scales[8 * half + (l >> 4) + 2 * group] << 24) >> 24;
      expect(values[v], `value ${v}`).toBe(0.125 * scale * ((low | (high << 4)) - 32));
    }
  });
});

describe('dequantize argument checks', () => {
  it('rejects a count that is not a whole number of blocks', () => {
    expect(() => dequantize(GgmlType.Q4_0, new Uint8Array(36), 40)).toThrow(/blocks of 32/);
  });

  it('rejects too few bytes', () => {
    expect(() => dequantize(GgmlType.Q6_K, new Uint8Array(209), 256)).toThrow(/need 210 bytes, but only 209/);
  });

  it('names the supported types for an unsupported one', () => {
    expect(() => dequantize(GgmlType.Q2_K, new Uint8Array(84), 256)).toThrow(/Q2_K is not supported; supported types: F32, F16, BF16/);
  });

  it('writes into a given output array', () => {
    const out = new Float32Array(40).fill(7);
    dequantize(GgmlType.Q8_0, new Uint8Array([...u16(0x3c00), ...new Array(32).fill(1)]), 32, out);
    expect(out[31]).toBe(1);
    expect(out[32]).toBe(7);
  });
});
