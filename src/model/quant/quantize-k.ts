/**
 * Quantizers for the 256-value super-block types Q4_K, Q5_K and Q6_K, following ggml's reference
 * quantizers without an importance matrix (quantize_row_q4_K_ref, _q5_K_ref, _q6_K_ref and their
 * helpers make_qkx2_quants and make_qx_quants in ggml-quants.c), which is what llama-quantize
 * runs when it is given no imatrix.
 *
 * NOTE: the arithmetic runs in f64 where ggml's runs in f32. A value that lands exactly on a
 * rounding boundary may therefore get a neighbouring quant, but the layout and error bounds match.
 */
import { f32ToF16Bits } from '../../util/f16.ts';
import { unpackScaleMinK4 } from './dequantize-k.ts';
import { f16Table65536, writeU16 } from './half.ts';

/** Below this magnitude a group counts as all zeros (ggml's GROUP_MAX_EPS). */
const GROUP_MAX_EPS = 1e-15;

/** 1.5 · 2^52: adding and subtracting it rounds an f64 below 2^51 in magnitude to an integer. */
const ROUNDING_CONSTANT = 6755399441055744;

/**
 * Rounds to the nearest integer, halves to even, like ggml's nearest_int. The addition rounds in
 * the FPU's default mode (nearest, ties to even), which is about twice as fast as Math.round and
 * a tie fix-up. Valid for |x| < 2^51.
 */
export function nearestInt(x: number): number {
  return x + ROUNDING_CONSTANT - ROUNDING_CONSTANT;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

/** Scratch buffers reused across blocks, so quantizing a large tensor allocates nothing per block. */
class Scratch {
  readonly levels = new Uint8Array(256);
  readonly trialLevels = new Uint8Array(32);
  readonly weights = new Float64Array(32);
  readonly scales = new Float64Array(16);
  readonly mins = new Float64Array(16);
  readonly scaleMin = new Uint8Array(2);
  readonly scaleLevels = new Uint8Array(8);
  readonly minLevels = new Uint8Array(8);
  /** Second result of fitScaleAndMin. */
  min = 0;
}

/**
 * Fits `x ≈ scale · L + min` with integer levels L in [0, nmax] over n values at x[offset..],
 * minimizing the weighted squared error over nstep + 1 candidate scales (make_qkx2_quants).
 * Writes the levels to levels[levelOffset..], returns the scale and leaves −min in scratch.min.
 */
function fitScaleAndMin(
  n: number,
  nmax: number,
  x: Float32Array,
  offset: number,
  scratch: Scratch,
  levelOffset: number,
  rmin: number,
  rdelta: number,
  nstep: number,
): number {
  const { weights, levels, trialLevels } = scratch;
  let min = x[offset];
  let max = x[offset];
  let sumW = weights[0];
  let sumX = sumW * x[offset];
  for (let i = 1; i < n; i++) {
    const v = x[offset + i];
    if (v < min) min = v;
    if (v > max) max = v;
    sumW += weights[i];
    sumX += weights[i] * v;
  }
  if (min > 0) min = 0;
  if (max === min) {
    levels.fill(0, levelOffset, levelOffset + n);
    scratch.min = -min;
    return 0;
  }
  let iscale = nmax / (max - min);
  let scale = 1 / iscale;
  let bestError = 0;
  let sumX2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[offset + i];
    const level = clamp(nearestInt(iscale * (v - min)), 0, nmax);
    levels[levelOffset + i] = level;
    const diff = scale * level + min - v;
    bestError += weights[i] * diff * diff;
    sumX2 += weights[i] * v * v;
  }

  for (let step = 0; step <= nstep; step++) {
    iscale = (rmin + rdelta * step + nmax) / (max - min);
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const v = x[offset + i];
      const level = clamp(nearestInt(iscale * (v - min)), 0, nmax);
      trialLevels[i] = level;
      const wl = weights[i] * level;
      sumL += wl;
      sumL2 += wl * level;
      sumXL += wl * v;
    }
    const det = sumW * sumL2 - sumL * sumL;
    if (det <= 0) continue;
    let trialScale = (sumW * sumXL - sumX * sumL) / det;
    let trialMin = (sumL2 * sumX - sumL * sumXL) / det;
    if (trialMin > 0) {
      trialMin = 0;
      trialScale = sumXL / sumL2;
    }
    // Σ w·(s·L + m − x)² expanded into the sums above, which saves a pass over the values.
    const error =
      trialScale * trialScale * sumL2 +
      2 * trialScale * trialMin * sumL -
      2 * trialScale * sumXL +
      trialMin * trialMin * sumW -
      2 * trialMin * sumX +
      sumX2;
    if (error < bestError) {
      for (let i = 0; i < n; i++) levels[levelOffset + i] = trialLevels[i];
      bestError = error;
      scale = trialScale;
      min = trialMin;
    }
  }
  scratch.min = -min;
  return scale;
}

