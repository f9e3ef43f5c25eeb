/**
 * Dequantizers for the 32-value block types Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 (layouts in layouts.ts).
 * Each reads `blocks` consecutive blocks from `src` and writes 32 values per block to `out`.
 * Products are rounded to f32 before the minimum is added (Math.fround), as ggml's C code does in
 * f32, so the values match its CPU dequantizer bit for bit unless the C compiler fuses the
 * multiply-add.
 */
import { f16Table65536 } from './half.ts';

export function dequantizeQ8_0(src: Uint8Array, out: Float32Array, blocks: number): void {
  const half = f16Table65536();
  for (let b = 0; b < blocks; b++) {
    const base = b * 34;
    const d = half[src[base] | (src[base + 1] << 8)];
    const o = b * 32;
    for (let i = 0; i < 32; i++) out[o + i] = d * ((src[base + 2 + i] << 24) >> 24);
  }
}

export function dequantizeQ4_0(src: Uint8Array, out: Float32Array, blocks: number): void {
  const half = f16Table65536();
  for (let b = 0; b < blocks; b++) {
    const base = b * 18;
    const d = half[src[base] | (src[base + 1] << 8)];
    const o = b * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[base + 2 + j];
      out[o + j] = d * ((q & 15) - 8);
      out[o + j + 16] = d * ((q >> 4) - 8);
    }
  }
}

export function dequantizeQ4_1(src: Uint8Array, out: Float32Array, blocks: number): void {
  const half = f16Table65536();
  for (let b = 0; b < blocks; b++) {
    const base = b * 20;
    const d = half[src[base] | (src[base + 1] << 8)];
    const m = half[src[base + 2] | (src[base + 3] << 8)];
    const o = b * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[base + 4 + j];
      out[o + j] = Math.fround(d * (q & 15)) + m;
      out[o + j + 16] = Math.fround(d * (q >> 4)) + m;
    }
  }
}

/** Reads the four fifth-bit bytes at `offset` as one little-endian u32. */
function readHighBits(src: Uint8Array, offset: number): number {
  return (src[offset] | (src[offset + 1] << 8) | (src[offset + 2] << 16) | (src[offset + 3] << 24)) >>> 0;
}

export function dequantizeQ5_0(src: Uint8Array, out: Float32Array, blocks: number): void {
  const half = f16Table65536();
  for (let b = 0; b < blocks; b++) {
    const base = b * 22;
    const d = half[src[base] | (src[base + 1] << 8)];
    const qh = readHighBits(src, base + 2);
    const o = b * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[base + 6 + j];
      const low = (q & 15) | (((qh >>> j) & 1) << 4);
      const high = (q >> 4) | (((qh >>> (j + 16)) & 1) << 4);
      out[o + j] = d * (low - 16);
      out[o + j + 16] = d * (high - 16);
    }
  }
}

export function dequantizeQ5_1(src: Uint8Array, out: Float32Array, blocks: number): void {
  const half = f16Table65536();
  for (let b = 0; b < blocks; b++) {
    const base = b * 24;
    const d = half[src[base] | (src[base + 1] << 8)];
    const m = half[src[base + 2] | (src[base + 3] << 8)];
    const qh = readHighBits(src, base + 4);
    const o = b * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[base + 8 + j];
      const low = (q & 15) | (((qh >>> j) & 1) << 4);
      const high = (q >> 4) | (((qh >>> (j + 16)) & 1) << 4);
      out[o + j] = Math.fround(d * low) + m;
      out[o + j + 16] = Math.fround(d * high) + m;
    }
  }
}
