/** Fast f16 and bf16 decoding for dequantization loops, and the host byte order. */
import { f16BitsToF32 } from '../../util/f16.ts';

/** Typed-array views of file bytes are only valid as numbers on a little-endian host. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let f16Table: Float32Array | undefined;

/** Every f16 bit pattern decoded to f32 (256 KiB, built on first use). */
export function f16Table65536(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) f16Table[bits] = f16BitsToF32(bits);
  }
  return f16Table;
}

/** Reads the little-endian f16 at `offset` of `bytes` as a number. */
export function readF16(bytes: Uint8Array, offset: number): number {
  return f16Table65536()[bytes[offset] | (bytes[offset + 1] << 8)];
}

/** Writes f16 bits little-endian at `offset`. */
export function writeU16(bytes: Uint8Array, offset: number, bits: number): void {
  bytes[offset] = bits & 0xff;
  bytes[offset + 1] = (bits >>> 8) & 0xff;
}
