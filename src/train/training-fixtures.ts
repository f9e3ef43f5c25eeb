/** Small data sets and model shapes for the training-loop, export and CLI tests. */
import { Rng } from '../util/random.ts';
import type { LlamaConfig } from './config.ts';
import { tokenizeRecords, type SftRecord, type SftTemplate } from './sft-data.ts';
import type { TrainingTokenizer } from './tokenizer.ts';
import { DEFAULT_TRAINING, type TrainingConfig } from './training-config.ts';
import type { TrainingData } from './trainer.ts';

export const TOY_TEMPLATE: SftTemplate = { prompt: 'Q: {problem}\nA:' };

/** Addition problems "a + b" with the solution "The answer is a+b", operands below `limit`. */
export function additionRecords(count: number, seed: number, limit = 20): SftRecord[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const a = rng.int(0, limit - 1);
    const b = rng.int(0, limit - 1);
    return { problem: `${a} + ${b}`, solution: `The answer is ${a + b}`, source: `toy:${i}` };
  });
}

/** Returns a two-block model over the tokenizer's vocabulary, small enough for software adapters. */
export function toyModelConfig(vocabSize: number, contextLength = 64): LlamaConfig {
  return {
    vocabSize,
    embeddingLength: 32,
    blockCount: 2,
    headCount: 4,
    headCountKv: 2,
    feedForwardLength: 64,
    ropeFreqBase: 10000,
    ropeStyle: 'normal',
    rmsNormEps: 1e-5,
    tiedOutput: true,
    contextLength,
  };
}

export function toyTrainingConfig(vocabSize: number, overrides: Partial<TrainingConfig> = {}): TrainingConfig {
  return {
    ...DEFAULT_TRAINING,
    model: toyModelConfig(vocabSize),
    seqLen: 64,
    microBatch: 2,
    batch: 8,
    epochs: 1,
    optimizer: { ...DEFAULT_TRAINING.optimizer, learningRate: 3e-3 },
    ...overrides,
  };
}

/** Tokenized stages (one per record list) and held-out examples for a toy run. */
export function toyData(tokenizer: TrainingTokenizer, stages: { name: string; records: SftRecord[] }[], heldOut: SftRecord[], seqLen = 64): TrainingData {
  const options = { template: TOY_TEMPLATE, seqLen, overflow: 'skip' as const };
  return {
    tokenizer,
    stages: stages.map((stage) => ({ name: stage.name, examples: tokenizeRecords(stage.records, tokenizer, options, stage.name).examples })),
    heldOut: heldOut.length ? tokenizeRecords(heldOut, tokenizer, options, 'held-out').examples : [],
  };
}
