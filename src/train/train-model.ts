/**
 * trainModel: a whole training run without UI assumptions, for the worker, `mwb train` and
 * experiment runners. It evaluates the held-out loss and saves checkpoints on the configured
 * cadence and at the end of each stage. It resumes from the run's latest checkpoint when one
 * exists, pauses with a checkpoint when the signal aborts, and returns the trained weights with the
 * loss curve.
 */
import type { GpuContext } from '../gpu/context.ts';
import type { CheckpointManager, SavedCheckpoint } from './checkpoint.ts';
import type { LlamaConfig } from './config.ts';
import type { TrainModel } from './model.ts';
import type { ParameterLayout } from './parameters.ts';
import { NonFiniteLossError, Trainer, type EvalPoint, type StagePlan, type StepPoint, type TrainerState, type TrainingCurve, type TrainingData } from './trainer.ts';
import type { TrainingTokenizer } from './tokenizer.ts';
import type { TrainingConfig } from './training-config.ts';

/** A trained model in host memory: everything the GGUF exporter needs. */
export interface TrainedModel {
  config: LlamaConfig;
  tokenizer: TrainingTokenizer;
  layout: ParameterLayout;
  /** The weights arena (layout.totalElements floats, tensors at their layout offsets). */
  parameters: Float32Array;
}

export interface TrainingProgress {
  step: number;
  totalSteps: number;
  /** Input tokens per second over the last steps. */
  tokensPerSecond: number;
  /** Estimated milliseconds to the end, from the mean time of the last steps. */
  etaMs: number;
}

export interface TrainingCallbacks {
  /**
   * Called once the model is allocated, with the plan, the checkpoint the run resumes from and the
   * live model. The model may be read while training, and trainModel disposes it when it returns.
   * Training waits for a returned promise.
   */
  onStart?(info: { plans: StagePlan[]; totalSteps: number; resumedFrom: SavedCheckpoint | null; state: TrainerState; model: TrainModel }): void | Promise<void>;
  onStep?(point: StepPoint, progress: TrainingProgress): void;
  onEval?(point: EvalPoint): void;
  onCheckpoint?(saved: SavedCheckpoint, state: TrainerState): void;
}

export interface TrainModelOptions {
  /** Checkpoint folder of the run; without it nothing is saved and a run cannot resume. */
  checkpoints?: CheckpointManager;
  /** Start from the latest checkpoint when there is one (default true). */
  resume?: boolean;
  /** Initial weights arena (for fine-tuning a GGUF model); seeded weights otherwise. */
  initialParameters?: Float32Array;
}

export interface TrainResult {
  /** 'paused' when the signal aborted before the last step; the latest checkpoint continues it. */
  status: 'completed' | 'paused';
  model: TrainedModel;
  curve: TrainingCurve;
  /** Held-out loss after the last step done; null without held-out examples or when paused between evaluations. */
  finalHeldOutLoss: number | null;
  steps: number;
  totalSteps: number;
  tokens: number;
  elapsedMs: number;
  lastCheckpoint: SavedCheckpoint | null;
}

const RATE_WINDOW = 20;

/**
 * Trains `config.model` on `data`. Raises NonFiniteLossError (naming the last good checkpoint) when
 * the loss becomes NaN or infinite, CheckpointSaveError when a checkpoint cannot be written (the
 * previous one stays valid), and the model's ConfigError / TrainingMemoryError before allocating.
 */
export async function trainModel(ctx: GpuContext, config: TrainingConfig, data: TrainingData, callbacks: TrainingCallbacks = {}, signal?: AbortSignal, options: TrainModelOptions = {}): Promise<TrainResult> {
  const trainer = await Trainer.create(ctx, config, data, options.initialParameters);
  const checkpoints = options.checkpoints;
  try {
    let lastCheckpoint: SavedCheckpoint | null = null;
    let resumedFrom: SavedCheckpoint | null = null;
    if (checkpoints) {
      lastCheckpoint = await checkpoints.latest();
      if (lastCheckpoint && options.resume !== false) {
        const checkpoint = await checkpoints.loadLatest<TrainerState>();
        if (checkpoint) {
          trainer.restore(checkpoint, `${lastCheckpoint.location}/${lastCheckpoint.file}`);
          resumedFrom = lastCheckpoint;
        }
      }
    }
    await callbacks.onStart?.({ plans: trainer.plans, totalSteps: trainer.totalSteps, resumedFrom, state: trainer.state, model: trainer.model });

    const save = async () => {
      if (!checkpoints || lastCheckpoint?.step === trainer.state.step) return;
      lastCheckpoint = await checkpoints.save(trainer.state.step, trainer.state, await trainer.checkpointSections());
      callbacks.onCheckpoint?.(lastCheckpoint, trainer.state);
    };
    const evaluate = async () => {
      const point = await trainer.evaluate();
      if (point) callbacks.onEval?.(point);
    };

    const recent: StepPoint[] = [];
    let paused = false;
    while (!trainer.done) {
      if (signal?.aborted) {
        paused = true;
        break;
      }
      let point: StepPoint;
      try {
        point = await trainer.step();
      } catch (error) {
        if (error instanceof NonFiniteLossError) throw new NonFiniteLossError(error.step, error.loss, error.gradNorm, lastCheckpoint);
        throw error;
      }
      recent.push(point);
      if (recent.length > RATE_WINDOW) recent.shift();
      const recentMs = recent.reduce((sum, p) => sum + p.ms, 0);
      const recentTokens = recent.reduce((sum, p) => sum + p.tokens, 0);
      callbacks.onStep?.(point, {
        step: point.step,
        totalSteps: trainer.totalSteps,
        tokensPerSecond: recentTokens / (recentMs / 1000),
        etaMs: (recentMs / recent.length) * (trainer.totalSteps - point.step),
      });

      const stageEnd = trainer.atStageEnd;
      if (stageEnd || (config.evalEvery > 0 && point.step % config.evalEvery === 0)) await evaluate();
      if (stageEnd || (config.checkpointEvery > 0 && point.step % config.checkpointEvery === 0)) await save();
    }

    // A paused run is not evaluated, so its curve stays that of an uninterrupted run once resumed.
    const heldOut = trainer.state.curve.heldOut;
    if (!paused && trainer.state.step > 0 && heldOut[heldOut.length - 1]?.step !== trainer.state.step) await evaluate();
    await save();
    const last = trainer.state.curve.heldOut[trainer.state.curve.heldOut.length - 1];
    return {
      status: paused ? 'paused' : 'completed',
      model: { config: config.model, tokenizer: data.tokenizer, layout: trainer.model.layout, parameters: await trainer.model.readArena('parameters') },
      curve: structuredClone(trainer.state.curve),
      finalHeldOutLoss: last?.step === trainer.state.step ? last.loss : null,
      steps: trainer.state.step,
      totalSteps: trainer.totalSteps,
      tokens: trainer.state.tokens,
      elapsedMs: trainer.state.elapsedMs,
      lastCheckpoint,
    };
  } finally {
    trainer.dispose();
  }
}
