/**
 * GGUF reader for format versions 2 and 3 (ggml's docs/gguf.md). `openGguf(source)` reads the
 * header, metadata and tensor infos but no tensor data. It checks every length and count against
 * the bytes left in the file before allocating, so a corrupt file fails fast with a GgufError
 * that names the field or tensor.
 */
import { HOST_IS_LITTLE_ENDIAN } from '../quant/half.ts';
import { byteSizeOf, GGML_TYPES, REMOVED_GGML_TYPES } from '../quant/types.ts';
import { ByteCursor } from './cursor.ts';
import { GgufError } from './errors.ts';
import { GgufFile, type GgufHeader, type GgufTensorInfo } from './file.ts';
import { GgufValueType, isValueType, VALUE_TYPE_BYTES, VALUE_TYPE_NAMES, type GgufArray, type GgufArrayItems, type GgufValue } from './metadata.ts';
import type { ByteSource } from './source.ts';

export const GGUF_MAGIC = 'GGUF';
export const DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS. */
export const MAX_TENSOR_DIMS = 4;

/**
 * Limits that keep a corrupt length from turning into a huge allocation. Real files stay far
 * below them: the largest strings are chat templates and embedded tokenizer.json files (a few
 * MB), the largest arrays vocabularies and merge lists (a few hundred thousand items).
 */
export const READER_LIMITS = {
  /** Metadata keys and tensor names; the GGUF spec caps keys at 65535 bytes. */
  maxNameBytes: 65535,
  maxStringBytes: 64 * 1024 * 1024,
  maxStringArrayLength: 1 << 24,
  maxArrayLength: 1 << 26,
  /** Arrays of arrays nest at most this deep. */
  maxArrayDepth: 4,
};

/** Smallest possible encodings, used to bound counts by the bytes left in the file. */
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8; // empty name, n_dims, type, offset
const MIN_METADATA_ENTRY_BYTES = 8 + 4 + 1; // empty key, value type, one-byte value
const HEADER_BYTES = 4 + 4 + 8 + 8;

export interface OpenGgufOptions {
  /** Bytes fetched per read while parsing the header (default 1 MiB). */
  chunkSize?: number;
}

// ignoreBOM keeps a leading U+FEFF, which TextDecoder drops by default: LLaMA's SentencePiece
// vocabulary has a token (id 30143) that is exactly that character.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

class HeaderParser {
  private readonly cursor: ByteCursor;

  constructor(
    private readonly source: ByteSource,
    chunkSize: number,
  ) {
    this.cursor = new ByteCursor(source, 0, chunkSize);
  }

  private fail(field: string | undefined, message: string): GgufError {
    return new GgufError(this.source.name, field, message);
  }

  /** Reads a u64 length or count and checks it against `limit` before it is used. */
  private async readLength(field: string, limit: number, limitReason: string): Promise<number> {
    // Checking `has` first skips an await per field, which matters for 100k-token vocabularies.
    if (!this.cursor.has(8)) await this.cursor.need(8, field);
    const [view, at] = this.cursor.viewOf(8);
    const low = view.getUint32(at, true);
    const high = view.getUint32(at + 4, true);
    const value = low + high * 4294967296;
    if (value > limit) {
      const exact = (BigInt(high) << 32n) | BigInt(low);
      throw this.fail(field, `value ${exact} is larger than ${limit}, ${limitReason}`);
    }
    return value;
  }

  private async readString(field: string, maxBytes: number): Promise<string> {
    const remaining = this.cursor.remaining - 8;
    const limit = Math.min(maxBytes, Math.max(remaining, 0));
    const reason = limit === maxBytes ? `the limit for one string` : `the bytes left in the file, so the file is truncated or corrupt`;
    const length = await this.readLength(`${field} (string length)`, limit, reason);
    if (!this.cursor.has(length)) await this.cursor.need(length, field);
    // NOTE: invalid UTF-8 decodes to U+FFFD instead of failing. llama.cpp's vocabulary test files are
    // valid UTF-8, but a file that stores raw byte tokens would lose those bytes here.
    return utf8.decode(this.cursor.bytes(length));
  }

  /**
   * Reads a string without awaiting when its length and bytes are already buffered and within
   * limits. Otherwise it consumes nothing and returns undefined, so the caller takes the checked path.
   */
  private readBufferedString(maxBytes: number): string | undefined {
    if (!this.cursor.has(8)) return undefined;
    const length = this.cursor.peekU64AsNumber();
    if (length > maxBytes || !this.cursor.has(8 + length)) return undefined;
    this.cursor.skip(8);
    return utf8.decode(this.cursor.bytes(length));
  }

