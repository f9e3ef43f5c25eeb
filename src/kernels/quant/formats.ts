/**
 * The GGUF weight types the quantized kernels read, and how each is laid out on the GPU.
 *
 * The kernels layer sits below src/model, so it cannot import the GGUF type table or the CPU
 * dequantizers from src/model/quant. The ids and block sizes of the six supported types are
 * repeated here (ggml.h `enum ggml_type`, ggml-common.h block structs), and a unit test checks them
 * against the GGUF table. Every reference takes the CPU dequantizer as a `Dequantizer` argument.
 * src/model/quant's `dequantize` fits it as is, so the references and the GGUF reader share one
 * implementation of the block layouts.
 *
 * GPU layout of a weight matrix of `rows` rows of `cols` values (row-major, as GGUF stores it).
 * Each part of a split weight (see weights.ts) holds whole rows in two buffers:
 *
 * | type | quants buffer, per row | scales buffer, per row |
 * | --- | --- | --- |
 * | F32  | cols rounded up to 8 f32 values, zero padded | none |
 * | F16  | cols rounded up to 8 f16 values, zero padded | none |
 * | Q4_0 | per block its 16 bytes of 4-bit quants | per block its f16 scale `d`, padded to an even count |
 * | Q8_0 | per block its 32 signed 8-bit quants | as Q4_0 |
 * | Q4_K | the 144-byte blocks unchanged (16-byte header d, dmin, scales; 128 bytes of quants) | none |
 * | Q6_K | per block its first 208 bytes (ql, qh, scales) | per block its f16 scale `d`, as Q4_0 |
 *
 * Every row of the quants buffer is a whole number of 16-byte vectors, so shaders read it as
 * `array<vec4<u32>>`; the scales buffer is read as `array<u32>` with two f16 per word.
 */

export const WEIGHT_TYPES = ['F32', 'F16', 'Q4_0', 'Q8_0', 'Q4_K', 'Q6_K'] as const;
export type WeightType = (typeof WEIGHT_TYPES)[number];

/**
 * CPU decoder of GGUF tensor bytes: `count` values of ggml type id `ggmlType` from the start of
 * `bytes`. src/model/quant's `dequantize` has this signature.
 */
export type Dequantizer = (ggmlType: number, bytes: Uint8Array, count: number) => Float32Array;

export interface WeightFormat {
  type: WeightType;
  /** Id in GGUF tensor infos (ggml.h `enum ggml_type`). */
  ggmlType: number;
  /** Values per GGUF block (1 for plain F32 and F16). */
  blockSize: number;
  /** Bytes per GGUF block. */
  blockBytes: number;
  /** Bytes of the block that go to the quants buffer, and of the f16 scale that goes to the scales buffer. */
  quantBytesPerBlock: number;
  hasScales: boolean;
  /**
   * Values one shader invocation decodes per step ("unit"), read with one to three vec4<u32> loads.
   * Rows of F32 and F16 are padded to a multiple of this; block types divide their blocks evenly.
   */
  unitValues: number;
}

export const WEIGHT_FORMATS: Readonly<Record<WeightType, WeightFormat>> = {
  F32: { type: 'F32', ggmlType: 0, blockSize: 1, blockBytes: 4, quantBytesPerBlock: 4, hasScales: false, unitValues: 8 },
  F16: { type: 'F16', ggmlType: 1, blockSize: 1, blockBytes: 2, quantBytesPerBlock: 2, hasScales: false, unitValues: 8 },
  Q4_0: { type: 'Q4_0', ggmlType: 2, blockSize: 32, blockBytes: 18, quantBytesPerBlock: 16, hasScales: true, unitValues: 32 },
  Q8_0: { type: 'Q8_0', ggmlType: 8, blockSize: 32, blockBytes: 34, quantBytesPerBlock: 32, hasScales: true, unitValues: 32 },
  Q4_K: { type: 'Q4_K', ggmlType: 12, blockSize: 256, blockBytes: 144, quantBytesPerBlock: 144, hasScales: false, unitValues: 64 },
  Q6_K: { type: 'Q6_K', ggmlType: 14, blockSize: 256, blockBytes: 210, quantBytesPerBlock: 208, hasScales: true, unitValues: 64 },
};

function supportedList(): string {
  return WEIGHT_TYPES.join(', ');
}

/** Looks a weight type up by ggml id; an unsupported id raises an error naming the supported types. */
export function weightTypeFromGgml(ggmlType: number, tensor = 'tensor'): WeightType {
  const format = Object.values(WEIGHT_FORMATS).find((f) => f.ggmlType === ggmlType);
  if (!format) throw new RangeError(`${tensor}: ggml type id ${ggmlType} has no GPU kernel; supported types: ${supportedList()}`);
  return format.type;
}

/** Looks a weight type up by name ("q4_k", "Q4_K"); an unknown name raises an error naming the supported types. */
export function parseWeightType(name: string): WeightType {
  const upper = name.toUpperCase() as WeightType;
  if (!WEIGHT_TYPES.includes(upper)) throw new RangeError(`unknown weight type "${name}"; supported types: ${supportedList()}`);
  return upper;
}

/** Geometry of one row of a weight on the GPU. */
export interface RowLayout {
  type: WeightType;
  /** Values per row as stored in GGUF (K). */
  cols: number;
  /**
   * Values per row on the GPU: `cols` for block types, `cols` rounded up to 8 for F32 and F16.
   * Activations are read with this row stride.
   */
  colsPadded: number;
  /** GGUF bytes per row. */
  sourceBytes: number;
  /** GGUF blocks per row (`cols` for F32 and F16). */
  blocks: number;
  /** Units (shader steps) per row. */
  units: number;
  /** Bytes per row in the quants buffer, a multiple of 16. */
  quantBytes: number;
  /** Bytes per row in the scales buffer, a multiple of 4 (0 when the type has none). */
  scaleBytes: number;
}

export function rowLayout(type: WeightType, cols: number): RowLayout {
  const format = WEIGHT_FORMATS[type];
  if (!Number.isSafeInteger(cols) || cols < 1) throw new RangeError(`a ${type} weight needs a positive whole number of columns, got ${cols}`);
  if (cols % format.blockSize !== 0) {
    throw new RangeError(`${type} stores rows in blocks of ${format.blockSize} values, so a row of ${cols} values is invalid; use a multiple of ${format.blockSize}`);
  }
  const blocks = cols / format.blockSize;
  const colsPadded = format.blockSize === 1 ? Math.ceil(cols / format.unitValues) * format.unitValues : cols;
  const quantBytes = format.blockSize === 1 ? colsPadded * format.blockBytes : blocks * format.quantBytesPerBlock;
  // Two f16 scales per u32 word; an odd count is padded so every row starts on a word.
  const scaleBytes = format.hasScales ? Math.ceil(blocks / 2) * 4 : 0;
  return {
    type,
    cols,
    colsPadded,
    sourceBytes: blocks * format.blockBytes,
    blocks,
    units: colsPadded / format.unitValues,
    quantBytes,
    scaleBytes,
  };
}
