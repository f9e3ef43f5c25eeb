/**
 * A llama model being trained on the GPU: weights, gradients and AdamW moments in f32 arenas with GGUF
 * tensor names, a workspace for one batch shape, and the training graph replayed every step.
 *
 * A step is: uploadBatch → forward → backward → optimizerStep, each submitted without waiting;
 * readLoss is the only readback. Gradients accumulate across forward/backward pairs until
 * zeroGradients, so gradient accumulation is: zero, then several micro-batches, then one update.
 */
import type { GpuContext } from '../gpu/context.ts';
import { attentionBlockRows, attentionSegmentTable } from '../kernels/attention-train.ts';
import type { KernelCall } from '../kernels/common.ts';
import { buildScatterPlan } from '../kernels/embedding.ts';
import { ADAMW_HYPER_BYTES, NORM_PARTIALS_PER_RANGE, NORM_STATS_BYTES, packAdamWHyper, type AdamWSettings } from '../kernels/optimizer.ts';
import { ropeTable } from '../kernels/rope.ts';
import { lossWeightSum, validateBatch, type TrainBatch } from './batch.ts';
import { headDim, validateConfig, type LlamaConfig } from './config.ts';
import { arenaRanges, buildTrainingGraph, releaseGraph, type ModelBuffers, type TrainingGraph } from './graph.ts';
import { checkTrainingMemory, DEFAULT_MEMORY_BUDGET, describeEstimate, estimateTrainingMemory, TrainingMemoryError, type MemoryEstimate } from './memory.ts';
import { findTensor, initialParameters, parameterLayout, type ParameterLayout } from './parameters.ts';
import { ReadbackWait } from './readback-wait.ts';
import { logitsChunkRows, Workspace, workspaceSpecs } from './workspace.ts';

export const DEFAULT_ADAMW: AdamWSettings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };

export type Arena = 'parameters' | 'gradients' | 'firstMoment' | 'secondMoment';

/** Maximum number of phases that name a kind of step for the readback sleep (see readback-wait.ts). */
const MAX_PENDING_PHASES = 16;

export interface TrainModelOptions {
  batchSize: number;
  seqLen: number;
  /** Seed of the initial weights (default 1). */
  seed?: number;
  /** Total bytes the model may use (default DEFAULT_MEMORY_BUDGET). */
  memoryBudget?: number;
  /** Upper bound of the logits buffer; the output head runs in row chunks beyond it. */
  maxLogitsBytes?: number;
  /** Record GPU timestamps per phase (needs timestamp-query), read with readPhaseTimes. */
  timing?: boolean;
}

export interface LossStats {
  /** Mean loss over masked-in tokens, 0 when none is. */
  loss: number;
  lossSum: number;
  /** Σ lossMask. */
  tokens: number;
}

export interface GradientNorm {
  norm: number;
  /** Factor applied to the gradients by the last optimizer step. */
  clip: number;
  /** False when the norm was NaN or infinite; the step then left every weight unchanged. */
  finite: boolean;
}

type Phase = 'forward' | 'backward' | 'optimizer';
const PHASES: Phase[] = ['forward', 'backward', 'optimizer'];

export class TrainModel {
  readonly layout: ParameterLayout;
  private readonly buffers: ModelBuffers;
  private workspace: Workspace | null = null;
  private graph: TrainingGraph | null = null;
  /** True between a forward pass with gradient and the backward pass that consumes its dlogits. */
  private dlogitsReady = false;
  /** True after an evaluation forward pass, whose logits stay in the logits buffer. */
  private logitsReady = false;
  private querySet: GPUQuerySet | null = null;
  private queryResolve: GPUBuffer | null = null;
  private disposed = false;
  /** performance.now() of the first submission since the last readback, or null. */
  private firstSubmitAt: number | null = null;
  /** Phases submitted since the last readback: the kind of step whose latency readbackWait learns. */
  private pendingPhases: Phase[] = [];
  private readonly readbackWait = new ReadbackWait();
  /** Rows per attention block of the current graph (attentionBlockRows of the tuning it was built with). */
  private attentionRows = 0;

