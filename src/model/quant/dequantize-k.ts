/**
 * Dequantizers for the 256-value super-block types Q4_K, Q5_K and Q6_K (layouts in layouts.ts).
 * Intermediate products are rounded to f32 (Math.fround) where ggml's C code rounds them, so the
 * output matches its CPU dequantizer unless the C compiler fuses a multiply-add.
 */
import { f16Table65536 } from './half.ts';

/**
 * Unpacks the 6-bit scale and min of sub-block `j` (0..7) from the 12 packed bytes at `offset`
 * into `scaleMin[0]` and `scaleMin[1]`.
 */
export function unpackScaleMinK4(src: Uint8Array, offset: number, j: number, scaleMin: Uint8Array): void {
  if (j < 4) {
    scaleMin[0] = src[offset + j] & 63;
    scaleMin[1] = src[offset + j + 4] & 63;
  } else {
    scaleMin[0] = (src[offset + j + 4] & 15) | ((src[offset + j - 4] >> 6) << 4);
    scaleMin[1] = (src[offset + j + 4] >> 4) | ((src[offset + j] >> 6) << 4);
  }
}

/**
 * Fills `factors` with the f32-rounded [d · scale, dmin · min] of sub-blocks 2·chunk and
 * 2·chunk + 1 of the Q4_K/Q5_K super-block at `base`.
 */
function chunkFactors(src: Uint8Array, base: number, d: number, dmin: number, chunk: number, scaleMin: Uint8Array, factors: Float64Array): void {
  for (let k = 0; k < 2; k++) {
    unpackScaleMinK4(src, base + 4, 2 * chunk + k, scaleMin);
    factors[2 * k] = Math.fround(d * scaleMin[0]);
    factors[2 * k + 1] = Math.fround(dmin * scaleMin[1]);
  }
}

export function dequantizeQ4_K(src: Uint8Array, out: Float32Array, blocks: number): void {
  const half = f16Table65536();
  const scaleMin = new Uint8Array(2);
  const factors = new Float64Array(4);
  for (let b = 0; b < blocks; b++) {
    const base = b * 144;
    const d = half[src[base] | (src[base + 1] << 8)];
    const dmin = half[src[base + 2] | (src[base + 3] << 8)];
    for (let chunk = 0; chunk < 4; chunk++) {
      chunkFactors(src, base, d, dmin, chunk, scaleMin, factors);
      const [d1, m1, d2, m2] = factors;
      const q = base + 16 + 32 * chunk;
      const o = b * 256 + 64 * chunk;
      for (let l = 0; l < 32; l++) out[o + l] = Math.fround(d1 * (src[q + l] & 15)) - m1;
      for (let l = 0; l < 32; l++) out[o + 32 + l] = Math.fround(d2 * (src[q + l] >> 4)) - m2;
    }
  }
}

export function dequantizeQ5_K(src: Uint8Array, out: Float32Array, blocks: number): void {
  const half = f16Table65536();
  const scaleMin = new Uint8Array(2);
  const factors = new Float64Array(4);
  for (let b = 0; b < blocks; b++) {
    const base = b * 176;
    const d = half[src[base] | (src[base + 1] << 8)];
    const dmin = half[src[base + 2] | (src[base + 3] << 8)];
    const qh = base + 16;
    for (let chunk = 0; chunk < 4; chunk++) {
      chunkFactors(src, base, d, dmin, chunk, scaleMin, factors);
      const [d1, m1, d2, m2] = factors;
      const lowBit = 1 << (2 * chunk);
      const highBit = lowBit << 1;
      const q = base + 48 + 32 * chunk;
      const o = b * 256 + 64 * chunk;
      for (let l = 0; l < 32; l++) {
        const value = (src[q + l] & 15) + (src[qh + l] & lowBit ? 16 : 0);
        out[o + l] = Math.fround(d1 * value) - m1;
      }
      for (let l = 0; l < 32; l++) {
        const value = (src[q + l] >> 4) + (src[qh + l] & highBit ? 16 : 0);
        out[o + 32 + l] = Math.fround(d2 * value) - m2;
      }
    }
  }
}

export function dequantizeQ6_K(src: Uint8Array, out: Float32Array, blocks: number): void {
  const half = f16Table65536();
  for (let b = 0; b < blocks; b++) {
    const base = b * 210;
    const d = half[src[base + 208] | (src[base + 209] << 8)];
    for (let h = 0; h < 2; h++) {
      const ql = base + 64 * h;
      const qh = base + 128 + 32 * h;
      const scales = base + 192 + 8 * h;
      const o = b * 256 + 128 * h;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const high = src[qh + l];
        const q1 = ((src[ql + l] & 15) | ((high & 3) << 4)) - 32;
        const q2 = ((src[ql + l + 32] & 15) | (((high >> 2) & 3) << 4)) - 32;
        const q3 = ((src[ql + l] >> 4) | (((high >> 4) & 3) << 4)) - 32;
        const q4 = ((src[ql + l + 32] >> 4) | (((high >> 6) & 3) << 4)) - 32;
        out[o + l] = Math.fround(d * ((src[scales + is] << 24) >> 24)) * q1;
        out[o + l + 32] = Math.fround(d * ((src[scales + is + 2] << 24) >> 24)) * q2;
        out[o + l + 64] = Math.fround(d * ((src[scales + is + 4] << 24) >> 24)) * q3;
        out[o + l + 96] = Math.fround(d * ((src[scales + is + 6] << 24) >> 24)) * q4;
      }
    }
  }
}
