/**
 * Streaming GGUF writer (version 3 by default). The header (metadata and tensor infos) is encoded
 * in memory. Tensor data is pulled from each tensor's producer in turn and written through, so a
 * multi-GB file is written at constant memory.
 */
import { byteSizeOf, GgmlType, ggmlTypeInfo, GGML_TYPES } from '../quant/types.ts';
import { ByteEncoder } from './encoder.ts';
import { GgufValueType, type GgufValue } from './metadata.ts';
import { DEFAULT_ALIGNMENT, GGUF_MAGIC, MAX_TENSOR_DIMS } from './reader.ts';

export interface ByteSink {
  /** Writes bytes after the ones written before; the caller may reuse `bytes` once this settles. */
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Tensor bytes: all at once, or a function returning chunks that together make up the tensor. */
export type TensorData = Uint8Array | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>);

export interface GgufTensorSpec {
  name: string;
  /** Dimensions in ggml order: dims[0] is the row length. */
  dims: number[];
  type: GgmlType;
  data: TensorData;
}

export interface GgufWriteSpec {
  /** Metadata in the order it should appear. `general.alignment`, when present, must be a u32 power of two. */
  metadata: Iterable<[string, GgufValue]>;
  tensors: GgufTensorSpec[];
  version?: 2 | 3;
}

export interface GgufWriteResult {
  bytesWritten: number;
  dataOffset: number;
  alignment: number;
}

/** llama.cpp keeps tensor names in a 64-byte buffer with a terminating NUL (GGML_MAX_NAME). */
export const MAX_TENSOR_NAME_BYTES = 63;

/** Sink writes are batched up to this size, so small chunks do not each cost a system call. */
const WRITE_BATCH_BYTES = 4 << 20;

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function checkTensorSpec(tensor: GgufTensorSpec, seen: Set<string>): number {
  const { name, dims, type } = tensor;
  const where = `tensor "${name}"`;
  if (seen.has(name)) throw new Error(`${where} is listed twice`);
  seen.add(name);
  if (new TextEncoder().encode(name).length > MAX_TENSOR_NAME_BYTES) {
    throw new Error(`${where}: name is longer than ${MAX_TENSOR_NAME_BYTES} bytes, which llama.cpp cannot load`);
  }
  if (dims.length < 1 || dims.length > MAX_TENSOR_DIMS) throw new Error(`${where}: needs 1 to ${MAX_TENSOR_DIMS} dimensions, got ${dims.length}`);
  if (!dims.every((d) => Number.isSafeInteger(d) && d > 0)) throw new Error(`${where}: dimensions must be positive integers, got [${dims.join(', ')}]`);
  if (!GGML_TYPES.has(type)) throw new Error(`${where}: unknown tensor type id ${type}`);
  const { blockSize, name: typeName } = ggmlTypeInfo(type);
  if (dims[0] % blockSize !== 0) {
    throw new Error(`${where}: row length ${dims[0]} is not a multiple of the ${typeName} block size ${blockSize}`);
  }
  return byteSizeOf(type, dims.reduce((a, b) => a * b, 1));
}

function alignmentFrom(metadata: [string, GgufValue][]): number {
  const entry = metadata.find(([key]) => key === 'general.alignment');
  if (!entry) return DEFAULT_ALIGNMENT;
  const value = entry[1];
  if (value.type !== GgufValueType.UINT32 || value.value === 0 || (value.value & (value.value - 1)) !== 0) {
    throw new Error(`general.alignment must be a u32 power of two, got ${String(value.value)}`);
  }
  return value.value;
}

/** Collects small writes into batches before passing them to the sink. */
class BatchingWriter {
  private batch = new Uint8Array(WRITE_BATCH_BYTES);
  private used = 0;
  written = 0;

