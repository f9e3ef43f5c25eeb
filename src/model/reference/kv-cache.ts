/**
 * The key/value cache of one sequence: per layer, the RoPE-rotated keys and the values of every
 * position so far, as f32 rows of kvHeads × headDim. Storage grows by doubling up to the
 * model's context length, so a short prompt does not allocate the full context.
 */

export class KvCache {
  /** Number of positions stored (the next token's position). */
  length = 0;
  private capacity = 0;
  private keys: Float32Array[];
  private values: Float32Array[];
  readonly rowSize: number;

  constructor(
    readonly layerCount: number,
    kvHeads: number,
    headDim: number,
    /** Maximum number of positions (the model's context length). */
    readonly maxLength: number,
  ) {
    this.rowSize = kvHeads * headDim;
    this.keys = Array.from({ length: layerCount }, () => new Float32Array(0));
    this.values = Array.from({ length: layerCount }, () => new Float32Array(0));
  }

  /** Bytes held by the cache now. */
  get bytes(): number {
    return 2 * this.layerCount * this.capacity * this.rowSize * 4;
  }

  /** Makes room for `count` more positions; throws a RangeError past the context length. */
  reserve(count: number): void {
    const needed = this.length + count;
    if (needed > this.maxLength) {
      throw new RangeError(`the sequence would have ${needed} tokens, more than the model's context length of ${this.maxLength}`);
    }
    if (needed <= this.capacity) return;
    const capacity = Math.min(this.maxLength, Math.max(needed, 2 * this.capacity, 64));
    for (let layer = 0; layer < this.layerCount; layer++) {
      const keys = new Float32Array(capacity * this.rowSize);
      keys.set(this.keys[layer].subarray(0, this.length * this.rowSize));
      this.keys[layer] = keys;
      const values = new Float32Array(capacity * this.rowSize);
      values.set(this.values[layer].subarray(0, this.length * this.rowSize));
      this.values[layer] = values;
    }
    this.capacity = capacity;
  }

  /** Writes keys and values for positions [start, start + count) of a layer. */
  write(layer: number, start: number, k: Float32Array, v: Float32Array): void {
    if (start + k.length / this.rowSize > this.capacity) throw new RangeError('KV cache write past the reserved capacity; call reserve() first');
    this.keys[layer].set(k, start * this.rowSize);
    this.values[layer].set(v, start * this.rowSize);
  }

  layerKeys(layer: number): Float32Array {
    return this.keys[layer];
  }

  layerValues(layer: number): Float32Array {
    return this.values[layer];
  }

  /** Forgets every position, keeping the allocation. */
  clear(): void {
    this.length = 0;
  }
}
