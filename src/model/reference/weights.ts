/**
 * Weights of the reference forward pass, read from the GGUF file on demand and dequantized to f32.
 *
 * Memory: a tensor is kept dequantized while the cache budget lasts (first come, first kept; no
 * eviction), so small models are read once. Tensors past the budget are streamed for every use:
 * a matrix product reads and dequantizes a chunk of rows (at most `chunkValues` values) at a time,
 * and the token embedding reads only the rows of the requested tokens. A 7B Q4 file therefore
 * runs in about the budget plus one chunk, instead of the 28 GB its f32 weights would take, at
 * the price of reading and dequantizing those weights again on every forward call.
 */
import type { GgufFile, GgufTensorInfo } from '../gguf/file.ts';
import { dequantize } from '../quant/dequantize.ts';
import { byteSizeOf } from '../quant/types.ts';

export interface WeightStoreOptions {
  /** Bytes of dequantized f32 tensors kept in memory (default 1 GiB). */
  cacheBytes?: number;
  /** Values dequantized at once when a matrix is streamed (default 4 Mi, 16 MiB of f32). */
  chunkValues?: number;
}

export class WeightStore {
  private readonly cache = new Map<string, Float32Array>();
  private cachedBytes = 0;
  private readonly cacheBytes: number;
  private readonly chunkValues: number;

  constructor(
    readonly file: GgufFile,
    options: WeightStoreOptions = {},
  ) {
    this.cacheBytes = options.cacheBytes ?? 1 << 30;
    this.chunkValues = options.chunkValues ?? 1 << 22;
  }

  /** Bytes of dequantized tensors held now. */
  get residentBytes(): number {
    return this.cachedBytes;
  }

  private info(name: string): GgufTensorInfo {
    return this.file.requireTensor(name);
  }

  /** Returns the whole tensor dequantized, keeping it when it fits in the cache budget. */
  async tensor(name: string): Promise<Float32Array> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const values = await this.file.readTensor(this.info(name));
    if (this.cachedBytes + values.byteLength <= this.cacheBytes) {
      this.cache.set(name, values);
      this.cachedBytes += values.byteLength;
    }
    return values;
  }

  /** Dequantizes rows [first, first + count) of a 2-D tensor (each row is dims[0] values). */
  async rows(name: string, first: number, count: number): Promise<Float32Array> {
    const info = this.info(name);
    const rowLength = info.dims[0];
    const rowCount = info.elementCount / rowLength;
    if (!Number.isInteger(first) || first < 0 || count < 0 || first + count > rowCount) {
      throw this.file.error(name, `rows ${first}–${first + count - 1} are outside the tensor's ${rowCount} rows`);
    }
    const cached = this.cache.get(name);
    if (cached) return cached.subarray(first * rowLength, (first + count) * rowLength);
    const rowBytes = byteSizeOf(info.type, rowLength);
    const bytes = await this.file.readTensorBytes(info, first * rowBytes, count * rowBytes);
    try {
      return dequantize(info.type, bytes, count * rowLength);
    } catch (error) {
      throw this.file.error(name, (error as Error).message);
    }
  }

  /** True when the tensor would be kept whole: cached already, or small enough for what is left of the budget. */
  private fitsCache(info: GgufTensorInfo): boolean {
    return this.cache.has(info.name) || this.cachedBytes + info.elementCount * 4 <= this.cacheBytes;
  }

  /**
   * y = x·Wᵀ (+ bias) for `tokens` rows of x, where W is the 2-D tensor `name` with dims
   * [inFeatures, outFeatures] (outFeatures rows of inFeatures values). Products are summed in
   * float64 and stored as f32.
   */
  async matmul(name: string, x: Float32Array, tokens: number, bias?: Float32Array): Promise<Float32Array> {
    const info = this.info(name);
    const [inFeatures, outFeatures] = info.dims;
    if (info.dims.length !== 2 || x.length !== tokens * inFeatures) {
      throw this.file.error(name, `cannot multiply ${tokens}×${x.length / Math.max(tokens, 1)} activations by a [${info.dims.join(', ')}] matrix`);
    }
    const y = new Float32Array(tokens * outFeatures);
    const rowsPerChunk = Math.max(1, Math.floor(this.chunkValues / inFeatures));
    const whole = this.fitsCache(info) ? await this.tensor(name) : null;
    for (let first = 0; first < outFeatures; first += rowsPerChunk) {
      const count = Math.min(rowsPerChunk, outFeatures - first);
      const w = whole ? whole.subarray(first * inFeatures, (first + count) * inFeatures) : await this.rows(name, first, count);
      for (let r = 0; r < count; r++) {
        const o = first + r;
        const wOffset = r * inFeatures;
        for (let t = 0; t < tokens; t++) {
          const xOffset = t * inFeatures;
          let sum = 0;
          for (let i = 0; i < inFeatures; i++) sum += x[xOffset + i] * w[wOffset + i];
          y[t * outFeatures + o] = bias ? sum + bias[o] : sum;
        }
      }
    }
    return y;
  }
}
