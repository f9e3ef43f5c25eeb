/** IndexedDB records of training runs: the run with its settings and progress, and its loss curves. */
import type { SavedCheckpoint } from '../train/checkpoint.ts';
import type { ExportType } from '../train/export.ts';
import type { StageReport } from '../train/prepare.ts';
import type { HeldOutSize, OverflowPolicy } from '../train/sft-data.ts';
import type { EvalPoint, StagePlan, StepPoint } from '../train/trainer.ts';
import type { TrainingConfig } from '../train/training-config.ts';

/**
 * Run states. created: stored, never started. running: training now, or interrupted by a closed tab,
 * which the page resumes. paused: stopped by the user, or by a failed checkpoint write, with a valid
 * checkpoint. completed. failed: see `error`.
 */
export type TrainRunStatus = 'created' | 'running' | 'paused' | 'completed' | 'failed';

/** A shard that feeds one stage. */
export interface TrainShardRef {
  shardId: string;
  shardName: string;
}

export interface TrainDataSpec {
  /** One shard (one mixed stage), or stage 1 then stage 2. */
  stages: { name: string; shards: TrainShardRef[] }[];
  tokenizer: { kind: 'bpe'; vocabSize: number } | { kind: 'byte' };
  overflow: OverflowPolicy;
  heldOut?: HeldOutSize;
  /** The prompt template with {problem}. */
  prompt: string;
}

export interface TrainRunRecord {
  id: string;
  name: string;
  /** Model preset name, for the run list. */
  preset: string;
  status: TrainRunStatus;
  /** The failure message when status is 'failed', or why the run stopped. */
  error?: string;
  config: TrainingConfig;
  data: TrainDataSpec;
  /** Known once the data is prepared. */
  plans?: StagePlan[];
  reports?: StageReport[];
  totalSteps?: number;
  step: number;
  tokens: number;
  elapsedMs: number;
  /** Live figures of the last step. */
  loss?: number;
  learningRate?: number;
  tokensPerSecond?: number;
  etaMs?: number;
  heldOutLoss?: number;
  lastCheckpoint?: SavedCheckpoint;
  /** Each time training continued from a checkpoint: its step, and when (Unix milliseconds). */
  resumes?: { step: number; at: number }[];
  /** GGUF files written from the final weights, by type. */
  exports?: { type: ExportType; fileName: string; bytes: number; at: number }[];
  /** Unix milliseconds. */
  createdAt: number;
  updatedAt: number;
}

/** One optimizer step of a run (IndexedDB key [runId+step]). */
export interface TrainStepRecord extends StepPoint {
  runId: string;
}

/** One held-out evaluation of a run (IndexedDB key [runId+step]). */
export interface TrainEvalRecord extends EvalPoint {
  runId: string;
}
