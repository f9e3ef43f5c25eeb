/**
 * A GGUF model loaded on the GPU: its weights, a KV cache of `batch` slots of `contextLength`
 * positions, and the prepared prefill and decode plans. It runs forward steps and leaves logits on
 * the GPU; sampling and the generation loop are built on top (sampler.ts, batch.ts).
 */
import type { GpuContext } from '../gpu/context.ts';
import { GpuLimitError } from '../gpu/errors.ts';
import { maxWeightBindingBytes } from '../kernels/quant/weights.ts';
import { readModelConfig, type ModelConfig } from '../model/config.ts';
import type { GgufFile } from '../model/gguf/file.ts';
import { kvDTypeFor, type KvDType } from './attention/kernels.ts';
import { Readback, submitStep, waitForQueue, type ReadbackRequest, type StepCommand } from './commands.ts';
import { formatBytes, GenerationAbortedError, ModelTooLargeError } from './errors.ts';
import { describeEstimate, estimateMemory, planTensors, type MemoryBudget, type MemoryEstimate, type TensorUpload } from './memory.ts';
import {
  buildPlan,
  createKvCache,
  createWorkspace,
  releaseKvCache,
  releasePlan,
  releaseWorkspace,
  setLiveRows,
  setPrefillChunk,
  type ForwardPlan,
  type KvCache,
  type Workspace,
} from './plan.ts';
import { checkRopeScaling } from './rope-table.ts';
import { GpuSampler } from './sampler.ts';
import { loadWeights, releaseWeights, type LoadProgress, type ModelWeights } from './weights.ts';

/** Context length used when the caller asks for none (or the model's, when shorter). */
export const DEFAULT_CONTEXT_LENGTH = 4096;
/** Prompt tokens per prefill step when the caller does not choose. */
export const DEFAULT_PREFILL_CHUNK = 256;

export interface LoadModelOptions {
  /** KV-cache positions per sequence; above the model's context length it is clamped with a warning. */
  contextLength?: number;
  /** Sequences decoded together (default 1). */
  batch?: number;
  /** Prompt tokens per prefill step (default 256, at most the context length). */
  prefillChunk?: number;
  /** KV-cache element type; default f16 where the device has shader-f16, else f32. */
  kvDType?: KvDType;
  /** GPU memory available to the model; without it only the device's per-buffer limits are checked before allocating. */
  memoryBudget?: MemoryBudget | null;
  onWarning?: (message: string) => void;
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Largest buffer per weight part; default the device's binding limit. A smaller value tests splitting. */
  maxWeightBindingBytes?: number;
}

/** One sequence's next token in a decode step. */
export interface DecodeRow {
  slot: number;
  token: number;
  /** Position of `token` (the sequence's length before it). */
  position: number;
}

export class GpuModel {
  readonly warnings: string[] = [];
  private disposed = false;
  private gpuSampler: Promise<GpuSampler> | null = null;
  /** Set while a generation uses the KV-cache slots; a second one must wait for it. */
  private slotsClaimed = false;
  /** u32 scratch for host writes of ids, positions and cache rows. */
  private readonly hostRows: Uint32Array;

  private constructor(
    readonly ctx: GpuContext,
    readonly file: GgufFile,
    readonly config: ModelConfig,
    readonly contextLength: number,
    readonly batch: number,
    readonly prefillChunk: number,
    readonly kvDType: KvDType,
    readonly estimate: MemoryEstimate,
    /** Every tensor with its GPU size, in load order. */
    readonly tensors: readonly TensorUpload[],
    private readonly weights: ModelWeights,
    private readonly workspace: Workspace,
    private readonly cache: KvCache,
    private readonly prefillPlan: ForwardPlan,
    private readonly decodePlan: ForwardPlan,
    /**
     * A decode plan for one row when batch > 1: products prepared for `batch` rows keep their
     * multi-token tile for a single live row, so one sequence decodes faster with its own plan.
     */
    private readonly singleRowPlan: ForwardPlan | null,
    /** Receives logits (or sampled ids) at the end of a step. */
    readonly readback: Readback,
  ) {
    this.hostRows = new Uint32Array(2 * Math.max(batch, prefillChunk));
  }

