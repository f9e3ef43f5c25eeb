/**
 * The training loop one optimizer step at a time, over curriculum stages.
 *
 * Each stage (Skywork-Math's stage 1 on "normal" data, then stage 2 on "hard" data, or one mixed
 * stage) runs `epochs` passes over its examples in a seeded order per epoch. A step takes the next
 * `batch` examples and packs them into sequences. Forward and backward passes over micro-batches of
 * `microBatch` sequences accumulate the gradients, each scaled by 1 / the step's response tokens,
 * so the update follows the mean loss over the whole effective batch. Then the global gradient norm
 * is clipped and one AdamW update applies the schedule's learning rate.
 *
 * Every stage has its own schedule (warm-up then cosine or constant, over that stage's steps) and
 * starts with fresh AdamW moments, as a second SFT run started from the first run's weights would.
 */
import type { GpuContext } from '../gpu/context.ts';
import type { TrainBatch } from './batch.ts';
import { asFloat32, CheckpointError, float32Bytes, type Checkpoint } from './checkpoint.ts';
import { DEFAULT_MEMORY_BUDGET } from './memory.ts';
import { TrainModel } from './model.ts';
import { buildBatches, epochOrder, packSequences } from './packing.ts';
import { learningRateAt, warmupStepsFor, type ScheduleSettings } from './schedule.ts';
import type { TokenizedExample } from './sft-data.ts';
import type { TrainingTokenizer } from './tokenizer.ts';
import { validateTrainingConfig, TrainingConfigError, type TrainingConfig } from './training-config.ts';

export interface TrainingStage {
  /** "normal", "hard", "mixed" or a name of the caller's choice. */
  name: string;
  examples: TokenizedExample[];
}

export interface TrainingData {
  tokenizer: TrainingTokenizer;
  stages: TrainingStage[];
  /** The held-out examples of every stage; their mean loss is the held-out loss. */
  heldOut: TokenizedExample[];
}

export interface StagePlan {
  name: string;
  examples: number;
  stepsPerEpoch: number;
  totalSteps: number;
  warmupSteps: number;
  /** Global steps done before this stage starts. */
  firstStep: number;
}

export interface StepPoint {
  /** Global optimizer step, 1-based. */
  step: number;
  stage: number;
  /** Fractional epoch within the stage at the end of this step (1.0 = one pass done). */
  epoch: number;
  /** Mean loss over the step's response tokens, before the update. */
  loss: number;
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Input tokens of the step's examples (padding excluded). */
  tokens: number;
  /** Tokens with loss (response tokens and EOS). */
  lossTokens: number;
  /** Wall-clock milliseconds of the step. */
  ms: number;
}

export interface EvalPoint {
  step: number;
  loss: number;
  lossTokens: number;
}

export interface TrainingCurve {
  train: StepPoint[];
  heldOut: EvalPoint[];
}

/** The loop state a checkpoint stores besides the arrays. */
export interface TrainerState {
  step: number;
  stageIndex: number;
  /** Steps done in the current stage. */
  stageStep: number;
  /** Input tokens trained on so far. */
  tokens: number;
  /** Training milliseconds so far, over every session of the run. */
  elapsedMs: number;
  curve: TrainingCurve;
  /** Identifies the config and data; a checkpoint resumes only a run with the same fingerprint. */
  fingerprint: string;
}

/** The loss or the gradient became NaN or infinite; the weights after the previous step were kept. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly gradNorm: number,
    readonly lastCheckpoint: { file: string; step: number; location: string } | null,
  ) {
    const what = Number.isFinite(loss) ? `the gradient norm is ${gradNorm}` : `the loss is ${loss}`;
    const resume = lastCheckpoint
      ? `The last good checkpoint is step ${lastCheckpoint.step} (${lastCheckpoint.location}/${lastCheckpoint.file}).`
      : 'No checkpoint was saved before it.';
    super(`Training stopped at step ${step}: ${what}. ${resume} Lower the learning rate or enable gradient clipping, then resume or restart.`);
    this.name = 'NonFiniteLossError';
  }
}

/** FNV-1a over 32-bit words, as 8 hex digits. */
function hashWords(hash: number, values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) hash = Math.imul(hash ^ values[i], 0x01000193) >>> 0;
  return hash;
}

/** Hashes everything that shapes the loss curve: the settings that matter, the tokens and the data. */
export function trainingFingerprint(config: TrainingConfig, data: TrainingData): string {
  const { evalEvery: _evalEvery, checkpointEvery: _checkpointEvery, memoryBudget: _budget, ...shaping } = config;
  let hash = hashWords(0x811c9dc5, Array.from(JSON.stringify(shaping), (c) => c.charCodeAt(0)));
  hash = hashWords(hash, [data.tokenizer.vocabSize, data.heldOut.length, ...data.stages.map((s) => s.examples.length)]);
  for (const stage of data.stages) for (const example of stage.examples) hash = hashWords(hashWords(hash, example.ids), [example.promptLength]);
  for (const example of data.heldOut) hash = hashWords(hash, example.ids);
  return hash.toString(16).padStart(8, '0');
}

