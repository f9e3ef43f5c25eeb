/**
 * Packing tokenized examples into fixed-shape batches. Each sequence of seqLen positions contains
 * several examples one after another; every example has its own segment id, so attention never
 * crosses an example border, and its positions restart at 0. Positions after the last example are
 * padding: the pad token, loss weight 0 and a segment of their own.
 *
 * An example of n ids fills n − 1 positions: input ids[0..n−2], targets ids[1..n−1], and a loss
 * weight of 1 where the target is a response id (index ≥ promptLength).
 */
import { Rng } from '../util/random.ts';
import type { TrainBatch } from './batch.ts';
import type { TokenizedExample } from './sft-data.ts';

/** The examples of one sequence, by index into the example list. */
export type PackedSequence = number[];

/** Positions an example fills. */
export function examplePositions(example: TokenizedExample): number {
  return example.ids.length - 1;
}

/**
 * Returns the example order of one epoch: a shuffle seeded by (seed, stage, epoch), so a resumed run
 * visits the examples in the same order as an uninterrupted one.
 */
export function epochOrder(count: number, seed: number, stage: number, epoch: number): number[] {
  const mixed = Math.imul(seed ^ 0x2545f491, 0x9e3779b1) ^ Math.imul(stage + 1, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35);
  return new Rng(mixed >>> 0).shuffle(Array.from({ length: count }, (_, i) => i));
}

/**
 * Packs examples into sequences first-fit: each example goes into the first sequence with room,
 * else a new one. Every example must fit a sequence on its own (the data pipeline guarantees it).
 */
export function packSequences(examples: readonly TokenizedExample[], indexes: readonly number[], seqLen: number): PackedSequence[] {
  const sequences: PackedSequence[] = [];
  const used: number[] = [];
  for (const index of indexes) {
    const length = examplePositions(examples[index]);
    if (length > seqLen) throw new RangeError(`Example ${index} fills ${length} positions, more than the sequence length ${seqLen}.`);
    let target = used.findIndex((filled) => filled + length <= seqLen);
    if (target < 0) {
      target = sequences.length;
      sequences.push([]);
      used.push(0);
    }
    sequences[target].push(index);
    used[target] += length;
  }
  return sequences;
}

/**
 * Builds one batch of `batchSize` sequences; missing sequences are all padding. Segment ids are
 * unique within the batch.
 */
export function buildBatch(examples: readonly TokenizedExample[], sequences: readonly PackedSequence[], batchSize: number, seqLen: number, padId: number): TrainBatch {
  if (sequences.length > batchSize) throw new RangeError(`${sequences.length} sequences do not fit a batch of ${batchSize}.`);
  const count = batchSize * seqLen;
  const tokens = new Uint32Array(count).fill(padId);
  const targets = new Uint32Array(count).fill(padId);
  const lossMask = new Float32Array(count);
  const positions = new Uint32Array(count);
  const segments = new Uint32Array(count);
  let segment = 0;
  for (let row = 0; row < batchSize; row++) {
    let at = row * seqLen;
    const end = at + seqLen;
    for (const index of sequences[row] ?? []) {
      const { ids, promptLength } = examples[index];
      for (let i = 0; i + 1 < ids.length; i++, at++) {
        tokens[at] = ids[i];
        targets[at] = ids[i + 1];
        lossMask[at] = i + 1 >= promptLength ? 1 : 0;
        positions[at] = i;
        segments[at] = segment;
      }
      segment++;
    }
    if (at < end) {
      segments.fill(segment, at, end);
      segment++;
    }
  }
  return { batchSize, seqLen, tokens, targets, lossMask, positions, segments };
}

/** Splits packed sequences into batches of `batchSize` (the last one padded). */
export function buildBatches(examples: readonly TokenizedExample[], sequences: readonly PackedSequence[], batchSize: number, seqLen: number, padId: number): TrainBatch[] {
  const batches: TrainBatch[] = [];
  for (let first = 0; first < sequences.length; first += batchSize) {
    batches.push(buildBatch(examples, sequences.slice(first, first + batchSize), batchSize, seqLen, padId));
  }
  return batches;
}