  private constructor(
    readonly ctx: GpuContext,
    readonly config: LlamaConfig,
    private readonly options: TrainModelOptions,
  ) {
    this.layout = parameterLayout(config);
    const arena = (label: string) => ctx.createStorage(this.layout.totalElements * 4, `train.${label}`);
    const rangeCount = arenaRanges(this.layout, ctx.limits.maxStorageBufferBindingSize).length;
    this.buffers = {
      parameters: arena('parameters'),
      gradients: arena('gradients'),
      firstMoment: arena('firstMoment'),
      secondMoment: arena('secondMoment'),
      ropeTable: ctx.createStorage(ropeTable(config.ropeFreqBase, headDim(config), config.contextLength), 'train.ropeTable'),
      hyper: ctx.createBuffer(ADAMW_HYPER_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'train.hyper'),
      normPartials: ctx.createStorage(rangeCount * NORM_PARTIALS_PER_RANGE * 4, 'train.normPartials'),
      normStats: ctx.createStorage(NORM_STATS_BYTES, 'train.normStats'),
    };
    if (options.timing && ctx.hasTimestamps) {
      this.querySet = ctx.device.createQuerySet({ type: 'timestamp', count: PHASES.length * 2 });
      this.queryResolve = ctx.createBuffer(PHASES.length * 16, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, 'train.timestamps');
    }
  }

