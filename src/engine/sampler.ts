/**
 * Choosing each row's next token after a forward step. A StepSampler returns the commands to add
 * to the step's submission (sampling kernels, a readback) and turns the bytes read back into token ids.
 *
 * - GpuSampler runs the sampling kernel (src/kernels/sample.ts) on the logits rows and reads back
 *   one u32 per row. Its draws depend on the seed, a stream number hashed from the request id and
 *   the token's position, never on the batch slot, so a sequence samples the same tokens alone or
 *   in any batch.
 * - LogitsSampler reads the rows' logits back and samples on the CPU with the reference Sampler,
 *   one per sequence, so its sequences match the reference engine's for the same seed.
 */
import type { GpuContext } from '../gpu/context.ts';
import { splitWorkgroups } from '../gpu/dispatch.ts';
import { releaseCall, type KernelCall } from '../kernels/common.ts';
import { packSampleSettings, prepareSample, SAMPLE_SETTINGS_BYTES, type SampleSettings } from '../kernels/sample.ts';
import { Sampler, type SamplingOptions } from '../model/reference/sampling.ts';
import { Readback, type ReadbackRequest, type StepCommand } from './commands.ts';
import type { GpuModel } from './model.ts';

/** One row of a step: which sequence picks its token, and the position that token will take. */
export interface SampledRow {
  sequence: number;
  position: number;
}

export interface StepSampler {
  /** Registers sequence `id` with its settings before its first token; `stream` is streamOf(request id). */
  start(id: number, options: SamplingOptions, stream: number): void;
  /** Forgets a finished sequence. */
  end(id: number): void;
  /** Commands to append to a step whose logits rows 0 … rows.length − 1 belong to `rows`, and its readback. */
  prepare(rows: readonly SampledRow[]): { tail: StepCommand[]; readback: ReadbackRequest };
  /** Reads the step's result and returns one token id per row. */
  finish(rows: readonly SampledRow[]): Promise<number[]>;
  release(): void;
}

export class LogitsSampler implements StepSampler {
  private readonly samplers = new Map<number, Sampler>();

  constructor(private readonly model: GpuModel) {}

  start(id: number, options: SamplingOptions): void {
    this.samplers.set(id, new Sampler(options));
  }

  end(id: number): void {
    this.samplers.delete(id);
  }

  prepare(rows: readonly SampledRow[]): { tail: StepCommand[]; readback: ReadbackRequest } {
    return { tail: [], readback: { source: this.model.logitsBuffer, bytes: rows.length * this.model.vocabSize * 4, into: this.model.readback } };
  }

  async finish(rows: readonly SampledRow[]): Promise<number[]> {
    const vocab = this.model.vocabSize;
    const logits = new Float32Array(await this.model.readback.read(rows.length * vocab * 4));
    return rows.map((row, r) => {
      const sampler = this.samplers.get(row.sequence);
      if (!sampler) throw new Error(`sequence ${row.sequence} has no sampler; call start() first`);
      return sampler.sample(logits.subarray(r * vocab, (r + 1) * vocab));
    });
  }

  release(): void {
    this.samplers.clear();
  }
}

/** FNV-1a hash of a request id: the sampling stream of its sequence. */
export function streamOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export class GpuSampler implements StepSampler {
  private readonly sequences = new Map<number, Omit<SampleSettings, 'step'>>();

  private constructor(
    private readonly ctx: GpuContext,
    private readonly call: KernelCall,
    private readonly settingsBuffer: GPUBuffer,
    private readonly idsBuffer: GPUBuffer,
    private readonly readback: Readback,
    private readonly rows: number,
  ) {}

  /** Prepares the sampling kernel over the model's logits rows (once per model and batch size). */
  static async create(model: GpuModel): Promise<GpuSampler> {
    const ctx = model.ctx;
    const rows = model.batch;
    const settings = ctx.createStorage(rows * SAMPLE_SETTINGS_BYTES, 'sampling settings');
    const ids = ctx.createStorage(rows * 4, 'sampled ids');
    try {
      const call = await prepareSample(ctx, { logits: model.logitsBuffer, settings, ids, rows, vocab: model.vocabSize });
      return new GpuSampler(ctx, call, settings, ids, new Readback(ctx, rows * 4, 'sampled ids readback'), rows);
    } catch (error) {
      ctx.release(settings);
      ctx.release(ids);
      throw error;
    }
  }

  /** Registers a sequence; `stream` separates sequences that share a seed (see streamOf). */
  start(id: number, options: SamplingOptions, stream = id): void {
    this.sequences.set(id, { temperature: options.temperature, topK: options.topK, topP: options.topP, seed: options.seed >>> 0, stream: stream >>> 0 });
  }

  end(id: number): void {
    this.sequences.delete(id);
  }

  prepare(rows: readonly SampledRow[]): { tail: StepCommand[]; readback: ReadbackRequest } {
    if (rows.length < 1 || rows.length > this.rows) throw new RangeError(`the sampler takes 1…${this.rows} rows, got ${rows.length}`);
    const settings = rows.map((row) => {
      const sequence = this.sequences.get(row.sequence);
      if (!sequence) throw new Error(`sequence ${row.sequence} has no sampling settings; call start() first`);
      return { ...sequence, step: row.position };
    });
    this.ctx.write(this.settingsBuffer, new Uint8Array(packSampleSettings(settings)));
    this.call.grid = splitWorkgroups(rows.length, this.ctx.limits.maxComputeWorkgroupsPerDimension);
    return { tail: [this.call], readback: { source: this.idsBuffer, bytes: rows.length * 4, into: this.readback } };
  }

  async finish(rows: readonly SampledRow[]): Promise<number[]> {
    return Array.from(new Uint32Array(await this.readback.read(rows.length * 4)));
  }

  release(): void {
    releaseCall(this.ctx, this.call);
    this.readback.release();
    this.ctx.release(this.settingsBuffer);
    this.ctx.release(this.idsBuffer);
    this.sequences.clear();
  }
}