  async parse(): Promise<GgufHeader> {
    const { size } = this.source;
    if (size < HEADER_BYTES) {
      throw this.fail('header', `file is truncated: ${size} bytes, smaller than the ${HEADER_BYTES}-byte GGUF header`);
    }
    await this.cursor.need(HEADER_BYTES, 'header');
    const version = this.readMagicAndVersion();
    const tensorCount = await this.readLength(
      'tensor count',
      Math.floor((size - HEADER_BYTES) / MIN_TENSOR_INFO_BYTES),
      `the most tensor infos a ${size}-byte file can hold; the header is corrupt`,
    );
    const metadataCount = await this.readLength(
      'metadata count',
      Math.floor((size - HEADER_BYTES) / MIN_METADATA_ENTRY_BYTES),
      `the most metadata entries a ${size}-byte file can hold; the header is corrupt`,
    );

    const metadata = await this.readMetadata(metadataCount);
    const alignment = this.alignmentOf(metadata);
    const tensors = await this.readTensorInfos(tensorCount);
    const dataOffset = Math.ceil(this.cursor.position / alignment) * alignment;
    this.placeTensors(tensors, dataOffset, alignment);
    return { version, metadata, tensors, alignment, dataOffset };
  }

  private readMagicAndVersion(): number {
    const magic = String.fromCharCode(...this.cursor.bytes(4));
    if (magic !== GGUF_MAGIC) {
      const legacy = ['lmgg', 'fmgg', 'tjgg'].includes(magic)
        ? ' It is an old GGML/GGJT model file: convert it to GGUF with llama.cpp\'s conversion scripts.'
        : '';
      throw this.fail('magic', `not a GGUF file: the first bytes are ${JSON.stringify(magic)}, expected "GGUF".${legacy}`);
    }
    const version = this.cursor.u32();
    if (version === 2 || version === 3) return version;
    if (version === 0x02000000 || version === 0x03000000) {
      throw this.fail('version', 'this is a big-endian GGUF file; only little-endian files are supported');
    }
    if (version === 1) {
      throw this.fail('version', 'GGUF version 1 (32-bit counts) is not supported; re-convert the model with a current llama.cpp');
    }
    throw this.fail('version', `unsupported GGUF version ${version}; this reader supports versions 2 and 3`);
  }

