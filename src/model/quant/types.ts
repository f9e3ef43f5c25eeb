/**
 * ggml tensor types: ids as stored in GGUF tensor infos, and each type's block geometry
 * (values per block, bytes per block). Ids and sizes follow ggml.h's `enum ggml_type` and the
 * block structs of ggml-common.h (ggml-org/llama.cpp, 2026).
 */

export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
}

export interface GgmlTypeInfo {
  type: GgmlType;
  /** Name as ggml prints it (`ggml_type_name`), e.g. "q4_K" is printed as "Q4_K" here. */
  name: string;
  /** Values per block: 1 for plain element types, 32 or 256 for quantized ones. */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
  quantized: boolean;
}

function info(type: GgmlType, blockSize: number, typeSize: number): GgmlTypeInfo {
  const quantized = blockSize > 1;
  return { type, name: GgmlType[type], blockSize, typeSize, quantized };
}

/** Every type a GGUF file may name, keyed by id. */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(
  [
    info(GgmlType.F32, 1, 4),
    info(GgmlType.F16, 1, 2),
    info(GgmlType.Q4_0, 32, 18),
    info(GgmlType.Q4_1, 32, 20),
    info(GgmlType.Q5_0, 32, 22),
    info(GgmlType.Q5_1, 32, 24),
    info(GgmlType.Q8_0, 32, 34),
    info(GgmlType.Q8_1, 32, 36),
    info(GgmlType.Q2_K, 256, 84),
    info(GgmlType.Q3_K, 256, 110),
    info(GgmlType.Q4_K, 256, 144),
    info(GgmlType.Q5_K, 256, 176),
    info(GgmlType.Q6_K, 256, 210),
    info(GgmlType.Q8_K, 256, 292),
    info(GgmlType.IQ2_XXS, 256, 66),
    info(GgmlType.IQ2_XS, 256, 74),
    info(GgmlType.IQ3_XXS, 256, 98),
    info(GgmlType.IQ1_S, 256, 50),
    info(GgmlType.IQ4_NL, 32, 18),
    info(GgmlType.IQ3_S, 256, 110),
    info(GgmlType.IQ2_S, 256, 82),
    info(GgmlType.IQ4_XS, 256, 136),
    info(GgmlType.I8, 1, 1),
    info(GgmlType.I16, 1, 2),
    info(GgmlType.I32, 1, 4),
    info(GgmlType.I64, 1, 8),
    info(GgmlType.F64, 1, 8),
    info(GgmlType.IQ1_M, 256, 56),
    info(GgmlType.BF16, 1, 2),
    info(GgmlType.TQ1_0, 256, 54),
    info(GgmlType.TQ2_0, 256, 66),
    info(GgmlType.MXFP4, 32, 17),
    info(GgmlType.NVFP4, 64, 36),
    info(GgmlType.Q1_0, 128, 18),
    info(GgmlType.Q2_0, 64, 18),
  ].map((entry) => [entry.type, entry]),
);

/** Ids that ggml once used and has since removed; files with them must be re-converted. */
export const REMOVED_GGML_TYPES: ReadonlyMap<number, string> = new Map([
  [4, 'Q4_2'],
  [5, 'Q4_3'],
  [31, 'Q4_0_4_4'],
  [32, 'Q4_0_4_8'],
  [33, 'Q4_0_8_8'],
  [36, 'IQ4_NL_4_4'],
  [37, 'IQ4_NL_4_8'],
  [38, 'IQ4_NL_8_8'],
]);

export function ggmlTypeInfo(type: number): GgmlTypeInfo {
  const entry = GGML_TYPES.get(type);
  if (!entry) throw new RangeError(`unknown ggml tensor type id ${type}`);
  return entry;
}

export function ggmlTypeName(type: number): string {
  return GGML_TYPES.get(type)?.name ?? REMOVED_GGML_TYPES.get(type) ?? `type ${type}`;
}

/** Looks a type up by name, case-insensitively ("q4_k", "Q4_K", "f16"). */
export function ggmlTypeFromName(name: string): GgmlType | undefined {
  const upper = name.toUpperCase();
  for (const entry of GGML_TYPES.values()) if (entry.name === upper) return entry.type;
  return undefined;
}

/** Bytes taken by `count` values of `type`; `count` must be a whole number of blocks. */
export function byteSizeOf(type: GgmlType, count: number): number {
  const { blockSize, typeSize, name } = ggmlTypeInfo(type);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`invalid value count ${count}`);
  if (count % blockSize !== 0) {
    throw new RangeError(`${name} stores values in blocks of ${blockSize}, so ${count} values do not fit a whole number of blocks`);
  }
  return (count / blockSize) * typeSize;
}

/** Bytes of one row of `rowLength` values, as ggml_row_size computes it. */
export function rowByteSize(type: GgmlType, rowLength: number): number {
  return byteSizeOf(type, rowLength);
}

/** Element count of a tensor with ggml-order dims (dims[0] is the row length). */
export function elementCount(dims: readonly number[]): number {
  let count = 1;
  for (const dim of dims) count *= dim;
  return count;
}