const symmetricResult: [number, number] = [0, 0];

/**
 * Rounds x[offset..offset + n) · iscale to levels in [−nmax, nmax), storing level + nmax when
 * `levels` is given, and returns the x²-weighted sums Σw·x·L and Σw·L² (in a reused pair).
 */
function symmetricSums(
  n: number,
  nmax: number,
  x: Float32Array,
  offset: number,
  iscale: number,
  levels: Uint8Array | null,
  levelOffset: number,
): [number, number] {
  let sumLX = 0;
  let sumL2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[offset + i];
    const level = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
    if (levels) levels[levelOffset + i] = level + nmax;
    const w = v * v;
    sumLX += w * v * level;
    sumL2 += w * level * level;
  }
  symmetricResult[0] = sumLX;
  symmetricResult[1] = sumL2;
  return symmetricResult;
}

/**
 * Fits `x ≈ scale · (L − nmax)` with levels L in [0, 2·nmax) over n values, weighting each by x²
 * and trying 19 scales around nmax / max (make_qx_quants with rmse_type 1). Returns the scale.
 */
function fitSymmetricScale(n: number, nmax: number, x: Float32Array, offset: number, levels: Uint8Array, levelOffset: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[offset + i]);
    if (ax > amax) {
      amax = ax;
      max = x[offset + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    levels.fill(0, levelOffset, levelOffset + n);
    return 0;
  }

  const sums = symmetricSums(n, nmax, x, offset, -nmax / max, levels, levelOffset);
  let scale = sums[1] ? sums[0] / sums[1] : 0;
  let best = scale * sums[0];
  for (let step = -9; step <= 9; step++) {
    if (step === 0) continue;
    const iscale = -(nmax + 0.1 * step) / max;
    symmetricSums(n, nmax, x, offset, iscale, null, 0);
    const sumLX = sums[0];
    const sumL2 = sums[1];
    if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
      symmetricSums(n, nmax, x, offset, iscale, levels, levelOffset);
      scale = sumLX / sumL2;
      best = scale * sumLX;
    }
  }
  return scale;
}

/** Packs 8 six-bit scales and mins into the 12-byte field at `offset` (inverse of unpackScaleMinK4). */
function packScaleMinK4(out: Uint8Array, offset: number, scales: Uint8Array, mins: Uint8Array): void {
  out.fill(0, offset, offset + 12);
  for (let j = 0; j < 8; j++) {
    const ls = scales[j];
    const lm = mins[j];
    if (j < 4) {
      out[offset + j] = ls;
      out[offset + j + 4] = lm;
    } else {
      out[offset + j + 4] = (ls & 15) | ((lm & 15) << 4);
      out[offset + j - 4] |= (ls >> 4) << 6;
      out[offset + j] |= (lm >> 4) << 6;
    }
  }
}

/**
 * Shared steps of Q4_K and Q5_K for one super-block: fits each 32-value sub-block, stores d, dmin
 * and the packed 6-bit scales and mins at block offset `base`, then requantizes every value
 * against the stored (rounded) scales into scratch.levels.
 */
function quantizeAsymmetricSuperBlock(
  src: Float32Array,
  offset: number,
  out: Uint8Array,
  base: number,
  nmax: number,
  rmin: number,
  nstep: number,
  scratch: Scratch,
): void {
  const { weights, scales, mins, levels, scaleMin, scaleLevels, minLevels } = scratch;
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const sub = offset + 32 * j;
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 += src[sub + l] * src[sub + l];
    const averageMagnitude = Math.sqrt(sumX2 / 32);
    for (let l = 0; l < 32; l++) weights[l] = averageMagnitude + Math.abs(src[sub + l]);
    scales[j] = fitScaleAndMin(32, nmax, src, sub, scratch, 32 * j, rmin, 0.1, nstep);
    mins[j] = scratch.min;
    if (scales[j] > maxScale) maxScale = scales[j];
    if (mins[j] > maxMin) maxMin = mins[j];
  }

  const inverseScale = maxScale > 0 ? 63 / maxScale : 0;
  const inverseMin = maxMin > 0 ? 63 / maxMin : 0;
  for (let j = 0; j < 8; j++) {
    scaleLevels[j] = Math.min(63, nearestInt(inverseScale * scales[j]));
    minLevels[j] = Math.min(63, nearestInt(inverseMin * mins[j]));
  }
  const dBits = f32ToF16Bits(maxScale / 63);
  const dminBits = f32ToF16Bits(maxMin / 63);
  writeU16(out, base, dBits);
  writeU16(out, base + 2, dminBits);
  packScaleMinK4(out, base + 4, scaleLevels, minLevels);

  const half = f16Table65536();
  for (let j = 0; j < 8; j++) {
    unpackScaleMinK4(out, base + 4, j, scaleMin);
    const d = half[dBits] * scaleMin[0];
    if (!d) continue;
    const dm = half[dminBits] * scaleMin[1];
    for (let l = 0; l < 32; l++) levels[32 * j + l] = clamp(nearestInt((src[offset + 32 * j + l] + dm) / d), 0, nmax);
  }
}