  /**
   * Checks the config and the memory estimate, then allocates the model with seeded initial weights
   * and the workspace for options.batchSize × options.seqLen.
   * Raises ConfigError or TrainingMemoryError before allocating anything when either check fails.
   */
  static async create(ctx: GpuContext, config: LlamaConfig, options: TrainModelOptions): Promise<TrainModel> {
    validateConfig(config);
    const estimate = TrainModel.estimate(ctx, config, options.batchSize, options.seqLen, options.maxLogitsBytes);
    checkTrainingMemory(estimate, ctx.limits, options.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
    const model = await allocateCatchingOutOfMemory(ctx, estimate, 'the weights, gradients and Adam moments', async () => {
      const created = new TrainModel(ctx, config, options);
      created.writeArena('parameters', initialParameters(config, created.layout, options.seed ?? 1));
      return created;
    });
    try {
      await model.setBatchShape(options.batchSize, options.seqLen);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  }

  static estimate(ctx: GpuContext, config: LlamaConfig, batchSize: number, seqLen: number, maxLogitsBytes?: number): MemoryEstimate {
    return estimateTrainingMemory(config, batchSize, seqLen, ctx.limits, maxLogitsBytes, ctx.tuning);
  }

  get batchSize(): number {
    return this.requireWorkspace().batchSize;
  }

  get seqLen(): number {
    return this.requireWorkspace().seqLen;
  }

  /** Rows of logits per output-head chunk; equal to batchSize·seqLen when the head runs in one piece. */
  get logitsChunkRows(): number {
    return this.requireWorkspace().chunkRows;
  }

  /** Reallocates the workspace and rebuilds the graph for a new batch shape (a no-op for the current one). */
  async setBatchShape(batchSize: number, seqLen: number): Promise<void> {
    this.checkUsable();
    if (this.workspace && this.workspace.batchSize === batchSize && this.workspace.seqLen === seqLen) return;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`Batch size must be a positive integer, got ${batchSize}.`);
    if (!Number.isInteger(seqLen) || seqLen < 1 || seqLen > this.config.contextLength) {
      throw new RangeError(`Sequence length must be an integer in [1, ${this.config.contextLength}] (the context length), got ${seqLen}.`);
    }
    const estimate = TrainModel.estimate(this.ctx, this.config, batchSize, seqLen, this.options.maxLogitsBytes);
    checkTrainingMemory(estimate, this.ctx.limits, this.options.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
    this.releaseWorkspace();
    const chunkRows = logitsChunkRows(this.config, batchSize * seqLen, this.ctx.limits.maxStorageBufferBindingSize, this.options.maxLogitsBytes);
    const specs = workspaceSpecs(this.config, batchSize, seqLen, chunkRows, this.ctx.tuning);
    this.workspace = await allocateCatchingOutOfMemory(this.ctx, estimate, 'the training workspace', async () =>
      Workspace.allocate(this.ctx, specs, batchSize, seqLen, chunkRows),
    );
    // The attention kernels and the segment table of every later upload must use the same block size.
    this.attentionRows = attentionBlockRows(this.ctx.tuning);
    this.graph = await buildTrainingGraph(this.ctx, this.config, this.layout, this.buffers, this.workspace);
  }

  /**
   * Validates the batch and writes it to the GPU. gradScale multiplies dlogits; the default 1 / Σ lossMask
   * gives the gradient of this batch's mean loss. With accumulation over micro-batches, pass
   * 1 / (Σ lossMask over all of them) to get the gradient of the mean over the effective batch.
   */
  uploadBatch(batch: TrainBatch, options: { gradScale?: number } = {}): void {
    this.checkUsable();
    validateBatch(batch, this.config);
    const ws = this.requireWorkspace();
    if (batch.batchSize !== ws.batchSize || batch.seqLen !== ws.seqLen) {
      throw new RangeError(`The batch is ${batch.batchSize}×${batch.seqLen} but the workspace is ${ws.batchSize}×${ws.seqLen}; call setBatchShape first.`);
    }
    const weights = lossWeightSum(batch);
    const gradScale = options.gradScale ?? (weights > 0 ? 1 / weights : 0);
    this.ctx.write(ws.get('tokens'), Uint32Array.from(batch.tokens));
    this.ctx.write(ws.get('targets'), Uint32Array.from(batch.targets));
    this.ctx.write(ws.get('lossMask'), Float32Array.from(batch.lossMask));
    this.ctx.write(ws.get('positions'), Uint32Array.from(batch.positions));
    this.ctx.write(ws.get('segments'), attentionSegmentTable(batch.segments, ws.batchSize, ws.seqLen, this.attentionRows));
    this.ctx.write(ws.get('scatterPlan'), buildScatterPlan(batch.tokens));
    this.ctx.write(ws.get('gradScale'), new Float32Array([gradScale]));
    this.dlogitsReady = false;
    this.logitsReady = false;
  }

  /**
   * Submits the forward pass over the uploaded batch; the loss lands on the GPU (readLoss).
   * With gradient (the default) it also leaves dlogits for backward; without, it only evaluates.
   */
  forward(options: { gradient?: boolean } = {}): void {
    const graph = this.requireGraph();
    const gradient = options.gradient ?? true;
    this.submit([...graph.forwardBody, ...(gradient ? graph.headTrain : graph.headEval)], 'forward');
    this.dlogitsReady = gradient;
    this.logitsReady = !gradient;
  }

  /** Submits the backward pass of the last forward pass with gradient, adding into the gradients. */
  backward(): void {
    const graph = this.requireGraph();
    if (!this.dlogitsReady) throw new Error('backward() needs a forward() with gradient over the current batch first (an evaluation forward or a new upload discards dlogits).');
    this.submit([...graph.headBackward, ...graph.backwardBody], 'backward');
    this.dlogitsReady = false;
  }

  /** Sets every gradient to zero (the start of an accumulation cycle). */
  zeroGradients(): void {
    this.checkUsable();
    const encoder = this.ctx.device.createCommandEncoder({ label: 'zero gradients' });
    encoder.clearBuffer(this.buffers.gradients);
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /**
   * Submits the global-norm clipping and one AdamW update with these settings.
   * `step` is the 1-based update count, which sets the bias correction.
   */
  optimizerStep(settings: AdamWSettings, step: number): void {
    const graph = this.requireGraph();
    this.ctx.write(this.buffers.hyper, packAdamWHyper(settings, step));
    this.submit(graph.optimizer, 'optimizer');
  }

  /** One full step on one batch: zero, upload, forward, backward, update; returns the loss before the update. */
  async trainStep(batch: TrainBatch, settings: AdamWSettings, step: number): Promise<LossStats> {
    this.zeroGradients();
    this.uploadBatch(batch);
    this.forward();
    this.backward();
    this.optimizerStep(settings, step);
    return this.readLoss();
  }

  /** Reads the loss of the last forward pass (waits for the GPU). */
  async readLoss(): Promise<LossStats> {
    this.checkUsable();
    // Sleep through most of the expected wait, so a busy-polling host leaves the cores to a software adapter.
    const since = this.firstSubmitAt;
    const kind = this.pendingPhases.join('+');
    const wakeAt = since === null ? null : this.readbackWait.wakeAt(kind, since);
    if (wakeAt !== null) await this.ctx.sleepUntil(wakeAt);
    const woke = performance.now();
    const [lossSum, tokens, loss] = await this.afterRead(this.ctx.readF32(this.requireWorkspace().get('lossStats'), 3));
    if (since !== null) this.readbackWait.record(kind, since, woke, performance.now());
    return { loss, lossSum, tokens };
  }

  /**
   * Waits for a readback, then starts a new timing window for readLoss: any read waits for all work
   * submitted before it, so later latencies count from the next submission, not across a pause.
   */
  private async afterRead<T>(read: Promise<T>): Promise<T> {
    try {
      return await read;
    } finally {
      this.firstSubmitAt = null;
      this.pendingPhases = [];
    }
  }

  /**
   * Reads the logits of the last forward({ gradient: false }) as [batchSize·seqLen, vocabSize], for
   * comparing the model with an exported copy. Needs the output head in one chunk
   * (logitsChunkRows = batchSize·seqLen), since chunked heads keep only the last chunk.
   */
  async readLogits(): Promise<Float32Array> {
    const ws = this.requireWorkspace();
    if (ws.chunkRows !== ws.tokens) throw new Error(`The output head runs in chunks of ${ws.chunkRows} rows, so only the last chunk's logits are kept; use a smaller batch shape.`);
    if (!this.logitsReady) throw new Error('readLogits() needs forward({ gradient: false }) over the current batch first (a forward pass with gradient turns the logits into dlogits).');
    return this.afterRead(this.ctx.readF32(ws.get('logits'), ws.tokens * this.config.vocabSize));
  }

  /** Reads the gradient norm and clip factor of the last optimizer step. */
  async readGradientNorm(): Promise<GradientNorm> {
    this.checkUsable();
    const [, norm, clip, finite] = await this.afterRead(this.ctx.readF32(this.buffers.normStats, 4));
    return { norm, clip, finite: finite === 1 };
  }

  /** Reads one tensor of an arena (weights by default) in its row-major shape. */
  async readTensor(name: string, arena: Arena = 'parameters'): Promise<Float32Array> {
    this.checkUsable();
    const tensor = findTensor(this.layout, name);
    return this.afterRead(this.ctx.readF32(this.buffers[arena], tensor.count, tensor.offset));
  }

  /** Overwrites one tensor of an arena, for example with weights loaded from a GGUF file. */
  writeTensor(name: string, values: Float32Array, arena: Arena = 'parameters'): void {
    this.checkUsable();
    const tensor = findTensor(this.layout, name);
    if (values.length !== tensor.count) {
      throw new RangeError(`Tensor "${name}" has ${tensor.count} elements (shape ${tensor.shape.join('×')}), but ${values.length} values were given.`);
    }
    this.ctx.write(this.buffers[arena], values, tensor.offset * 4);
  }

  /** Reads a whole arena (layout.totalElements floats, padding included), for checkpoints. */
  async readArena(arena: Arena): Promise<Float32Array> {
    this.checkUsable();
    return this.afterRead(this.ctx.readF32(this.buffers[arena], this.layout.totalElements));
  }

  /** Overwrites a whole arena, for example when resuming from a checkpoint. */
  writeArena(arena: Arena, values: Float32Array): void {
    this.checkUsable();
    if (values.length !== this.layout.totalElements) {
      throw new RangeError(`The ${arena} arena has ${this.layout.totalElements} elements, but ${values.length} values were given.`);
    }
    this.ctx.write(this.buffers[arena], values);
  }

  /** Waits until every submitted pass has finished. */
  async sync(): Promise<void> {
    await this.afterRead(this.ctx.device.queue.onSubmittedWorkDone());
  }

  /** GPU milliseconds of the last forward, backward and optimizer submissions; null without timestamp-query or the timing option. */
  async readPhaseTimes(): Promise<Record<Phase, number> | null> {
    if (!this.querySet || !this.queryResolve) return null;
    const encoder = this.ctx.device.createCommandEncoder({ label: 'resolve timestamps' });
    encoder.resolveQuerySet(this.querySet, 0, PHASES.length * 2, this.queryResolve, 0);
    this.ctx.device.queue.submit([encoder.finish()]);
    const stamps = new BigUint64Array(await this.ctx.read(this.queryResolve, PHASES.length * 16));
    const times = {} as Record<Phase, number>;
    PHASES.forEach((phase, i) => (times[phase] = Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6));
    return times;
  }

  /** Returns the expected milliseconds from the first of `phases` to the loss readback after them, 0 before two such reads; for tests. */
  readbackEstimateMs(phases: Phase[]): number {
    return this.readbackWait.estimateMs(phases.join('+'));
  }

  /** Number of dispatches per phase, for benchmarks and tests. */
  get dispatchCounts(): Record<Phase, number> {
    const graph = this.requireGraph();
    return {
      forward: graph.forwardBody.length + graph.headTrain.length,
      backward: graph.headBackward.length + graph.backwardBody.length,
      optimizer: graph.optimizer.length,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseWorkspace();
    for (const buffer of Object.values(this.buffers)) this.ctx.release(buffer);
    if (this.queryResolve) this.ctx.release(this.queryResolve);
    this.querySet?.destroy();
  }

  private submit(calls: KernelCall[], phase: Phase): void {
    this.checkUsable();
    this.firstSubmitAt ??= performance.now();
    // A loop that never reads the loss would grow the list without end; longer kinds share one estimate.
    if (this.pendingPhases.length < MAX_PENDING_PHASES) this.pendingPhases.push(phase);
    const encoder = this.ctx.device.createCommandEncoder({ label: `train ${phase}` });
    const index = PHASES.indexOf(phase);
    const timestampWrites = this.querySet ? { querySet: this.querySet, beginningOfPassWriteIndex: 2 * index, endOfPassWriteIndex: 2 * index + 1 } : undefined;
    const pass = encoder.beginComputePass({ label: `train ${phase}`, timestampWrites });
    for (const call of calls) {
      pass.setPipeline(call.pipeline);
      call.bindGroups.forEach((group, i) => pass.setBindGroup(i, group));
      pass.dispatchWorkgroups(call.grid[0], call.grid[1], call.grid[2]);
    }
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  private releaseWorkspace(): void {
    if (this.graph) releaseGraph(this.ctx, this.graph);
    this.graph = null;
    this.workspace?.dispose();
    this.workspace = null;
    this.dlogitsReady = false;
    this.logitsReady = false;
  }

  private requireWorkspace(): Workspace {
    this.checkUsable();
    if (!this.workspace) throw new Error('The training workspace is not allocated; call setBatchShape first.');
    return this.workspace;
  }

  private requireGraph(): TrainingGraph {
    this.requireWorkspace();
    return this.graph!;
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error('This TrainModel was disposed; create a new one.');
    if (this.ctx.lostError) throw this.ctx.lostError;
  }
}

/** Runs `allocate` inside an out-of-memory error scope and turns a failure into TrainingMemoryError. */
async function allocateCatchingOutOfMemory<T extends { dispose(): void }>(ctx: GpuContext, estimate: MemoryEstimate, what: string, allocate: () => Promise<T>): Promise<T> {
  ctx.device.pushErrorScope('out-of-memory');
  let result: T | undefined;
  try {
    result = await allocate();
  } finally {
    const error = await ctx.device.popErrorScope();
    if (error) {
      result?.dispose();
      throw new TrainingMemoryError(
        `The GPU ran out of memory while allocating ${what} (estimated need: ${describeEstimate(estimate)}): ${error.message}. ` +
          'Use a smaller model or batch, or close other GPU work.',
        estimate,
      );
    }
  }
  return result;
}