  /**
   * Checks the model and its memory needs, then streams the weights onto the GPU and prepares the
   * plans. Raises UnsupportedModelError (tensor type, YaRN), a GgufError (architecture, missing
   * tensor), ModelTooLargeError or GpuLimitError before allocating anything.
   */
  static async load(ctx: GpuContext, file: GgufFile, options: LoadModelOptions = {}): Promise<GpuModel> {
    const config = readModelConfig(file);
    const warnings: string[] = [];
    const warn = (message: string) => {
      warnings.push(message);
      options.onWarning?.(message);
    };
    checkRopeScaling(config);

    let contextLength = options.contextLength ?? Math.min(config.contextLength, DEFAULT_CONTEXT_LENGTH);
    if (!Number.isInteger(contextLength) || contextLength < 1) throw new RangeError(`context length must be a positive integer, got ${options.contextLength}`);
    if (contextLength > config.contextLength) {
      warn(`The requested context of ${contextLength} tokens is above the model's context length of ${config.contextLength}; using ${config.contextLength}.`);
      contextLength = config.contextLength;
    }
    const batch = options.batch ?? 1;
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${options.batch}`);
    const prefillChunk = Math.min(options.prefillChunk ?? DEFAULT_PREFILL_CHUNK, contextLength);
    if (!Number.isInteger(prefillChunk) || prefillChunk < 1) throw new RangeError(`prefill chunk must be a positive integer, got ${options.prefillChunk}`);
    const kvDType = options.kvDType ?? kvDTypeFor(ctx);

    const maxBinding = maxWeightBindingBytes(ctx);
    const tensors = planTensors(file, config, Math.min(options.maxWeightBindingBytes ?? maxBinding, maxBinding));
    const shape = { contextLength, batch, prefillChunk, kvDType };
    const estimate = estimateMemory(config, tensors, shape);
    const modelName = config.name ?? file.name;
    if (options.memoryBudget && estimate.totalBytes > options.memoryBudget.bytes) {
      throw new ModelTooLargeError(modelName, estimate.totalBytes, options.memoryBudget.bytes, options.memoryBudget.source, describeEstimate(estimate));
    }
    if (estimate.kvLayerBytes > maxBinding) {
      throw new GpuLimitError(`maxStorageBufferBindingSize (for one layer's KV cache of ${batch} × ${contextLength} positions)`, estimate.kvLayerBytes, maxBinding);
    }
    if (estimate.largestWorkspaceBuffer.bytes > maxBinding) {
      throw new GpuLimitError(`maxStorageBufferBindingSize (for the ${estimate.largestWorkspaceBuffer.name} buffer)`, estimate.largestWorkspaceBuffer.bytes, maxBinding);
    }

    // Allocation failures surface through an error scope; anything made so far is freed on the way out.
    ctx.device.pushErrorScope('out-of-memory');
    let weights: ModelWeights | null = null;
    let workspace: Workspace | null = null;
    let cache: KvCache | null = null;
    const plans: ForwardPlan[] = [];
    let readback: Readback | null = null;
    let scopeOpen = true;
    try {
      weights = await loadWeights(ctx, file, config, tensors, { onProgress: options.onProgress, signal: options.signal });
      workspace = createWorkspace(ctx, config, shape);
      cache = createKvCache(ctx, config, shape);
      plans.push(await buildPlan(ctx, 'prefill', config, weights, workspace, cache, prefillChunk));
      plans.push(await buildPlan(ctx, 'decode', config, weights, workspace, cache, batch));
      if (batch > 1) plans.push(await buildPlan(ctx, 'decode', config, weights, workspace, cache, 1));
      readback = new Readback(ctx, Math.max(1, batch) * config.vocabSize * 4, 'logits readback');
      scopeOpen = false;
      const error = await ctx.device.popErrorScope();
      if (error) {
        throw new ModelTooLargeError(modelName, estimate.totalBytes, null, `the device ran out of memory while allocating: ${error.message}`, describeEstimate(estimate));
      }
      if (ctx.lostError) throw ctx.lostError;
    } catch (error) {
      if (scopeOpen) await ctx.device.popErrorScope().catch(() => null);
      for (const plan of plans) releasePlan(ctx, plan);
      readback?.release();
      if (cache) releaseKvCache(ctx, cache);
      if (workspace) releaseWorkspace(ctx, workspace);
      if (weights) releaseWeights(ctx, weights);
      throw error;
    }
    const model = new GpuModel(ctx, file, config, contextLength, batch, prefillChunk, kvDType, estimate, tensors, weights, workspace, cache, plans[0], plans[1], plans[2] ?? null, readback);
    model.warnings.push(...warnings);
    return model;
  }

