/**
 * Quantizers for the 32-value block types, following ggml's reference quantizers
 * (quantize_row_q8_0_ref, _q4_0_ref, _q4_1_ref, _q5_0_ref, _q5_1_ref in ggml-quants.c):
 * one scale (and a minimum for the "_1" types) per block, chosen from the block's extremes.
 * Each reads `blocks * 32` values from `src` and writes `blocks` blocks to `out`.
 *
 * NOTE: the arithmetic runs in f64 where ggml's runs in f32. A value that lands exactly on a
 * rounding boundary may therefore get a neighbouring quant, but the layout and error bounds match.
 */
import { f32ToF16Bits } from '../../util/f16.ts';
import { writeU16 } from './half.ts';

/** The value with the largest magnitude in src[offset, offset + 32), with its sign. */
function signedAbsMax(src: Float32Array, offset: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < 32; j++) {
    const v = src[offset + j];
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

/**
 * Stores the scale d = (max − min) / steps and the block minimum as f16 at `base`, for the "_1"
 * types, and returns [min, 1 / d] for quantizing the block.
 */
function writeScaleAndMin(src: Float32Array, offset: number, out: Uint8Array, base: number, steps: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < 32; j++) {
    const v = src[offset + j];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const d = (max - min) / steps;
  writeU16(out, base, f32ToF16Bits(d));
  writeU16(out, base + 2, f32ToF16Bits(min));
  return [min, d ? 1 / d : 0];
}

/** C's roundf: halves round away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export function quantizeQ8_0(src: Float32Array, out: Uint8Array, blocks: number): void {
  for (let b = 0; b < blocks; b++) {
    const offset = b * 32;
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[offset + j]));
    const d = amax / 127;
    const id = d ? 1 / d : 0;
    const base = b * 34;
    writeU16(out, base, f32ToF16Bits(d));
    for (let j = 0; j < 32; j++) out[base + 2 + j] = roundHalfAway(src[offset + j] * id) & 0xff;
  }
}

export function quantizeQ4_0(src: Float32Array, out: Uint8Array, blocks: number): void {
  for (let b = 0; b < blocks; b++) {
    const offset = b * 32;
    // The extreme value maps to quant 0 (-8 · d), so the scale's sign follows it.
    const d = signedAbsMax(src, offset) / -8;
    const id = d ? 1 / d : 0;
    const base = b * 18;
    writeU16(out, base, f32ToF16Bits(d));
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, Math.trunc(src[offset + j] * id + 8.5));
      const q1 = Math.min(15, Math.trunc(src[offset + 16 + j] * id + 8.5));
      out[base + 2 + j] = q0 | (q1 << 4);
    }
  }
}

export function quantizeQ4_1(src: Float32Array, out: Uint8Array, blocks: number): void {
  for (let b = 0; b < blocks; b++) {
    const offset = b * 32;
    const base = b * 20;
    const [min, id] = writeScaleAndMin(src, offset, out, base, 15);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, Math.trunc((src[offset + j] - min) * id + 0.5));
      const q1 = Math.min(15, Math.trunc((src[offset + 16 + j] - min) * id + 0.5));
      out[base + 4 + j] = q0 | (q1 << 4);
    }
  }
}

/** Packs 32 five-bit quants: low nibbles into `qs`, fifth bits into the u32 `qh` before it. */
function packFiveBit(quants: Uint8Array, out: Uint8Array, qhOffset: number): void {
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const q0 = quants[j];
    const q1 = quants[j + 16];
    out[qhOffset + 4 + j] = (q0 & 15) | ((q1 & 15) << 4);
    qh |= ((q0 >> 4) & 1) << j;
    qh |= ((q1 >> 4) & 1) << (j + 16);
  }
  out[qhOffset] = qh & 0xff;
  out[qhOffset + 1] = (qh >>> 8) & 0xff;
  out[qhOffset + 2] = (qh >>> 16) & 0xff;
  out[qhOffset + 3] = (qh >>> 24) & 0xff;
}

export function quantizeQ5_0(src: Float32Array, out: Uint8Array, blocks: number): void {
  const quants = new Uint8Array(32);
  for (let b = 0; b < blocks; b++) {
    const offset = b * 32;
    const d = signedAbsMax(src, offset) / -16;
    const id = d ? 1 / d : 0;
    const base = b * 22;
    writeU16(out, base, f32ToF16Bits(d));
    for (let j = 0; j < 32; j++) quants[j] = Math.min(31, Math.trunc(src[offset + j] * id + 16.5));
    packFiveBit(quants, out, base + 2);
  }
}

export function quantizeQ5_1(src: Float32Array, out: Uint8Array, blocks: number): void {
  const quants = new Uint8Array(32);
  for (let b = 0; b < blocks; b++) {
    const offset = b * 32;
    const base = b * 24;
    const [min, id] = writeScaleAndMin(src, offset, out, base, 31);
    for (let j = 0; j < 32; j++) quants[j] = Math.min(31, Math.trunc((src[offset + j] - min) * id + 0.5));
    packFiveBit(quants, out, base + 4);
  }
}
