/**
 * An opened GGUF file: header facts, typed metadata with checked accessors, tensor infos, and
 * tensor data read on demand (one tensor or one byte range at a time).
 */
import { dequantize } from '../quant/dequantize.ts';
import type { GgmlType } from '../quant/types.ts';
import { GgufError } from './errors.ts';
import { describeValueType, GgufValueType, type GgufArray, type GgufValue } from './metadata.ts';
import type { ByteSource } from './source.ts';

export interface GgufTensorInfo {
  name: string;
  /** Dimensions in ggml order: dims[0] is the row length (the fastest-varying index). */
  dims: number[];
  type: GgmlType;
  typeName: string;
  elementCount: number;
  byteSize: number;
  /** Offset of the data relative to the start of the data section, as stored in the file. */
  offset: number;
  /** Absolute offset of the data in the file. */
  fileOffset: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** `general.alignment`, or 32 when absent. */
  alignment: number;
  /** Absolute offset of the data section: the end of the tensor infos rounded up to the alignment. */
  dataOffset: number;
}

const NUMBER_TYPES = new Set([
  GgufValueType.UINT8,
  GgufValueType.INT8,
  GgufValueType.UINT16,
  GgufValueType.INT16,
  GgufValueType.UINT32,
  GgufValueType.INT32,
  GgufValueType.FLOAT32,
  GgufValueType.FLOAT64,
  GgufValueType.UINT64,
  GgufValueType.INT64,
]);

export class GgufFile implements GgufHeader {
  readonly version: number;
  readonly metadata: Map<string, GgufValue>;
  readonly tensors: GgufTensorInfo[];
  readonly alignment: number;
  readonly dataOffset: number;
  private readonly byName: Map<string, GgufTensorInfo>;

  constructor(
    readonly source: ByteSource,
    header: GgufHeader,
  ) {
    this.version = header.version;
    this.metadata = header.metadata;
    this.tensors = header.tensors;
    this.alignment = header.alignment;
    this.dataOffset = header.dataOffset;
    this.byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  /** File path, File name or URL. */
  get name(): string {
    return this.source.name;
  }

  get fileSize(): number {
    return this.source.size;
  }

  /** Creates an error for this file that names `field`. */
  error(field: string | undefined, message: string): GgufError {
    return new GgufError(this.name, field, message);
  }

  // Metadata. The get* accessors return undefined for a missing key. When the key holds another
  // type they throw a GgufError naming it, and the require* ones also throw when it is missing.

  has(key: string): boolean {
    return this.metadata.has(key);
  }

  get(key: string): GgufValue | undefined {
    return this.metadata.get(key);
  }

  private wrongType(key: string, expected: string, value: GgufValue): GgufError {
    return this.error(key, `expected ${expected}, found ${describeValueType(value)}`);
  }

  getString(key: string): string | undefined {
    const value = this.metadata.get(key);
    if (value === undefined) return undefined;
    if (value.type !== GgufValueType.STRING) throw this.wrongType(key, 'a string', value);
    return value.value;
  }

  /** Any numeric type as a number; 64-bit integers must be within ±2^53. */
  getNumber(key: string): number | undefined {
    const value = this.metadata.get(key);
    if (value === undefined) return undefined;
    if (!NUMBER_TYPES.has(value.type)) throw this.wrongType(key, 'a number', value);
    if (typeof value.value === 'bigint') {
      const number = Number(value.value);
      if (!Number.isSafeInteger(number)) throw this.error(key, `value ${value.value} is too large to use as a number`);
      return number;
    }
    return value.value as number;
  }

  /** A numeric value that must be a non-negative integer (counts, lengths, token ids). */
  getCount(key: string): number | undefined {
    const number = this.getNumber(key);
    if (number !== undefined && (!Number.isSafeInteger(number) || number < 0)) {
      throw this.error(key, `expected a non-negative integer, found ${number}`);
    }
    return number;
  }

  getBoolean(key: string): boolean | undefined {
    const value = this.metadata.get(key);
    if (value === undefined) return undefined;
    if (value.type !== GgufValueType.BOOL) throw this.wrongType(key, 'a bool', value);
    return value.value;
  }

  getArray(key: string): GgufArray | undefined {
    const value = this.metadata.get(key);
    if (value === undefined) return undefined;
    if (value.type !== GgufValueType.ARRAY) throw this.wrongType(key, 'an array', value);
    return value.value;
  }

  getStringArray(key: string): string[] | undefined {
    const array = this.getArray(key);
    if (array === undefined) return undefined;
    if (array.itemType !== GgufValueType.STRING) throw this.wrongType(key, 'an array of strings', { type: GgufValueType.ARRAY, value: array });
    return array.items as string[];
  }

  private missing(key: string, expected: string): GgufError {
    return this.error(key, `required key is missing (expected ${expected})`);
  }

  requireString(key: string): string {
    const value = this.getString(key);
    if (value === undefined) throw this.missing(key, 'a string');
    return value;
  }

  requireNumber(key: string): number {
    const value = this.getNumber(key);
    if (value === undefined) throw this.missing(key, 'a number');
    return value;
  }

  requireCount(key: string): number {
    const value = this.getCount(key);
    if (value === undefined) throw this.missing(key, 'a non-negative integer');
    return value;
  }

  // Tensors.

  tensor(name: string): GgufTensorInfo | undefined {
    return this.byName.get(name);
  }

  requireTensor(name: string): GgufTensorInfo {
    const info = this.byName.get(name);
    if (!info) throw this.error(name, 'required tensor is missing');
    return info;
  }

  private resolve(tensor: string | GgufTensorInfo): GgufTensorInfo {
    return typeof tensor === 'string' ? this.requireTensor(tensor) : tensor;
  }

  /**
   * Reads a tensor's raw bytes, or `length` bytes from `start` within them (for uploading a large
   * tensor in slices).
   */
  async readTensorBytes(tensor: string | GgufTensorInfo, start = 0, length?: number): Promise<Uint8Array> {
    const info = this.resolve(tensor);
    const count = length ?? info.byteSize - start;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > info.byteSize) {
      throw this.error(info.name, `byte range ${start}+${count} is outside the tensor's ${info.byteSize} bytes`);
    }
    return this.source.read(info.fileOffset + start, count);
  }

  /** Reads and dequantizes a whole tensor to f32 values (in ggml order, rows of dims[0]). */
  async readTensor(tensor: string | GgufTensorInfo): Promise<Float32Array> {
    const info = this.resolve(tensor);
    const bytes = await this.readTensorBytes(info);
    try {
      return dequantize(info.type, bytes, info.elementCount);
    } catch (error) {
      throw this.error(info.name, (error as Error).message);
    }
  }

  /** Yields each tensor with its bytes, in file order, reading one tensor at a time. */
  async *tensorData(): AsyncGenerator<{ info: GgufTensorInfo; bytes: Uint8Array }> {
    const ordered = [...this.tensors].sort((a, b) => a.fileOffset - b.fileOffset);
    for (const info of ordered) yield { info, bytes: await this.readTensorBytes(info) };
  }

  async close(): Promise<void> {
    await this.source.close?.();
  }
}