  get name(): string {
    return this.config.name ?? this.file.name;
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** The logits buffer: f32 [batch, vocab]; a prefill writes row 0, a decode step rows 0 … rows − 1. */
  get logitsBuffer(): GPUBuffer {
    return this.workspace.logits;
  }

  /** Token ids of the current step, which a GPU sampler may read. */
  get idsBuffer(): GPUBuffer {
    return this.workspace.ids;
  }

  /** Pipelines and bind groups of the plans are fixed; these counters let tests check that steps add none. */
  get pipelinesCompiled(): number {
    return this.ctx.pipelines.compiled;
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error(`The GPU model ${this.name} was unloaded; load it again.`);
    if (this.ctx.lostError) throw this.ctx.lostError;
  }

  private checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.batch) throw new RangeError(`slot ${slot} is outside 0…${this.batch - 1}`);
  }

  private checkToken(token: number): void {
    if (!Number.isInteger(token) || token < 0 || token >= this.config.vocabSize) throw new RangeError(`token id ${token} is outside the vocabulary of ${this.config.vocabSize} tokens`);
  }

  private writeRows(buffer: GPUBuffer, count: number, value: (row: number) => number): void {
    const words = this.hostRows.subarray(0, count);
    for (let r = 0; r < count; r++) words[r] = value(r);
    this.ctx.write(buffer, words);
  }

  /**
   * Runs `tokens` through the model at positions start … start + n − 1 of `slot`, in chunks of
   * prefillChunk tokens, and leaves the logits after the last token in logits row 0. `tail`
   * commands (a sampler) and a readback are added to the last chunk's submission.
   */
  async prefill(slot: number, tokens: readonly number[], start: number, tail: StepCommand[] = [], readback?: ReadbackRequest, signal?: AbortSignal): Promise<void> {
    this.checkUsable();
    this.checkSlot(slot);
    if (tokens.length === 0) throw new RangeError('prefill needs at least one token');
    if (!Number.isInteger(start) || start < 0 || start + tokens.length > this.contextLength) {
      throw new RangeError(`${tokens.length} tokens from position ${start} do not fit the context of ${this.contextLength} tokens`);
    }
    tokens.forEach((token) => this.checkToken(token));
    const { workspace: ws, prefillPlan: plan, cache } = this;
    for (let offset = 0; offset < tokens.length; offset += this.prefillChunk) {
      if (signal?.aborted) throw new GenerationAbortedError(signal.reason);
      const count = Math.min(this.prefillChunk, tokens.length - offset);
      const position = start + offset;
      this.writeRows(ws.ids, count, (t) => tokens[offset + t]);
      this.writeRows(ws.positions, count, (t) => position + t);
      this.writeRows(ws.cacheRows, count, (t) => slot * cache.maxLen + position + t);
      setPrefillChunk(this.ctx, plan, { tokens: count, start: position, slot }, this.config.embeddingLength);
      const last = offset + count >= tokens.length;
      submitStep(this.ctx, last ? [...plan.commands, ...tail] : plan.commands, last ? readback : undefined, 'prefill');
      // Waiting per chunk keeps a long prompt from queueing all of its work at once and lets an abort stop it.
      if (!last) await waitForQueue(this.ctx);
    }
  }

  /** Runs one decode step for `rows` (one token per sequence); logits row r belongs to rows[r]. */
  decode(rows: readonly DecodeRow[], tail: StepCommand[] = [], readback?: ReadbackRequest): void {
    this.checkUsable();
    if (rows.length < 1 || rows.length > this.batch) throw new RangeError(`a decode step takes 1…${this.batch} rows, got ${rows.length}`);
    const seen = new Set<number>();
    for (const row of rows) {
      this.checkSlot(row.slot);
      this.checkToken(row.token);
      if (seen.has(row.slot)) throw new RangeError(`slot ${row.slot} appears twice in one decode step`);
      seen.add(row.slot);
      if (!Number.isInteger(row.position) || row.position < 0 || row.position >= this.contextLength) {
        throw new RangeError(`position ${row.position} of slot ${row.slot} is outside the context of ${this.contextLength} tokens`);
      }
    }
    const { workspace: ws, cache } = this;
    const plan = rows.length === 1 && this.singleRowPlan ? this.singleRowPlan : this.decodePlan;
    this.writeRows(ws.ids, rows.length, (r) => rows[r].token);
    this.writeRows(ws.positions, rows.length, (r) => rows[r].position);
    this.writeRows(ws.cacheRows, rows.length, (r) => rows[r].slot * cache.maxLen + rows[r].position);
    this.writeRows(ws.decodeRows, 2 * rows.length, (i) => (i % 2 === 0 ? rows[i >> 1].slot : rows[i >> 1].position + 1));
    setLiveRows(this.ctx, plan, rows.length);
    submitStep(this.ctx, [...plan.commands, ...tail], readback, 'decode');
  }

  /** Reads `rows` rows of logits back (after prefill: rows = 1). */
  async readLogits(rows: number): Promise<Float32Array> {
    const bytes = rows * this.config.vocabSize * 4;
    submitStep(this.ctx, [], { source: this.workspace.logits, bytes, into: this.readback }, 'read logits');
    return new Float32Array(await this.readback.read(bytes));
  }

  /** Prefill then read the last token's logits. */
  async prefillLogits(slot: number, tokens: readonly number[], start: number, signal?: AbortSignal): Promise<Float32Array> {
    const bytes = this.config.vocabSize * 4;
    await this.prefill(slot, tokens, start, [], { source: this.workspace.logits, bytes, into: this.readback }, signal);
    return new Float32Array(await this.readback.read(bytes));
  }

  /** Runs one decode step and reads its logits back: rows.length × vocab values. */
  async decodeLogits(rows: readonly DecodeRow[]): Promise<Float32Array> {
    const bytes = rows.length * this.config.vocabSize * 4;
    this.decode(rows, [], { source: this.workspace.logits, bytes, into: this.readback });
    return new Float32Array(await this.readback.read(bytes));
  }

  /** Returns the GPU sampler over this model's logits, prepared on first use and kept with the model. */
  sampler(): Promise<GpuSampler> {
    this.checkUsable();
    if (!this.gpuSampler) {
      this.gpuSampler = GpuSampler.create(this);
      this.gpuSampler.catch(() => (this.gpuSampler = null));
    }
    return this.gpuSampler;
  }

  /** True while a generation uses the KV-cache slots (see claimSlots). */
  get generating(): boolean {
    return this.slotsClaimed;
  }

  /**
   * Marks the KV-cache slots as in use until the returned function is called. Raises an error when
   * another generation uses them, because two would overwrite each other's sequences.
   */
  claimSlots(): () => void {
    this.checkUsable();
    if (this.slotsClaimed) throw new Error(`${this.name} is already generating; wait for it to finish or stop it first`);
    this.slotsClaimed = true;
    return () => {
      this.slotsClaimed = false;
    };
  }

  /** Frees every GPU buffer of the model. The device itself stays (it is shared). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.gpuSampler?.then((sampler) => sampler.release()).catch(() => undefined);
    releasePlan(this.ctx, this.prefillPlan);
    releasePlan(this.ctx, this.decodePlan);
    if (this.singleRowPlan) releasePlan(this.ctx, this.singleRowPlan);
    this.readback.release();
    releaseKvCache(this.ctx, this.cache);
    releaseWorkspace(this.ctx, this.workspace);
    releaseWeights(this.ctx, this.weights);
  }

  /** Describes the model, its memory and its plan sizes in one line for logs. */
  describe(): string {
    return `${this.name}: ${describeEstimate(this.estimate)} (total ${formatBytes(this.estimate.totalBytes)}), context ${this.contextLength}, batch ${this.batch}, KV ${this.kvDType}`;
  }
}