export function quantizeQ4_K(src: Float32Array, out: Uint8Array, blocks: number): void {
  const scratch = new Scratch();
  for (let b = 0; b < blocks; b++) {
    const base = b * 144;
    quantizeAsymmetricSuperBlock(src, b * 256, out, base, 15, -1, 20, scratch);
    const { levels } = scratch;
    for (let chunk = 0; chunk < 4; chunk++) {
      for (let l = 0; l < 32; l++) out[base + 16 + 32 * chunk + l] = levels[64 * chunk + l] | (levels[64 * chunk + 32 + l] << 4);
    }
  }
}

export function quantizeQ5_K(src: Float32Array, out: Uint8Array, blocks: number): void {
  const scratch = new Scratch();
  for (let b = 0; b < blocks; b++) {
    const base = b * 176;
    quantizeAsymmetricSuperBlock(src, b * 256, out, base, 31, -0.5, 15, scratch);
    const { levels } = scratch;
    const qh = base + 16;
    out.fill(0, qh, qh + 32);
    for (let chunk = 0; chunk < 4; chunk++) {
      const lowBit = 1 << (2 * chunk);
      const highBit = lowBit << 1;
      for (let l = 0; l < 32; l++) {
        const low = levels[64 * chunk + l];
        const high = levels[64 * chunk + 32 + l];
        if (low > 15) out[qh + l] |= lowBit;
        if (high > 15) out[qh + l] |= highBit;
        out[base + 48 + 32 * chunk + l] = (low & 15) | ((high & 15) << 4);
      }
    }
  }
}

export function quantizeQ6_K(src: Float32Array, out: Uint8Array, blocks: number): void {
  const scratch = new Scratch();
  const { levels, scales } = scratch;
  const half = f16Table65536();
  for (let b = 0; b < blocks; b++) {
    const offset = b * 256;
    const base = b * 210;
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      scales[ib] = fitSymmetricScale(16, 32, src, offset + 16 * ib, levels, 16 * ib);
      if (Math.abs(scales[ib]) > maxAbsScale) {
        maxAbsScale = Math.abs(scales[ib]);
        maxScale = scales[ib];
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) {
      out.fill(0, base, base + 210);
      continue;
    }

    // The largest scale maps to −128, so the stored d carries its sign.
    const iscale = -128 / maxScale;
    const dBits = f32ToF16Bits(1 / iscale);
    writeU16(out, base + 208, dBits);
    for (let ib = 0; ib < 16; ib++) out[base + 192 + ib] = Math.min(127, nearestInt(iscale * scales[ib])) & 0xff;

    for (let j = 0; j < 16; j++) {
      const d = half[dBits] * ((out[base + 192 + j] << 24) >> 24);
      if (!d) continue;
      for (let i = 0; i < 16; i++) levels[16 * j + i] = clamp(nearestInt(src[offset + 16 * j + i] / d), -32, 31) + 32;
    }

    for (let h = 0; h < 2; h++) {
      const ql = base + 64 * h;
      const qh = base + 128 + 32 * h;
      const v = 128 * h;
      for (let l = 0; l < 32; l++) {
        const q1 = levels[v + l];
        const q2 = levels[v + l + 32];
        const q3 = levels[v + l + 64];
        const q4 = levels[v + l + 96];
        out[ql + l] = (q1 & 15) | ((q3 & 15) << 4);
        out[ql + l + 32] = (q2 & 15) | ((q4 & 15) << 4);
        out[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
      }
    }
  }
}
