/**
 * Byte layouts of the blocks this project dequantizes, for readers of the TypeScript dequantizers
 * and writers of WGSL kernels. Offsets are in bytes from the start of a block. Every multi-byte
 * field is little-endian. Source: the block structs in ggml-common.h and the dequantize_row_*
 * functions of ggml-quants.c (ggml-org/llama.cpp, 2026).
 */
import { GgmlType, ggmlTypeInfo } from './types.ts';

export type BlockFieldKind = 'f32' | 'f16' | 'bf16' | 'u8' | 'i8';

export interface BlockField {
  name: string;
  offset: number;
  kind: BlockFieldKind;
  /** Number of `kind` elements in the field. */
  count: number;
  meaning: string;
}

export interface BlockLayout {
  type: GgmlType;
  /** Values per block. */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
  fields: BlockField[];
  /** How value i of the block is computed from the fields. */
  decode: string;
}

const KIND_BYTES: Record<BlockFieldKind, number> = { f32: 4, f16: 2, bf16: 2, u8: 1, i8: 1 };

export function fieldBytes(field: BlockField): number {
  return KIND_BYTES[field.kind] * field.count;
}

function layout(type: GgmlType, fields: BlockField[], decode: string): BlockLayout {
  const { blockSize, typeSize } = ggmlTypeInfo(type);
  return { type, blockSize, typeSize, fields, decode };
}

/** The packed 6-bit scales and mins shared by Q4_K and Q5_K (12 bytes for 8 sub-blocks). */
const K_SCALES_DECODE =
  'sub-block j (32 values) has scale sc[j] and min m[j], 6 bits each: for j < 4, sc = scales[j] & 63 and ' +
  'm = scales[j + 4] & 63; for j >= 4, sc = (scales[j + 4] & 15) | ((scales[j - 4] >> 6) << 4) and ' +
  'm = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4).';

