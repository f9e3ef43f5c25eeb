/** The new-run form's values and their translation into a stored run (settings and data). */
import type { TrainDataSpec } from '../../../db/train.ts';
import { ALPACA_COT_TEXT } from '../../../eval/templates.ts';
import type { ScheduleKind } from '../../../train/schedule.ts';
import { DEFAULT_BPE_VOCAB, MIN_BPE_VOCAB } from '../../../train/tokenizer.ts';
import { DEFAULT_TRAINING, presetConfig, type TrainingConfig } from '../../../train/training-config.ts';
import type { NewTrainRun } from '../../../worker/services/train.ts';

export interface RunFormValues {
  name: string;
  stage1: string;
  /** Empty for a single stage. */
  stage2: string;
  /** Train one stage on both shards. */
  mixed: boolean;
  preset: string;
  tokenizer: 'bpe' | 'byte';
  vocab: number;
  context: number;
  epochs: number;
  batch: number;
  microBatch: number;
  learningRate: number;
  warmupRatio: number;
  schedule: ScheduleKind;
  seed: number;
  /** Held-out records per stage. */
  heldOut: number;
  evalEvery: number;
  checkpointEvery: number;
}

export const DEFAULT_FORM: RunFormValues = {
  name: '',
  stage1: '',
  stage2: '',
  mixed: false,
  preset: 'mini',
  tokenizer: 'bpe',
  vocab: DEFAULT_BPE_VOCAB,
  context: 256,
  epochs: DEFAULT_TRAINING.epochs,
  batch: DEFAULT_TRAINING.batch,
  microBatch: DEFAULT_TRAINING.microBatch,
  learningRate: DEFAULT_TRAINING.optimizer.learningRate,
  warmupRatio: DEFAULT_TRAINING.warmupRatio,
  schedule: DEFAULT_TRAINING.schedule,
  seed: DEFAULT_TRAINING.seed,
  heldOut: 32,
  evalEvery: 10,
  checkpointEvery: 10,
};

/** Byte-level vocabulary size (256 bytes, 4 special tokens and "▁"). */
const BYTE_VOCAB = 261;

/** Returns the training settings the form describes; vocabSize is an upper bound until the tokenizer is learned. */
export function formConfig(values: RunFormValues): TrainingConfig {
  const vocab = values.tokenizer === 'byte' ? BYTE_VOCAB : values.vocab;
  return {
    ...DEFAULT_TRAINING,
    model: presetConfig(values.preset, vocab, values.context),
    seqLen: values.context,
    microBatch: values.microBatch,
    batch: values.batch,
    epochs: values.epochs,
    optimizer: { ...DEFAULT_TRAINING.optimizer, learningRate: values.learningRate },
    warmupRatio: values.warmupRatio,
    schedule: values.schedule,
    seed: values.seed,
    evalEvery: values.evalEvery,
    checkpointEvery: values.checkpointEvery,
  };
}

/** Builds the run to store from the form and the names of the chosen shards. */
export function formRun(values: RunFormValues, shardName: (id: string) => string): NewTrainRun {
  const ref = (id: string) => ({ shardId: id, shardName: shardName(id) });
  let stages: TrainDataSpec['stages'];
  if (!values.stage2) stages = [{ name: 'mixed', shards: [ref(values.stage1)] }];
  else if (values.mixed) stages = [{ name: 'mixed', shards: [ref(values.stage1), ref(values.stage2)] }];
  else stages = [{ name: 'normal', shards: [ref(values.stage1)] }, { name: 'hard', shards: [ref(values.stage2)] }];
  const config = formConfig(values);
  return {
    name: values.name.trim() || `${values.preset} on ${stages.flatMap((s) => s.shards.map((r) => r.shardName)).join(' + ')}`,
    preset: values.preset,
    config,
    data: {
      stages,
      tokenizer: values.tokenizer === 'byte' ? { kind: 'byte' } : { kind: 'bpe', vocabSize: values.vocab },
      overflow: 'truncate',
      heldOut: { count: values.heldOut },
      prompt: ALPACA_COT_TEXT,
    },
  };
}

/** Lists what must change before the form can start a run; empty when it can. */
export function formProblems(values: RunFormValues): string[] {
  const problems: string[] = [];
  if (!values.stage1) problems.push('Choose a shard to train on (create one on the Data page first).');
  if (values.stage2 && values.stage2 === values.stage1) problems.push('Stage 2 needs another shard than stage 1.');
  const integers: [keyof RunFormValues, number][] = [
    ['context', 8],
    ['epochs', 1],
    ['batch', 1],
    ['microBatch', 1],
    ['seed', 0],
    ['heldOut', 0],
    ['evalEvery', 0],
    ['checkpointEvery', 0],
  ];
  for (const [field, min] of integers) {
    const value = values[field] as number;
    if (!Number.isInteger(value) || value < min) problems.push(`${field} must be a whole number ≥ ${min}, got ${value}.`);
  }
  if (values.tokenizer === 'bpe' && !(Number.isInteger(values.vocab) && values.vocab >= MIN_BPE_VOCAB)) problems.push(`The vocabulary size must be a whole number ≥ ${MIN_BPE_VOCAB}, got ${values.vocab}.`);
  if (!(values.learningRate > 0 && values.learningRate <= 10)) problems.push(`The learning rate must be in (0, 10], got ${values.learningRate}.`);
  if (!(values.warmupRatio >= 0 && values.warmupRatio <= 1)) problems.push(`The warm-up ratio must be in [0, 1], got ${values.warmupRatio}.`);
  return problems;
}