  private async readMetadata(count: number): Promise<Map<string, GgufValue>> {
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < count; i++) {
      const key = await this.readString(`metadata entry ${i} key`, READER_LIMITS.maxNameBytes);
      if (metadata.has(key)) throw this.fail(key, `duplicate metadata key (entry ${i})`);
      await this.cursor.need(4, key);
      const type = this.cursor.u32();
      if (!isValueType(type)) throw this.fail(key, `unknown value type ${type}; GGUF value types are 0 to 12`);
      metadata.set(key, await this.readValue(type, key, 0));
    }
    return metadata;
  }

  private async readValue(type: GgufValueType, field: string, depth: number): Promise<GgufValue> {
    if (type === GgufValueType.STRING) return { type, value: await this.readString(field, READER_LIMITS.maxStringBytes) };
    if (type === GgufValueType.ARRAY) return { type, value: await this.readArray(field, depth + 1) };
    await this.cursor.need(VALUE_TYPE_BYTES[type], field);
    const [view, at] = this.cursor.viewOf(VALUE_TYPE_BYTES[type]);
    switch (type) {
      case GgufValueType.UINT8:
        return { type, value: view.getUint8(at) };
      case GgufValueType.INT8:
        return { type, value: view.getInt8(at) };
      case GgufValueType.UINT16:
        return { type, value: view.getUint16(at, true) };
      case GgufValueType.INT16:
        return { type, value: view.getInt16(at, true) };
      case GgufValueType.UINT32:
        return { type, value: view.getUint32(at, true) };
      case GgufValueType.INT32:
        return { type, value: view.getInt32(at, true) };
      case GgufValueType.FLOAT32:
        return { type, value: view.getFloat32(at, true) };
      case GgufValueType.FLOAT64:
        return { type, value: view.getFloat64(at, true) };
      case GgufValueType.UINT64:
        return { type, value: view.getBigUint64(at, true) };
      case GgufValueType.INT64:
        return { type, value: view.getBigInt64(at, true) };
      case GgufValueType.BOOL:
        return { type, value: view.getUint8(at) !== 0 };
    }
  }

  private async readArray(field: string, depth: number): Promise<GgufArray> {
    if (depth > READER_LIMITS.maxArrayDepth) throw this.fail(field, `arrays nest deeper than ${READER_LIMITS.maxArrayDepth} levels`);
    await this.cursor.need(4, `${field} (array item type)`);
    const itemType = this.cursor.u32();
    if (!isValueType(itemType)) throw this.fail(field, `unknown array item type ${itemType}; GGUF value types are 0 to 12`);

    // Strings take at least their 8-byte length, nested arrays their 12-byte type and count.
    const itemBytes = VALUE_TYPE_BYTES[itemType] || (itemType === GgufValueType.STRING ? 8 : 12);
    const typeLimit = itemType === GgufValueType.STRING || itemType === GgufValueType.ARRAY ? READER_LIMITS.maxStringArrayLength : READER_LIMITS.maxArrayLength;
    const fileLimit = Math.floor(Math.max(this.cursor.remaining - 8, 0) / itemBytes);
    const count = await this.readLength(
      `${field} (array length)`,
      Math.min(typeLimit, fileLimit),
      fileLimit < typeLimit
        ? `the number of ${VALUE_TYPE_NAMES[itemType]} items the rest of the file can hold; the file is truncated or corrupt`
        : `the limit for arrays of ${VALUE_TYPE_NAMES[itemType]}`,
    );

    if (itemType === GgufValueType.STRING) {
      const items: string[] = new Array(count);
      for (let i = 0; i < count; i++) {
        items[i] = this.readBufferedString(READER_LIMITS.maxStringBytes) ?? (await this.readString(`${field}[${i}]`, READER_LIMITS.maxStringBytes));
      }
      return { itemType, items };
    }
    if (itemType === GgufValueType.ARRAY) {
      const items: GgufArray[] = new Array(count);
      for (let i = 0; i < count; i++) items[i] = await this.readArray(`${field}[${i}]`, depth + 1);
      return { itemType, items };
    }
    await this.cursor.need(count * itemBytes, field);
    return { itemType, items: typedItems(itemType, this.cursor.bytes(count * itemBytes), count) };
  }

  private alignmentOf(metadata: Map<string, GgufValue>): number {
    const value = metadata.get('general.alignment');
    if (value === undefined) return DEFAULT_ALIGNMENT;
    if (value.type !== GgufValueType.UINT32) {
      throw this.fail('general.alignment', `expected a u32, found ${VALUE_TYPE_NAMES[value.type]}`);
    }
    if (value.value === 0 || (value.value & (value.value - 1)) !== 0) {
      throw this.fail('general.alignment', `must be a power of two, found ${value.value}`);
    }
    return value.value;
  }

  private async readTensorInfos(count: number): Promise<GgufTensorInfo[]> {
    const tensors: GgufTensorInfo[] = [];
    const names = new Set<string>();
    for (let i = 0; i < count; i++) {
      const name = await this.readString(`tensor info ${i} name`, READER_LIMITS.maxNameBytes);
      if (names.has(name)) throw this.fail(name, `duplicate tensor name (tensor info ${i})`);
      names.add(name);

      await this.cursor.need(4, `${name} (dimension count)`);
      const dimCount = this.cursor.u32();
      if (dimCount > MAX_TENSOR_DIMS) throw this.fail(name, `has ${dimCount} dimensions; ggml tensors have at most ${MAX_TENSOR_DIMS}`);
      const dims: number[] = [];
      let elementCount = 1;
      for (let d = 0; d < dimCount; d++) {
        const dim = await this.readLength(`${name} (dimension ${d})`, Number.MAX_SAFE_INTEGER, 'the largest safe integer');
        elementCount *= dim;
        if (!Number.isSafeInteger(elementCount)) throw this.fail(name, `shape [${[...dims, dim].join(', ')}…] has more than 2^53 elements`);
        dims.push(dim);
      }

      await this.cursor.need(4, `${name} (type)`);
      const type = this.cursor.u32();
      const typeInfo = GGML_TYPES.get(type);
      if (!typeInfo) {
        const removed = REMOVED_GGML_TYPES.get(type);
        throw this.fail(
          name,
          removed
            ? `tensor type ${removed} (id ${type}) was removed from ggml; re-convert the model with a current llama.cpp`
            : `unknown tensor type id ${type}; known ids: ${[...GGML_TYPES.values()].map((t) => `${t.type} ${t.name}`).join(', ')}`,
        );
      }
      const rowLength = dims[0] ?? 1;
      if (rowLength % typeInfo.blockSize !== 0) {
        throw this.fail(name, `row length ${rowLength} (dims[0]) is not a multiple of the ${typeInfo.name} block size ${typeInfo.blockSize}`);
      }
      const offset = await this.readLength(`${name} (data offset)`, Number.MAX_SAFE_INTEGER, 'the largest safe integer');
      tensors.push({
        name,
        dims,
        type,
        typeName: typeInfo.name,
        elementCount,
        byteSize: byteSizeOf(type, elementCount),
        offset,
        fileOffset: 0,
      });
    }
    return tensors;
  }

  /** Sets each tensor's file offset and checks that its bytes fit inside the file without overlapping the next tensor. */
  private placeTensors(tensors: GgufTensorInfo[], dataOffset: number, alignment: number): void {
    const { size } = this.source;
    for (const tensor of tensors) {
      if (tensor.offset % alignment !== 0) {
        throw this.fail(tensor.name, `data offset ${tensor.offset} is not a multiple of the alignment ${alignment}`);
      }
      tensor.fileOffset = dataOffset + tensor.offset;
      if (tensor.fileOffset + tensor.byteSize > size) {
        throw this.fail(
          tensor.name,
          `tensor data runs past the end of the file: ${describeTensor(tensor)} needs ${tensor.byteSize} bytes at offset ` +
            `${tensor.fileOffset}, but the file has ${size} bytes; the file is incomplete, so download or convert it again`,
        );
      }
    }
    const ordered = [...tensors].sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < ordered.length; i++) {
      const previous = ordered[i - 1];
      const next = ordered[i];
      if (previous.offset + previous.byteSize > next.offset) {
        throw this.fail(
          previous.name,
          `${describeTensor(previous)} needs ${previous.byteSize} bytes from data offset ${previous.offset}, but tensor ` +
            `"${next.name}" starts at data offset ${next.offset}: the size implied by the shape and type does not fit the file's layout`,
        );
      }
    }
  }
}

