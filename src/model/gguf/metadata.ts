/**
 * GGUF metadata values: the 13 value types of the format (ids 0–12), their in-memory form, and
 * builders for writing them. 64-bit integers stay exact as bigint; numeric arrays are typed arrays.
 */

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** Short names used in messages and `mwb info --metadata` (as gguf-py prints them). */
export const VALUE_TYPE_NAMES: Record<GgufValueType, string> = {
  [GgufValueType.UINT8]: 'u8',
  [GgufValueType.INT8]: 'i8',
  [GgufValueType.UINT16]: 'u16',
  [GgufValueType.INT16]: 'i16',
  [GgufValueType.UINT32]: 'u32',
  [GgufValueType.INT32]: 'i32',
  [GgufValueType.FLOAT32]: 'f32',
  [GgufValueType.BOOL]: 'bool',
  [GgufValueType.STRING]: 'string',
  [GgufValueType.ARRAY]: 'array',
  [GgufValueType.UINT64]: 'u64',
  [GgufValueType.INT64]: 'i64',
  [GgufValueType.FLOAT64]: 'f64',
};

/** Encoded size of a fixed-size value type, or 0 for string and array. */
export const VALUE_TYPE_BYTES: Record<GgufValueType, number> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.STRING]: 0,
  [GgufValueType.ARRAY]: 0,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

export function isValueType(id: number): id is GgufValueType {
  return Number.isInteger(id) && id >= 0 && id <= 12;
}

export type NumberValueType =
  | GgufValueType.UINT8
  | GgufValueType.INT8
  | GgufValueType.UINT16
  | GgufValueType.INT16
  | GgufValueType.UINT32
  | GgufValueType.INT32
  | GgufValueType.FLOAT32
  | GgufValueType.FLOAT64;

export type BigIntValueType = GgufValueType.UINT64 | GgufValueType.INT64;

/** Items of an array value: a typed array per numeric type, plain arrays otherwise. */
export type GgufArrayItems =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array
  | boolean[]
  | string[]
  | GgufArray[];

export interface GgufArray {
  itemType: GgufValueType;
  items: GgufArrayItems;
}

export type GgufValue =
  | { type: NumberValueType; value: number }
  | { type: BigIntValueType; value: bigint }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string }
  | { type: GgufValueType.ARRAY; value: GgufArray };

/** Builders for metadata values, e.g. `metadataValue.u32(32)` or `metadataValue.stringArray(tokens)`. */
export const metadataValue = {
  u8: (value: number): GgufValue => ({ type: GgufValueType.UINT8, value }),
  i8: (value: number): GgufValue => ({ type: GgufValueType.INT8, value }),
  u16: (value: number): GgufValue => ({ type: GgufValueType.UINT16, value }),
  i16: (value: number): GgufValue => ({ type: GgufValueType.INT16, value }),
  u32: (value: number): GgufValue => ({ type: GgufValueType.UINT32, value }),
  i32: (value: number): GgufValue => ({ type: GgufValueType.INT32, value }),
  f32: (value: number): GgufValue => ({ type: GgufValueType.FLOAT32, value }),
  f64: (value: number): GgufValue => ({ type: GgufValueType.FLOAT64, value }),
  u64: (value: bigint): GgufValue => ({ type: GgufValueType.UINT64, value }),
  i64: (value: bigint): GgufValue => ({ type: GgufValueType.INT64, value }),
  bool: (value: boolean): GgufValue => ({ type: GgufValueType.BOOL, value }),
  string: (value: string): GgufValue => ({ type: GgufValueType.STRING, value }),
  array: (itemType: GgufValueType, items: GgufArrayItems): GgufValue => ({ type: GgufValueType.ARRAY, value: { itemType, items } }),
  stringArray: (items: string[]): GgufValue => ({ type: GgufValueType.ARRAY, value: { itemType: GgufValueType.STRING, items } }),
  f32Array: (items: ArrayLike<number>): GgufValue => ({ type: GgufValueType.ARRAY, value: { itemType: GgufValueType.FLOAT32, items: Float32Array.from(items) } }),
  i32Array: (items: ArrayLike<number>): GgufValue => ({ type: GgufValueType.ARRAY, value: { itemType: GgufValueType.INT32, items: Int32Array.from(items) } }),
};

/** Returns a readable type name such as "u32" or "array[string]". */
export function describeValueType(value: GgufValue): string {
  if (value.type !== GgufValueType.ARRAY) return VALUE_TYPE_NAMES[value.type];
  return `array[${describeArrayType(value.value)}]`;
}

function describeArrayType(array: GgufArray): string {
  if (array.itemType !== GgufValueType.ARRAY) return VALUE_TYPE_NAMES[array.itemType];
  const first = (array.items as GgufArray[])[0];
  return first ? `array[${describeArrayType(first)}]` : 'array';
}

/**
 * A short text form of a value for listings: scalars in full (strings cut at `maxChars`), arrays
 * as their length and first few items.
 */
export function formatValue(value: GgufValue, maxChars = 120): string {
  switch (value.type) {
    case GgufValueType.STRING:
      return JSON.stringify(value.value.length > maxChars ? `${value.value.slice(0, maxChars)}…` : value.value);
    case GgufValueType.ARRAY: {
      const items = value.value.items;
      const preview: string[] = [];
      for (let i = 0; i < Math.min(items.length, 5); i++) {
        const item = items[i];
        preview.push(typeof item === 'string' ? JSON.stringify(item) : typeof item === 'object' ? `[${(item as GgufArray).items.length} items]` : String(item));
      }
      return `${items.length} items [${preview.join(', ')}${items.length > 5 ? ', …' : ''}]`;
    }
    default:
      return String(value.value);
  }
}
