/** Little-endian encoding of GGUF header fields and metadata values into a growable buffer. */
import { GgufValueType, isValueType, VALUE_TYPE_BYTES, VALUE_TYPE_NAMES, type GgufArray, type GgufValue } from './metadata.ts';

const utf8 = new TextEncoder();

const INTEGER_RANGES: Partial<Record<GgufValueType, [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};

export class ByteEncoder {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private reserve(count: number): number {
    const at = this.length;
    if (at + count > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < at + count) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += count;
    return at;
  }

  /** Returns the bytes written so far, as a view that is valid until the next write. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  raw(bytes: Uint8Array): void {
    // Reserve first: it may replace this.buffer with a larger one.
    const at = this.reserve(bytes.length);
    this.buffer.set(bytes, at);
  }

  zeros(count: number): void {
    const at = this.reserve(count);
    this.buffer.fill(0, at, at + count);
  }

  u8(value: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, value);
  }

  u32(value: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, value, true);
  }

  u64(value: number | bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(value), true);
  }

  string(value: string): void {
    const bytes = utf8.encode(value);
    this.u64(bytes.length);
    this.raw(bytes);
  }

  /** Writes a value's payload (not its type id), checking that it fits its declared type. */
  value(key: string, value: GgufValue): void {
    if (!isValueType(value.type)) throw new TypeError(`metadata "${key}": unknown value type ${value.type}`);
    if (value.type === GgufValueType.ARRAY) {
      this.array(key, value.value);
      return;
    }
    this.scalar(key, value.type, value.value);
  }

  private scalar(key: string, type: GgufValueType, value: unknown): void {
    const fail = (expected: string) => new TypeError(`metadata "${key}": ${VALUE_TYPE_NAMES[type]} value must be ${expected}, got ${String(value)}`);
    if (type === GgufValueType.STRING) {
      if (typeof value !== 'string') throw fail('a string');
      this.string(value);
      return;
    }
    const range = INTEGER_RANGES[type];
    if (range && (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1])) {
      throw fail(`an integer in [${range[0]}, ${range[1]}]`);
    }
    if ((type === GgufValueType.FLOAT32 || type === GgufValueType.FLOAT64) && typeof value !== 'number') throw fail('a number');
    if (type === GgufValueType.UINT64 && (typeof value !== 'bigint' || value < 0n || value >= 1n << 64n)) throw fail('a bigint in [0, 2^64)');
    if (type === GgufValueType.INT64 && (typeof value !== 'bigint' || value < -(1n << 63n) || value >= 1n << 63n)) throw fail('a bigint in [-2^63, 2^63)');
    if (type === GgufValueType.BOOL && typeof value !== 'boolean') throw fail('a boolean');

    // Reserve before touching this.view: reserve may replace the buffer and its view.
    const at = this.reserve(VALUE_TYPE_BYTES[type]);
    const view = this.view;
    switch (type) {
      case GgufValueType.UINT8:
        return view.setUint8(at, value as number);
      case GgufValueType.INT8:
        return view.setInt8(at, value as number);
      case GgufValueType.UINT16:
        return view.setUint16(at, value as number, true);
      case GgufValueType.INT16:
        return view.setInt16(at, value as number, true);
      case GgufValueType.UINT32:
        return view.setUint32(at, value as number, true);
      case GgufValueType.INT32:
        return view.setInt32(at, value as number, true);
      case GgufValueType.FLOAT32:
        return view.setFloat32(at, value as number, true);
      case GgufValueType.FLOAT64:
        return view.setFloat64(at, value as number, true);
      case GgufValueType.UINT64:
        return view.setBigUint64(at, value as bigint, true);
      case GgufValueType.INT64:
        return view.setBigInt64(at, value as bigint, true);
      case GgufValueType.BOOL:
        return view.setUint8(at, value ? 1 : 0);
      default:
        throw fail('a scalar');
    }
  }

  private array(key: string, array: GgufArray): void {
    if (!isValueType(array.itemType)) throw new TypeError(`metadata "${key}": unknown array item type ${array.itemType}`);
    this.u32(array.itemType);
    this.u64(array.items.length);
    const items = array.items as ArrayLike<unknown>;
    for (let i = 0; i < items.length; i++) {
      if (array.itemType === GgufValueType.ARRAY) this.array(`${key}[${i}]`, items[i] as GgufArray);
      else this.scalar(`${key}[${i}]`, array.itemType, items[i]);
    }
  }
}