export const BLOCK_LAYOUTS: ReadonlyMap<GgmlType, BlockLayout> = new Map(
  [
    layout(GgmlType.F32, [{ name: 'value', offset: 0, kind: 'f32', count: 1, meaning: 'the value' }], 'x = value'),
    layout(GgmlType.F16, [{ name: 'value', offset: 0, kind: 'f16', count: 1, meaning: 'the value (IEEE half)' }], 'x = value'),
    layout(GgmlType.BF16, [{ name: 'value', offset: 0, kind: 'bf16', count: 1, meaning: 'the top 16 bits of an f32' }], 'x = value'),
    layout(
      GgmlType.Q8_0,
      [
        { name: 'd', offset: 0, kind: 'f16', count: 1, meaning: 'scale' },
        { name: 'qs', offset: 2, kind: 'i8', count: 32, meaning: 'signed 8-bit quants' },
      ],
      'x[i] = d * qs[i]',
    ),
    layout(
      GgmlType.Q4_0,
      [
        { name: 'd', offset: 0, kind: 'f16', count: 1, meaning: 'scale' },
        { name: 'qs', offset: 2, kind: 'u8', count: 16, meaning: 'low nibble of byte j is value j, high nibble is value j + 16' },
      ],
      'for j < 16: x[j] = d * ((qs[j] & 15) - 8), x[j + 16] = d * ((qs[j] >> 4) - 8)',
    ),
    layout(
      GgmlType.Q4_1,
      [
        { name: 'd', offset: 0, kind: 'f16', count: 1, meaning: 'scale' },
        { name: 'm', offset: 2, kind: 'f16', count: 1, meaning: 'minimum' },
        { name: 'qs', offset: 4, kind: 'u8', count: 16, meaning: 'low nibble of byte j is value j, high nibble is value j + 16' },
      ],
      'for j < 16: x[j] = d * (qs[j] & 15) + m, x[j + 16] = d * (qs[j] >> 4) + m',
    ),
    layout(
      GgmlType.Q5_0,
      [
        { name: 'd', offset: 0, kind: 'f16', count: 1, meaning: 'scale' },
        { name: 'qh', offset: 2, kind: 'u8', count: 4, meaning: 'fifth bits: bit i of the little-endian u32 belongs to value i' },
        { name: 'qs', offset: 6, kind: 'u8', count: 16, meaning: 'low 4 bits: low nibble of byte j is value j, high nibble is value j + 16' },
      ],
      'q[i] = (nibble of value i) | (bit i of qh) << 4; x[i] = d * (q[i] - 16)',
    ),
    layout(
      GgmlType.Q5_1,
      [
        { name: 'd', offset: 0, kind: 'f16', count: 1, meaning: 'scale' },
        { name: 'm', offset: 2, kind: 'f16', count: 1, meaning: 'minimum' },
        { name: 'qh', offset: 4, kind: 'u8', count: 4, meaning: 'fifth bits: bit i of the little-endian u32 belongs to value i' },
        { name: 'qs', offset: 8, kind: 'u8', count: 16, meaning: 'low 4 bits: low nibble of byte j is value j, high nibble is value j + 16' },
      ],
      'q[i] = (nibble of value i) | (bit i of qh) << 4; x[i] = d * q[i] + m',
    ),
    layout(
      GgmlType.Q4_K,
      [
        { name: 'd', offset: 0, kind: 'f16', count: 1, meaning: 'super-block scale of the sub-block scales' },
        { name: 'dmin', offset: 2, kind: 'f16', count: 1, meaning: 'super-block scale of the sub-block mins' },
        { name: 'scales', offset: 4, kind: 'u8', count: 12, meaning: '8 scales and 8 mins, 6 bits each, packed' },
        { name: 'qs', offset: 16, kind: 'u8', count: 128, meaning: '4-bit quants; bytes 32c..32c+31 hold values 64c..64c+31 (low nibbles) and 64c+32..64c+63 (high nibbles)' },
      ],
      `${K_SCALES_DECODE} For chunk c < 4 and l < 32: x[64c + l] = d * sc[2c] * (qs[32c + l] & 15) - dmin * m[2c]; ` +
        'x[64c + 32 + l] = d * sc[2c + 1] * (qs[32c + l] >> 4) - dmin * m[2c + 1]',
    ),
    layout(
      GgmlType.Q5_K,
      [
        { name: 'd', offset: 0, kind: 'f16', count: 1, meaning: 'super-block scale of the sub-block scales' },
        { name: 'dmin', offset: 2, kind: 'f16', count: 1, meaning: 'super-block scale of the sub-block mins' },
        { name: 'scales', offset: 4, kind: 'u8', count: 12, meaning: '8 scales and 8 mins, 6 bits each, packed as in Q4_K' },
        { name: 'qh', offset: 16, kind: 'u8', count: 32, meaning: 'fifth bits: bit 2c of qh[l] for value 64c + l, bit 2c + 1 for value 64c + 32 + l' },
        { name: 'qs', offset: 48, kind: 'u8', count: 128, meaning: 'low 4 bits, arranged as in Q4_K' },
      ],
      `${K_SCALES_DECODE} For chunk c < 4 and l < 32: x[64c + l] = d * sc[2c] * ((qs[32c + l] & 15) + 16 * bit(qh[l], 2c)) - dmin * m[2c]; ` +
        'x[64c + 32 + l] = d * sc[2c + 1] * ((qs[32c + l] >> 4) + 16 * bit(qh[l], 2c + 1)) - dmin * m[2c + 1]',
    ),
    layout(
      GgmlType.Q6_K,
      [
        { name: 'ql', offset: 0, kind: 'u8', count: 128, meaning: 'low 4 bits of the quants' },
        { name: 'qh', offset: 128, kind: 'u8', count: 64, meaning: 'high 2 bits of the quants' },
        { name: 'scales', offset: 192, kind: 'i8', count: 16, meaning: 'signed 8-bit scale per 16 values' },
        { name: 'd', offset: 208, kind: 'f16', count: 1, meaning: 'super-block scale' },
      ],
      'For half h < 2 (128 values each), l < 32, with ql = ql[64h..], qh = qh[32h..], s = scales[8h..], is = l >> 4: ' +
        'q1 = (ql[l] & 15 | ((qh[l] >> 0) & 3) << 4) - 32 is value 128h + l with scale s[is]; ' +
        'q2 = (ql[l + 32] & 15 | ((qh[l] >> 2) & 3) << 4) - 32 is value 128h + 32 + l with s[is + 2]; ' +
        'q3 = (ql[l] >> 4 | ((qh[l] >> 4) & 3) << 4) - 32 is value 128h + 64 + l with s[is + 4]; ' +
        'q4 = (ql[l + 32] >> 4 | ((qh[l] >> 6) & 3) << 4) - 32 is value 128h + 96 + l with s[is + 6]; x = d * scale * q',
    ),
  ].map((entry) => [entry.type, entry]),
);