/** Plans every stage: steps per epoch (the last batch of an epoch may be smaller), warm-up, offsets. */
export function planStages(config: TrainingConfig, stages: readonly TrainingStage[]): StagePlan[] {
  let firstStep = 0;
  return stages.map((stage) => {
    const stepsPerEpoch = Math.ceil(stage.examples.length / config.batch);
    const totalSteps = stepsPerEpoch * config.epochs;
    const plan = { name: stage.name, examples: stage.examples.length, stepsPerEpoch, totalSteps, warmupSteps: warmupStepsFor(totalSteps, config.warmupRatio), firstStep };
    firstStep += totalSteps;
    return plan;
  });
}

export class Trainer {
  readonly plans: StagePlan[];
  readonly totalSteps: number;
  readonly fingerprint: string;
  state: TrainerState;
  private order: { key: string; indexes: number[] } | null = null;
  private heldOutBatches: TrainBatch[] | null = null;

  private constructor(
    readonly model: TrainModel,
    readonly config: TrainingConfig,
    readonly data: TrainingData,
  ) {
    this.plans = planStages(config, data.stages);
    this.totalSteps = this.plans.reduce((sum, plan) => sum + plan.totalSteps, 0);
    this.fingerprint = trainingFingerprint(config, data);
    this.state = { step: 0, stageIndex: 0, stageStep: 0, tokens: 0, elapsedMs: 0, curve: { train: [], heldOut: [] }, fingerprint: this.fingerprint };
  }

  /**
   * Checks the settings and the data, then allocates the model (seeded weights, or
   * `initialParameters` from a GGUF file). Raises before allocating when the model does not fit.
   */
  static async create(ctx: GpuContext, config: TrainingConfig, data: TrainingData, initialParameters?: Float32Array): Promise<Trainer> {
    validateTrainingConfig(config);
    if (config.model.vocabSize !== data.tokenizer.vocabSize) {
      throw new TrainingConfigError('model.vocabSize', `${config.model.vocabSize} differs from the tokenizer's ${data.tokenizer.vocabSize} tokens`);
    }
    if (data.stages.length === 0 || data.stages.some((stage) => stage.examples.length === 0)) {
      throw new TrainingConfigError('stages', 'every stage needs at least one training example');
    }
    for (const example of [...data.stages.flatMap((s) => s.examples), ...data.heldOut]) {
      if (example.ids.length - 1 > config.seqLen) throw new TrainingConfigError('seqLen', `an example fills ${example.ids.length - 1} positions, more than the sequence length ${config.seqLen}; tokenize with the same sequence length`);
    }
    const model = await TrainModel.create(ctx, config.model, {
      batchSize: config.microBatch,
      seqLen: config.seqLen,
      seed: config.seed,
      memoryBudget: config.memoryBudget ?? DEFAULT_MEMORY_BUDGET,
    });
    if (initialParameters) {
      try {
        model.writeArena('parameters', initialParameters);
      } catch (error) {
        model.dispose();
        throw error;
      }
    }
    return new Trainer(model, config, data);
  }

  get done(): boolean {
    return this.state.stageIndex >= this.plans.length;
  }