function describeTensor(tensor: GgufTensorInfo): string {
  return `${tensor.typeName} [${tensor.dims.join(', ')}]`;
}

/** Copies little-endian array items into a typed array of the item type. */
function typedItems(itemType: GgufValueType, bytes: Uint8Array, count: number): GgufArrayItems {
  // A copy gives a fresh, aligned buffer that views of every element size can share. It is made with
  // set() because a Node Buffer's slice() returns a view into Buffer's shared pool, not a copy.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const buffer = copy.buffer;
  if (itemType === GgufValueType.BOOL) return Array.from(new Uint8Array(buffer), (b) => b !== 0);
  const littleEndianView = HOST_IS_LITTLE_ENDIAN ? TYPED_ARRAYS[itemType] : undefined;
  if (littleEndianView) return new littleEndianView(buffer);
  const view = new DataView(buffer);
  switch (itemType) {
    case GgufValueType.UINT8:
      return new Uint8Array(buffer);
    case GgufValueType.INT8:
      return new Int8Array(buffer);
    case GgufValueType.UINT16:
      return Uint16Array.from({ length: count }, (_, i) => view.getUint16(2 * i, true));
    case GgufValueType.INT16:
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i, true));
    case GgufValueType.UINT32:
      return Uint32Array.from({ length: count }, (_, i) => view.getUint32(4 * i, true));
    case GgufValueType.INT32:
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
    case GgufValueType.FLOAT32:
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
    case GgufValueType.FLOAT64:
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, true));
    case GgufValueType.UINT64:
      return BigUint64Array.from({ length: count }, (_, i) => view.getBigUint64(8 * i, true));
    case GgufValueType.INT64:
      return BigInt64Array.from({ length: count }, (_, i) => view.getBigInt64(8 * i, true));
    default:
      throw new Error(`${VALUE_TYPE_NAMES[itemType]} items are not fixed-size`);
  }
}

type TypedArrayConstructor = new (buffer: ArrayBuffer) => Exclude<GgufArrayItems, unknown[]>;

/** Typed array classes per numeric item type, for viewing little-endian bytes on a little-endian host. */
const TYPED_ARRAYS: Partial<Record<GgufValueType, TypedArrayConstructor>> = {
  [GgufValueType.UINT8]: Uint8Array,
  [GgufValueType.INT8]: Int8Array,
  [GgufValueType.UINT16]: Uint16Array,
  [GgufValueType.INT16]: Int16Array,
  [GgufValueType.UINT32]: Uint32Array,
  [GgufValueType.INT32]: Int32Array,
  [GgufValueType.FLOAT32]: Float32Array,
  [GgufValueType.FLOAT64]: Float64Array,
  [GgufValueType.UINT64]: BigUint64Array,
  [GgufValueType.INT64]: BigInt64Array,
};

/** Reads a GGUF file's header, metadata and tensor infos (no tensor data). */
export async function openGguf(source: ByteSource, options: OpenGgufOptions = {}): Promise<GgufFile> {
  const header = await new HeaderParser(source, options.chunkSize ?? 1 << 20).parse();
  return new GgufFile(source, header);
}
