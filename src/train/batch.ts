/**
 * A training batch: batchSize sequences of seqLen tokens, each possibly packing several examples.
 * All arrays are [batchSize·seqLen], sequence after sequence.
 */
import { Rng } from '../util/random.ts';
import type { LlamaConfig } from './config.ts';

export interface TrainBatch {
  batchSize: number;
  seqLen: number;
  /** Input token ids. */
  tokens: ArrayLike<number>;
  /** Token id the model should predict at each position (usually the next input token). */
  targets: ArrayLike<number>;
  /** Loss weight per position: 1 for response tokens, 0 for prompt tokens and padding. */
  lossMask: ArrayLike<number>;
  /** RoPE position ids; each packed example restarts at 0. */
  positions: ArrayLike<number>;
  /** Example id per position; attention never crosses a change of id within a sequence. */
  segments: ArrayLike<number>;
}

/** The batch was invalid; the message names the field and index. */
export class BatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchError';
  }
}

function checkIds(field: string, values: ArrayLike<number>, limit: number, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isInteger(value) || value < 0 || value >= limit) {
      throw new BatchError(`Batch field "${field}" at index ${i} is ${value}, but ${what} must be an integer in [0, ${limit}).`);
    }
  }
}

/** Raises BatchError unless every array has batchSize·seqLen valid entries for this model. */
export function validateBatch(batch: TrainBatch, config: LlamaConfig): void {
  const { batchSize, seqLen } = batch;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new BatchError(`Batch size must be a positive integer, got ${batchSize}.`);
  if (!Number.isInteger(seqLen) || seqLen < 1 || seqLen > config.contextLength) {
    throw new BatchError(`Sequence length must be an integer in [1, ${config.contextLength}] (the model's context length), got ${seqLen}.`);
  }
  const expected = batchSize * seqLen;
  for (const field of ['tokens', 'targets', 'lossMask', 'positions', 'segments'] as const) {
    const length = batch[field].length;
    if (length !== expected) throw new BatchError(`Batch field "${field}" has ${length} entries, expected batchSize × seqLen = ${expected}.`);
  }
  checkIds('tokens', batch.tokens, config.vocabSize, 'a token id');
  checkIds('targets', batch.targets, config.vocabSize, 'a target id');
  checkIds('positions', batch.positions, config.contextLength, 'a position id');
  checkIds('segments', batch.segments, 2 ** 32, 'a segment id');
  for (let i = 0; i < expected; i++) {
    const weight = batch.lossMask[i];
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new BatchError(`Batch field "lossMask" at index ${i} is ${weight}, but loss weights must be finite and ≥ 0.`);
  }
}

/** Σ lossMask: the number of tokens the loss averages over. */
export function lossWeightSum(batch: TrainBatch): number {
  let sum = 0;
  for (let i = 0; i < batch.lossMask.length; i++) sum += batch.lossMask[i];
  return sum;
}

/**
 * Builds a random packed batch for tests and benchmarks: each sequence contains examples of 1 to
 * maxExample tokens, each with a prompt part (mask 0) and a response part (mask 1); targets are the
 * next input token inside an example and a random id at its last position.
 */
export function syntheticBatch(config: LlamaConfig, batchSize: number, seqLen: number, seed: number, maxExample = seqLen): TrainBatch {
  const rng = new Rng(seed);
  const count = batchSize * seqLen;
  const tokens = new Uint32Array(count);
  const targets = new Uint32Array(count);
  const lossMask = new Float32Array(count);
  const positions = new Uint32Array(count);
  const segments = new Uint32Array(count);
  let segment = 0;
  for (let b = 0; b < batchSize; b++) {
    let t = 0;
    while (t < seqLen) {
      const length = Math.min(rng.int(1, maxExample), seqLen - t);
      const promptLength = rng.int(0, length - 1);
      for (let i = 0; i < length; i++) {
        const index = b * seqLen + t + i;
        tokens[index] = rng.int(0, config.vocabSize - 1);
        positions[index] = i;
        segments[index] = segment;
        lossMask[index] = i >= promptLength ? 1 : 0;
      }
      for (let i = 0; i < length; i++) {
        const index = b * seqLen + t + i;
        targets[index] = i + 1 < length ? tokens[index + 1] : rng.int(0, config.vocabSize - 1);
      }
      segment++;
      t += length;
    }
  }
  return { batchSize, seqLen, tokens, targets, lossMask, positions, segments };
}