  /** Runs the next optimizer step and records it in the curve. Raises NonFiniteLossError (without a checkpoint) on NaN or ∞. */
  async step(): Promise<StepPoint> {
    if (this.done) throw new Error('Training is complete; there is no next step.');
    const started = performance.now();
    const { config, model } = this;
    const stageIndex = this.state.stageIndex;
    const plan = this.plans[stageIndex];
    const stage = this.data.stages[stageIndex];
    const stageStep = this.state.stageStep;
    if (stageStep === 0 && stageIndex > 0) this.resetMoments();

    const epoch = Math.floor(stageStep / plan.stepsPerEpoch);
    const first = (stageStep % plan.stepsPerEpoch) * config.batch;
    const chosen = this.epochIndexes(stageIndex, epoch, stage.examples.length).slice(first, first + config.batch);
    const sequences = packSequences(stage.examples, chosen, config.seqLen);
    const batches = buildBatches(stage.examples, sequences, config.microBatch, config.seqLen, this.data.tokenizer.pad);
    let tokens = 0;
    let lossTokens = 0;
    for (const index of chosen) {
      const example = stage.examples[index];
      tokens += example.ids.length - 1;
      lossTokens += example.ids.length - example.promptLength;
    }

    model.zeroGradients();
    let lossSum = 0;
    for (const batch of batches) {
      model.uploadBatch(batch, { gradScale: 1 / lossTokens });
      model.forward();
      model.backward();
      lossSum += (await model.readLoss()).lossSum;
    }
    const schedule: ScheduleSettings = {
      peak: config.optimizer.learningRate,
      warmupSteps: plan.warmupSteps,
      totalSteps: plan.totalSteps,
      kind: config.schedule,
      minRatio: config.minLearningRateRatio,
    };
    const learningRate = learningRateAt(stageStep + 1, schedule);
    model.optimizerStep({ ...config.optimizer, learningRate }, stageStep + 1);
    const norm = await model.readGradientNorm();
    const loss = lossSum / lossTokens;
    const step = this.state.step + 1;
    if (!Number.isFinite(loss) || !norm.finite) throw new NonFiniteLossError(step, loss, norm.norm, null);

    const ms = performance.now() - started;
    const point: StepPoint = { step, stage: stageIndex, epoch: (stageStep + 1) / plan.stepsPerEpoch, loss, learningRate, gradNorm: norm.norm, tokens, lossTokens, ms };
    this.state.curve.train.push(point);
    this.state.step = step;
    this.state.tokens += tokens;
    this.state.elapsedMs += ms;
    this.state.stageStep++;
    if (this.state.stageStep === plan.totalSteps) {
      this.state.stageIndex++;
      this.state.stageStep = 0;
    }
    return point;
  }

  /** True when the last step finished a stage. */
  get atStageEnd(): boolean {
    return this.state.step > 0 && this.state.stageStep === 0;
  }

  /** Computes the mean loss over the held-out examples and records it; null when there are none. */
  async evaluate(): Promise<EvalPoint | null> {
    if (this.data.heldOut.length === 0) return null;
    const started = performance.now();
    this.heldOutBatches ??= buildBatches(
      this.data.heldOut,
      packSequences(this.data.heldOut, this.data.heldOut.map((_, i) => i), this.config.seqLen),
      this.config.microBatch,
      this.config.seqLen,
      this.data.tokenizer.pad,
    );
    let lossSum = 0;
    let lossTokens = 0;
    for (const batch of this.heldOutBatches) {
      this.model.uploadBatch(batch);
      this.model.forward({ gradient: false });
      const stats = await this.model.readLoss();
      lossSum += stats.lossSum;
      lossTokens += stats.tokens;
    }
    const point: EvalPoint = { step: this.state.step, loss: lossSum / lossTokens, lossTokens };
    const curve = this.state.curve.heldOut;
    if (curve.length > 0 && curve[curve.length - 1].step === point.step) curve[curve.length - 1] = point;
    else curve.push(point);
    this.state.elapsedMs += performance.now() - started;
    return point;
  }

  /** Reads the arrays a checkpoint needs: tokenizer, weights and both AdamW moments. */
  async checkpointSections(): Promise<{ name: string; bytes: Uint8Array }[]> {
    return [
      { name: 'tokenizer', bytes: await this.data.tokenizer.toGguf() },
      { name: 'parameters', bytes: float32Bytes(await this.model.readArena('parameters')) },
      { name: 'firstMoment', bytes: float32Bytes(await this.model.readArena('firstMoment')) },
      { name: 'secondMoment', bytes: float32Bytes(await this.model.readArena('secondMoment')) },
    ];
  }

  /** Continues from a checkpoint of the same run; raises CheckpointError when it belongs to another. */
  restore(checkpoint: Checkpoint<TrainerState>, file: string): void {
    const state = checkpoint.header.state;
    if (state.fingerprint !== this.fingerprint) {
      throw new CheckpointError(
        `Checkpoint ${file} was saved by a run with other data or settings (fingerprint ${state.fingerprint}, this run ${this.fingerprint}). ` +
          'Resume with the same data, tokenizer and settings, or start a new run.',
      );
    }
    for (const arena of ['parameters', 'firstMoment', 'secondMoment'] as const) {
      const bytes = checkpoint.sections.get(arena);
      if (!bytes) throw new CheckpointError(`Checkpoint ${file} has no "${arena}" section.`);
      this.model.writeArena(arena, asFloat32(bytes));
    }
    this.state = structuredClone(state);
  }

  dispose(): void {
    this.model.dispose();
  }

  private epochIndexes(stage: number, epoch: number, count: number): number[] {
    const key = `${stage}:${epoch}`;
    if (this.order?.key !== key) this.order = { key, indexes: epochOrder(count, this.config.seed, stage, epoch) };
    return this.order.indexes;
  }

  private resetMoments(): void {
    const zeros = new Float32Array(this.model.layout.totalElements);
    this.model.writeArena('firstMoment', zeros);
    this.model.writeArena('secondMoment', zeros);
  }
}