  constructor(private readonly sink: ByteSink) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.written += bytes.length;
    if (this.used + bytes.length <= this.batch.length) {
      this.batch.set(bytes, this.used);
      this.used += bytes.length;
      return;
    }
    await this.flush();
    if (bytes.length >= this.batch.length) await this.sink.write(bytes);
    else {
      this.batch.set(bytes);
      this.used = bytes.length;
    }
  }

  async zeros(count: number): Promise<void> {
    if (count > 0) await this.write(new Uint8Array(count));
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    // The sink may keep the array until the write settles, so hand over a fresh batch buffer.
    const full = this.batch.subarray(0, this.used);
    this.batch = new Uint8Array(WRITE_BATCH_BYTES);
    this.used = 0;
    await this.sink.write(full);
  }
}

async function writeTensorData(out: BatchingWriter, tensor: GgufTensorSpec, expected: number): Promise<void> {
  let produced = 0;
  const chunks = tensor.data instanceof Uint8Array ? [tensor.data] : tensor.data();
  for await (const chunk of chunks) {
    produced += chunk.length;
    if (produced > expected) throw new Error(`tensor "${tensor.name}": data is longer than the ${expected} bytes its shape and type need`);
    await out.write(chunk);
  }
  if (produced !== expected) throw new Error(`tensor "${tensor.name}": data has ${produced} bytes, its shape and type need ${expected}`);
}

/**
 * Writes a GGUF file to `sink` and closes it. Tensor data is padded to the alignment after each
 * tensor, as ggml's writer does. Throws (after closing the sink) when a tensor's data does not
 * have exactly the size its shape and type imply.
 */
export async function writeGguf(sink: ByteSink, spec: GgufWriteSpec): Promise<GgufWriteResult> {
  const metadata = [...spec.metadata];
  const keys = new Set<string>();
  for (const [key] of metadata) {
    if (keys.has(key)) throw new Error(`metadata key "${key}" is listed twice`);
    keys.add(key);
  }
  const alignment = alignmentFrom(metadata);
  const seen = new Set<string>();
  const sizes = spec.tensors.map((tensor) => checkTensorSpec(tensor, seen));

  const header = new ByteEncoder();
  header.raw(new TextEncoder().encode(GGUF_MAGIC));
  header.u32(spec.version ?? 3);
  header.u64(spec.tensors.length);
  header.u64(metadata.length);
  for (const [key, value] of metadata) {
    header.string(key);
    header.u32(value.type);
    header.value(key, value);
  }
  let offset = 0;
  spec.tensors.forEach((tensor, i) => {
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(tensor.type);
    header.u64(offset);
    offset += alignUp(sizes[i], alignment);
  });
  // A file without tensors ends right after its metadata, like llama.cpp's vocabulary files.
  const dataOffset = spec.tensors.length > 0 ? alignUp(header.length, alignment) : header.length;
  header.zeros(dataOffset - header.length);

  const out = new BatchingWriter(sink);
  try {
    await out.write(header.bytes());
    for (const [i, tensor] of spec.tensors.entries()) {
      await writeTensorData(out, tensor, sizes[i]);
      await out.zeros(alignUp(sizes[i], alignment) - sizes[i]);
    }
    await out.flush();
  } finally {
    await sink.close();
  }
  return { bytesWritten: out.written, dataOffset, alignment };
}

/** A sink that keeps everything in memory; `bytes()` returns the whole file. */
export function memorySink(): ByteSink & { bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  let total = 0;
  return {
    async write(bytes) {
      chunks.push(bytes.slice());
      total += bytes.length;
    },
    async close() {},
    bytes() {
      const all = new Uint8Array(total);
      let at = 0;
      for (const chunk of chunks) {
        all.set(chunk, at);
        at += chunk.length;
      }
      return all;
    },
  };
}

/** Wraps a WritableStream, such as an OPFS FileSystemWritableFileStream, as a sink. */
export function writableStreamSink(stream: WritableStream<Uint8Array>): ByteSink {
  const writer = stream.getWriter();
  return {
    write: (bytes) => writer.write(bytes),
    close: () => writer.close(),
  };
}

/** Encodes a whole GGUF file in memory (for tests and small fixtures). */
export async function encodeGguf(spec: GgufWriteSpec): Promise<Uint8Array> {
  const sink = memorySink();
  await writeGguf(sink, spec);
  return sink.bytes();
}
