/** `quantize(type, values)`: f32 values to the bytes of a ggml tensor type. */
import { f32ToF16Bits } from '../../util/f16.ts';
import { HOST_IS_LITTLE_ENDIAN, writeU16 } from './half.ts';
import { quantizeQ4_K, quantizeQ5_K, quantizeQ6_K } from './quantize-k.ts';
import { quantizeQ4_0, quantizeQ4_1, quantizeQ5_0, quantizeQ5_1, quantizeQ8_0 } from './quantize-legacy.ts';
import { byteSizeOf, GgmlType, ggmlTypeInfo, ggmlTypeName, GGML_TYPES } from './types.ts';

type BlockQuantizer = (src: Float32Array, out: Uint8Array, blocks: number) => void;

function quantizeF32(src: Float32Array, out: Uint8Array, count: number): void {
  if (HOST_IS_LITTLE_ENDIAN) {
    out.set(new Uint8Array(src.buffer, src.byteOffset, count * 4));
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, count * 4);
  for (let i = 0; i < count; i++) view.setFloat32(i * 4, src[i], true);
}

function quantizeF16(src: Float32Array, out: Uint8Array, count: number): void {
  for (let i = 0; i < count; i++) writeU16(out, 2 * i, f32ToF16Bits(src[i]));
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** Rounds an f32 to bf16 bits, nearest even, keeping NaN a quiet NaN (as ggml_compute_fp32_to_bf16). */
export function f32ToBf16Bits(value: number): number {
  f32Scratch[0] = value;
  const bits = u32Scratch[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 64) & 0xffff;
  return ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16) & 0xffff;
}

function quantizeBF16(src: Float32Array, out: Uint8Array, count: number): void {
  for (let i = 0; i < count; i++) writeU16(out, 2 * i, f32ToBf16Bits(src[i]));
}

const QUANTIZERS: ReadonlyMap<GgmlType, BlockQuantizer> = new Map<GgmlType, BlockQuantizer>([
  [GgmlType.F32, quantizeF32],
  [GgmlType.F16, quantizeF16],
  [GgmlType.BF16, quantizeBF16],
  [GgmlType.Q8_0, quantizeQ8_0],
  [GgmlType.Q4_0, quantizeQ4_0],
  [GgmlType.Q4_1, quantizeQ4_1],
  [GgmlType.Q5_0, quantizeQ5_0],
  [GgmlType.Q5_1, quantizeQ5_1],
  [GgmlType.Q4_K, quantizeQ4_K],
  [GgmlType.Q5_K, quantizeQ5_K],
  [GgmlType.Q6_K, quantizeQ6_K],
]);

/** Types `quantize` can produce. */
export const QUANTIZABLE_TYPES: readonly GgmlType[] = [...QUANTIZERS.keys()];

export function canQuantize(type: GgmlType): boolean {
  return QUANTIZERS.has(type);
}

/**
 * Encodes `values` as `type` into `out` (a new array of the exact size when omitted). The length
 * must be a whole number of blocks (32 or 256 values for quantized types), and block types reject
 * NaN and infinite values, which would corrupt a block's scale.
 */
export function quantize(type: GgmlType, values: Float32Array, out?: Uint8Array): Uint8Array {
  const quantizer = QUANTIZERS.get(type);
  if (!quantizer) {
    const supported = QUANTIZABLE_TYPES.map((t) => GGML_TYPES.get(t)!.name).join(', ');
    throw new RangeError(`quantizing to ${ggmlTypeName(type)} is not supported; supported types: ${supported}`);
  }
  const count = values.length;
  const size = byteSizeOf(type, count);
  const target = out ?? new Uint8Array(size);
  if (target.length < size) throw new RangeError(`output has ${target.length} bytes, ${size} needed for ${count} ${ggmlTypeName(type)} values`);
  const { blockSize } = ggmlTypeInfo(type);
  if (blockSize > 1) {
    for (let i = 0; i < count; i++) {
      if (!Number.isFinite(values[i])) throw new RangeError(`value ${i} is ${values[i]}; ${ggmlTypeName(type)} blocks need finite values`);
    }
  }
  quantizer(values, target, blockSize === 1 ? count : count / blockSize);
  return target;
}
