/**
 * Settings of a training run: model shape, batch shape, optimizer, schedule and cadence, with the
 * defaults of Skywork-Math's SFT recipe where it gives one (3 epochs, global batch 32, AdamW without
 * weight decay, warm-up ratio 0.03, cosine decay).
 */
import type { AdamWSettings } from '../kernels/optimizer.ts';
import { MODEL_PRESETS, validateConfig, type LlamaConfig } from './config.ts';
import { SCHEDULE_KINDS, type ScheduleKind } from './schedule.ts';

export interface TrainingConfig {
  /** The model; vocabSize must equal the tokenizer's. */
  model: LlamaConfig;
  /** Positions per packed sequence (at most model.contextLength). */
  seqLen: number;
  /** Sequences per forward and backward pass (the GPU batch shape). */
  microBatch: number;
  /** Examples per optimizer step: the effective batch that gradients accumulate over. */
  batch: number;
  /** Passes over each stage's examples. */
  epochs: number;
  /** AdamW; learningRate is the peak of the schedule. maxGradNorm 0 turns clipping off. */
  optimizer: AdamWSettings;
  /** Share of each stage's steps spent warming up linearly from 0. */
  warmupRatio: number;
  schedule: ScheduleKind;
  /** Cosine decay approaches this fraction of the peak learning rate. */
  minLearningRateRatio: number;
  /** Seeds the initial weights, the held-out split and the example order of every epoch. */
  seed: number;
  /** Evaluate the held-out loss every this many steps (0: only at the end of each stage). */
  evalEvery: number;
  /** Save a checkpoint every this many steps (0: only at the end of each stage and on pause). */
  checkpointEvery: number;
  /** GPU memory the model may use, in bytes (default: the train model's budget). */
  memoryBudget?: number;
}

/** Model shapes for `--config`: vocabSize comes from the tokenizer and contextLength from `--context`. */
export const TRAIN_PRESETS: Record<string, Omit<LlamaConfig, 'vocabSize' | 'contextLength'>> = {
  micro: { ...MODEL_PRESETS.tiny, embeddingLength: 32, feedForwardLength: 64 },
  tiny: MODEL_PRESETS.tiny,
  mini: { ...MODEL_PRESETS.tiny, embeddingLength: 128, blockCount: 4, headCount: 4, headCountKv: 2, feedForwardLength: 352 },
  small: MODEL_PRESETS.small,
  medium: { ...MODEL_PRESETS.small, embeddingLength: 512, blockCount: 8, headCount: 8, headCountKv: 4, feedForwardLength: 1376 },
};

export const DEFAULT_OPTIMIZER: AdamWSettings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };

export const DEFAULT_TRAINING: Omit<TrainingConfig, 'model' | 'seqLen'> = {
  microBatch: 4,
  batch: 32,
  epochs: 3,
  optimizer: DEFAULT_OPTIMIZER,
  warmupRatio: 0.03,
  schedule: 'cosine',
  minLearningRateRatio: 0,
  seed: 1,
  evalEvery: 0,
  checkpointEvery: 0,
};

/** Builds a model config from a preset name, the tokenizer's vocabulary size and the context length. */
export function presetConfig(name: string, vocabSize: number, contextLength: number): LlamaConfig {
  const preset = TRAIN_PRESETS[name];
  if (!preset) throw new TrainingConfigError('model', `unknown model preset "${name}"; presets: ${Object.keys(TRAIN_PRESETS).join(', ')}`);
  return { ...preset, vocabSize, contextLength };
}

/** A training setting is invalid; the message names the field, its value and what is expected. */
export class TrainingConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`Invalid training setting "${field}": ${message}`);
    this.name = 'TrainingConfigError';
  }
}

function requireInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new TrainingConfigError(field, `expected an integer ≥ ${min}, got ${value}`);
}

function requireRange(field: string, value: number, min: number, max: number, open: { min?: boolean; max?: boolean } = {}): void {
  const aboveMin = open.min ? value > min : value >= min;
  const belowMax = open.max ? value < max : value <= max;
  if (!(Number.isFinite(value) && aboveMin && belowMax)) {
    throw new TrainingConfigError(field, `expected a number in ${open.min ? '(' : '['}${min}, ${max}${open.max ? ')' : ']'}, got ${value}`);
  }
}

/** Raises TrainingConfigError (or the model's ConfigError) for the first invalid setting. */
export function validateTrainingConfig(config: TrainingConfig): void {
  validateConfig(config.model);
  requireInteger('seqLen', config.seqLen, 2);
  if (config.seqLen > config.model.contextLength) {
    throw new TrainingConfigError('seqLen', `${config.seqLen} exceeds the model's context length ${config.model.contextLength}`);
  }
  requireInteger('microBatch', config.microBatch, 1);
  requireInteger('batch', config.batch, 1);
  requireInteger('epochs', config.epochs, 1);
  requireInteger('seed', config.seed, 0);
  requireInteger('evalEvery', config.evalEvery, 0);
  requireInteger('checkpointEvery', config.checkpointEvery, 0);
  const o = config.optimizer;
  requireRange('learningRate', o.learningRate, 0, 10, { min: true });
  requireRange('beta1', o.beta1, 0, 1, { max: true });
  requireRange('beta2', o.beta2, 0, 1, { max: true });
  requireRange('eps', o.eps, 0, 1, { min: true });
  requireRange('weightDecay', o.weightDecay, 0, 1);
  requireRange('maxGradNorm', o.maxGradNorm, 0, 1e9);
  requireRange('warmupRatio', config.warmupRatio, 0, 1);
  requireRange('minLearningRateRatio', config.minLearningRateRatio, 0, 1);
  if (!SCHEDULE_KINDS.includes(config.schedule)) throw new TrainingConfigError('schedule', `expected ${SCHEDULE_KINDS.join(' or ')}, got ${JSON.stringify(config.schedule)}`);
}
