/** Little-endian encoding of GGUF header fields and metadata values into a growable buffer. */
import { GgufValueType, isValueType, VALUE_TYPE_NAMES, type GgufArray, type GgufValue } from './metadata.ts';

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
    this.buffer.set(bytes, this.reserve(bytes.length));
  }

  zeros(count: number): void {
    this.buffer.fill(0, this.length, this.length + count);
    this.reserve(count);
  }

  u8(value: number): void {
    this.view.setUint8(this.reserve(1), value);
  }

  u32(value: number): void {
    this.view.setUint32(this.reserve(4), value, true);
  }

  u64(value: number | bigint): void {
    this.view.setBigUint64(this.reserve(8), BigInt(value), true);
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
    const range = INTEGER_RANGES[type];
    if (range) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) throw fail(`an integer in [${range[0]}, ${range[1]}]`);
    }
    switch (type) {
      case GgufValueType.UINT8:
        return this.view.setUint8(this.reserve(1), value as number);
      case GgufValueType.INT8:
        return this.view.setInt8(this.reserve(1), value as number);
      case GgufValueType.UINT16:
        return this.view.setUint16(this.reserve(2), value as number, true);
      case GgufValueType.INT16:
        return this.view.setInt16(this.reserve(2), value as number, true);
      case GgufValueType.UINT32:
        return this.view.setUint32(this.reserve(4), value as number, true);
      case GgufValueType.INT32:
        return this.view.setInt32(this.reserve(4), value as number, true);
      case GgufValueType.FLOAT32:
        if (typeof value !== 'number') throw fail('a number');
        return this.view.setFloat32(this.reserve(4), value, true);
      case GgufValueType.FLOAT64:
        if (typeof value !== 'number') throw fail('a number');
        return this.view.setFloat64(this.reserve(8), value, true);
      case GgufValueType.UINT64:
        if (typeof value !== 'bigint' || value < 0n || value >= 1n << 64n) throw fail('a bigint in [0, 2^64)');
        return this.view.setBigUint64(this.reserve(8), value, true);
      case GgufValueType.INT64:
        if (typeof value !== 'bigint' || value < -(1n << 63n) || value >= 1n << 63n) throw fail('a bigint in [-2^63, 2^63)');
        return this.view.setBigInt64(this.reserve(8), value, true);
      case GgufValueType.BOOL:
        if (typeof value !== 'boolean') throw fail('a boolean');
        return this.u8(value ? 1 : 0);
      case GgufValueType.STRING:
        if (typeof value !== 'string') throw fail('a string');
        return this.string(value);
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
