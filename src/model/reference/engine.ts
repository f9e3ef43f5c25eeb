/**
 * The small interface a text-generation engine implements: feed tokens, get the next token's
 * logits. The generation loop (sampling, stop conditions, detokenization) is shared, so the
 * reference forward pass and the WebGPU engine differ only here.
 */
import type { GgufFile } from '../gguf/file.ts';
import { ReferenceModel } from './forward.ts';
import type { KvCache } from './kv-cache.ts';
import type { WeightStoreOptions } from './weights.ts';

export interface LogitsEngine {
  /** Short name shown to users, e.g. "ref" or "gpu". */
  readonly name: string;
  readonly vocabSize: number;
  /** Maximum number of tokens in a sequence. */
  readonly contextLength: number;
  /** Number of tokens fed so far. */
  readonly length: number;
  /** Feeds tokens after those fed so far and returns the vocabSize logits that follow the last one. */
  append(tokens: readonly number[]): Promise<Float32Array>;
  /** Forgets the sequence, so the next append starts at position 0. */
  reset(): void;
  /** Releases memory and devices. */
  dispose(): Promise<void>;
}

/** The CPU reference forward pass as an engine: one sequence with its KV cache. */
export class ReferenceEngine implements LogitsEngine {
  readonly name = 'ref';
  private readonly cache: KvCache;

  constructor(readonly model: ReferenceModel) {
    this.cache = model.createCache();
  }

  /** Loads the model's configuration from the file (tensor data is read on first use). */
  static open(file: GgufFile, options: WeightStoreOptions = {}): ReferenceEngine {
    return new ReferenceEngine(ReferenceModel.load(file, options));
  }

  get vocabSize(): number {
    return this.model.config.vocabSize;
  }

  get contextLength(): number {
    return this.model.config.contextLength;
  }

  get length(): number {
    return this.cache.length;
  }

  append(tokens: readonly number[]): Promise<Float32Array> {
    return this.model.forward(tokens, this.cache);
  }

  reset(): void {
    this.cache.clear();
  }

  async dispose(): Promise<void> {
    this.cache.clear();
  }
}
