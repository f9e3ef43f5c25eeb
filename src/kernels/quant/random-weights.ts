/**
 * Random GGUF tensor bytes for kernel checks and benchmarks. Quants are uniform random bytes, so
 * every bit pattern of the packed fields occurs (6-bit K-quant scales with their high bits set,
 * negative Q6_K scales), while the f16 scales are drawn so decoded values stay within about ±4.
 */
import { f32ToF16Bits } from '../../util/f16.ts';
import type { Rng } from '../../util/random.ts';
import { rowLayout, WEIGHT_FORMATS, type WeightType } from './formats.ts';

function writeF16(bytes: Uint8Array, offset: number, value: number): void {
  const bits = f32ToF16Bits(value);
  bytes[offset] = bits & 255;
  bytes[offset + 1] = bits >> 8;
}

function signedUniform(rng: Rng, min: number, max: number): number {
  return rng.uniform(min, max) * (rng.next() < 0.5 ? -1 : 1);
}

/** Bytes of a `rows` × `cols` tensor of `type` as GGUF stores it. */
export function randomWeightBytes(type: WeightType, rows: number, cols: number, rng: Rng): Uint8Array {
  const layout = rowLayout(type, cols);
  const blocks = rows * layout.blocks;
  const bytes = new Uint8Array(rows * layout.sourceBytes);
  if (type === 'F32') {
    new Float32Array(bytes.buffer).set(rng.floats(rows * cols));
    return bytes;
  }
  if (type === 'F16') {
    for (let i = 0; i < blocks; i++) writeF16(bytes, 2 * i, rng.uniform(-1, 1));
    return bytes;
  }
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
  const size = WEIGHT_FORMATS[type].blockBytes;
  for (let b = 0; b < blocks; b++) {
    const block = b * size;
    // Largest decoded magnitudes: Q4_0 8·d, Q8_0 128·d, Q4_K 63·15·d + 63·dmin, Q6_K 128·32·d.
    if (type === 'Q4_0') writeF16(bytes, block, signedUniform(rng, 0.02, 0.25));
    if (type === 'Q8_0') writeF16(bytes, block, signedUniform(rng, 0.002, 0.02));
    if (type === 'Q4_K') {
      writeF16(bytes, block, signedUniform(rng, 0.0005, 0.004));
      writeF16(bytes, block + 2, signedUniform(rng, 0, 0.01));
    }
    if (type === 'Q6_K') writeF16(bytes, block + 208, signedUniform(rng, 0.0001, 0.001));
  }
  return bytes;
}
