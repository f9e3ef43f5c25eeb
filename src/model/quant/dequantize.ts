/** `dequantize(type, bytes, count)`: tensor bytes of any supported ggml type to f32 values. */
import { bf16BitsToF32 } from '../../util/f16.ts';
import { dequantizeQ4_K, dequantizeQ5_K, dequantizeQ6_K } from './dequantize-k.ts';
import { dequantizeQ4_0, dequantizeQ4_1, dequantizeQ5_0, dequantizeQ5_1, dequantizeQ8_0 } from './dequantize-legacy.ts';
import { f16Table65536, HOST_IS_LITTLE_ENDIAN } from './half.ts';
import { byteSizeOf, GgmlType, ggmlTypeInfo, ggmlTypeName, GGML_TYPES } from './types.ts';

type BlockDequantizer = (src: Uint8Array, out: Float32Array, blocks: number) => void;

function dequantizeF32(src: Uint8Array, out: Float32Array, count: number): void {
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer, out.byteOffset, count * 4).set(src.subarray(0, count * 4));
    return;
  }
  const view = new DataView(src.buffer, src.byteOffset, count * 4);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
}

function dequantizeF16(src: Uint8Array, out: Float32Array, count: number): void {
  const half = f16Table65536();
  for (let i = 0; i < count; i++) out[i] = half[src[2 * i] | (src[2 * i + 1] << 8)];
}

function dequantizeBF16(src: Uint8Array, out: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) out[i] = bf16BitsToF32(src[2 * i] | (src[2 * i + 1] << 8));
}

const DEQUANTIZERS: ReadonlyMap<GgmlType, BlockDequantizer> = new Map<GgmlType, BlockDequantizer>([
  [GgmlType.F32, dequantizeF32],
  [GgmlType.F16, dequantizeF16],
  [GgmlType.BF16, dequantizeBF16],
  [GgmlType.Q4_0, dequantizeQ4_0],
  [GgmlType.Q4_1, dequantizeQ4_1],
  [GgmlType.Q5_0, dequantizeQ5_0],
  [GgmlType.Q5_1, dequantizeQ5_1],
  [GgmlType.Q8_0, dequantizeQ8_0],
  [GgmlType.Q4_K, dequantizeQ4_K],
  [GgmlType.Q5_K, dequantizeQ5_K],
  [GgmlType.Q6_K, dequantizeQ6_K],
]);

/** Types `dequantize` accepts. */
export const DEQUANTIZABLE_TYPES: readonly GgmlType[] = [...DEQUANTIZERS.keys()];

export function canDequantize(type: GgmlType): boolean {
  return DEQUANTIZERS.has(type);
}

/**
 * Decodes `count` values of `type` from the start of `bytes` into `out` (a new array when omitted).
 * Throws a RangeError when the type is not supported, `count` is not a whole number of blocks, or
 * `bytes` or `out` is too short.
 */
export function dequantize(type: GgmlType, bytes: Uint8Array, count: number, out?: Float32Array): Float32Array {
  const dequantizer = DEQUANTIZERS.get(type);
  if (!dequantizer) {
    const supported = DEQUANTIZABLE_TYPES.map((t) => GGML_TYPES.get(t)!.name).join(', ');
    throw new RangeError(`dequantizing ${ggmlTypeName(type)} is not supported; supported types: ${supported}`);
  }
  const needed = byteSizeOf(type, count);
  if (bytes.length < needed) {
    throw new RangeError(`${count} ${ggmlTypeName(type)} values need ${needed} bytes, but only ${bytes.length} were given`);
  }
  const target = out ?? new Float32Array(count);
  if (target.length < count) throw new RangeError(`output has room for ${target.length} values, ${count} needed`);
  const { blockSize } = ggmlTypeInfo(type);
  // Plain element types take an element count, block types a block count.
  dequantizer(bytes, target, blockSize === 1 ? count : count / blockSize);
  return target;
}
