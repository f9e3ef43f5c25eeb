/**
 * Prefill and decode speed of a loaded model, and the memory-bandwidth bound of decoding.
 *
 * Decoding reads every weight once per step (the token embedding only for the gathered rows), plus
 * each sequence's KV cache, so a step can go no faster than (bytes per step) / (memory bandwidth).
 * The bandwidth is measured on the same adapter with a large buffer copy, or given by the caller
 * (a GPU's specification), and the achieved fraction of the bound is reported.
 */
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import { KV_BYTES } from './attention/kernels.ts';
import { waitForQueue } from './commands.ts';
import type { GpuModel } from './model.ts';
import type { GpuSampler, SampledRow } from './sampler.ts';

export interface DecodeBenchOptions {
  /** Prompt tokens per sequence. */
  promptTokens: number;
  /** Decode steps timed. */
  tokens: number;
  /** Untimed decode steps before the timed ones (default 2). */
  warmupSteps?: number;
  seed?: number;
}

export interface DecodeBenchResult {
  batch: number;
  promptTokens: number;
  tokens: number;
  prefillSeconds: number;
  /** Prompt tokens of all sequences per second of prefill. */
  prefillTokensPerSecond: number;
  decodeSeconds: number;
  /** Generated tokens of all sequences per second of decoding. */
  decodeTokensPerSecond: number;
  /** Weight bytes read per decode step (every tensor except the token-embedding table, plus the rows it gathers). */
  weightBytesPerStep: number;
  /** KV-cache bytes read per decode step, averaged over the timed steps. */
  kvBytesPerStep: number;
  /** (weight + KV bytes per step) × steps per second, in GB/s (10⁹ bytes). */
  achievedGBps: number;
}

/** Weight bytes one decode step of `rows` sequences reads: all tensors, the embedding table only for its rows. */
export function weightBytesPerStep(model: GpuModel, rows: number): number {
  const { tensors } = model;
  let bytes = 0;
  for (const tensor of tensors) {
    const isEmbedding = tensor.info.name === 'token_embd.weight';
    if (isEmbedding && !model.config.tiedOutput) bytes += (tensor.gpuBytes / tensor.info.dims[1]) * rows;
    else bytes += tensor.gpuBytes;
  }
  return bytes;
}

/**
 * Prefills `batch` sequences of random prompt tokens (one slot each), then times decode steps of
 * all of them together with greedy sampling on the GPU, reading back the token ids every step as
 * generation does. End-of-sequence tokens do not stop it, so every step decodes all rows.
 */
export async function benchDecode(model: GpuModel, options: DecodeBenchOptions): Promise<DecodeBenchResult> {
  const { promptTokens, tokens } = options;
  const warmupSteps = options.warmupSteps ?? 2;
  if (promptTokens < 1 || promptTokens + warmupSteps + tokens > model.contextLength) {
    throw new RangeError(`${promptTokens} prompt tokens + ${warmupSteps + tokens} decode steps do not fit the context of ${model.contextLength}`);
  }
  const rng = new Rng(options.seed ?? 1);
  const sampler = await model.sampler();
  const releaseSlots = model.claimSlots();
  try {
    return await timeSteps(model, sampler, rng, promptTokens, tokens, warmupSteps);
  } finally {
    releaseSlots();
  }
}

async function timeSteps(model: GpuModel, sampler: GpuSampler, rng: Rng, promptTokens: number, tokens: number, warmupSteps: number): Promise<DecodeBenchResult> {
  const batch = model.batch;
  const rows: SampledRow[] = Array.from({ length: batch }, (_, slot) => ({ sequence: slot, position: promptTokens }));
  rows.forEach((row) => sampler.start(row.sequence, { temperature: 0, topK: 0, topP: 1, seed: 0 }, row.sequence));
  const next: number[] = [];

  const prefillStart = performance.now();
  for (let slot = 0; slot < batch; slot++) {
    const prompt = Array.from({ length: promptTokens }, () => rng.int(0, model.vocabSize - 1));
    const one = [rows[slot]];
    const { tail, readback } = sampler.prepare(one);
    await model.prefill(slot, prompt, 0, tail, readback);
    next.push((await sampler.finish(one))[0]);
  }
  const prefillSeconds = (performance.now() - prefillStart) / 1000;

  let position = promptTokens;
  const step = async () => {
    rows.forEach((row) => (row.position = position + 1));
    const { tail, readback } = sampler.prepare(rows);
    model.decode(
      next.map((token, slot) => ({ slot, token, position })),
      tail,
      readback,
    );
    const sampled = await sampler.finish(rows);
    sampled.forEach((token, slot) => (next[slot] = token));
    position++;
  };
  for (let i = 0; i < warmupSteps; i++) await step();
  await waitForQueue(model.ctx);

  const firstTimed = position;
  const decodeStart = performance.now();
  for (let i = 0; i < tokens; i++) await step();
  const decodeSeconds = (performance.now() - decodeStart) / 1000;
  rows.forEach((row) => sampler.end(row.sequence));

  // Step i reads the keys and values of positions 0 … firstTimed + i of every layer, for each row.
  const { layerCount, headCountKv, headDim } = model.config;
  const kvRowBytes = 2 * layerCount * headCountKv * headDim * KV_BYTES[model.kvDType];
  const meanKeys = firstTimed + (tokens + 1) / 2;
  const kvBytesPerStep = batch * meanKeys * kvRowBytes;
  const weightBytes = weightBytesPerStep(model, batch);
  const stepsPerSecond = tokens / decodeSeconds;
  return {
    batch,
    promptTokens,
    tokens,
    prefillSeconds,
    prefillTokensPerSecond: (batch * promptTokens) / prefillSeconds,
    decodeSeconds,
    decodeTokensPerSecond: batch * stepsPerSecond,
    weightBytesPerStep: weightBytes,
    kvBytesPerStep,
    achievedGBps: ((weightBytes + kvBytesPerStep) * stepsPerSecond) / 1e9,
  };
}

/**
 * Device memory bandwidth of the adapter in GB/s, from copyBufferToBuffer of a `bytes` buffer
 * (bytes read + bytes written per second), best of `repeats` after one warm-up. It is a measured
 * estimate: kernels that read with a different access pattern may see more or less.
 */
export async function measureCopyBandwidth(ctx: GpuContext, bytes = 256 << 20, repeats = 3): Promise<number> {
  const size = Math.min(bytes, ctx.limits.maxBufferSize) & ~3;
  const source = ctx.createBuffer(size, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'bandwidth source');
  const destination = ctx.createBuffer(size, GPUBufferUsage.COPY_DST, 'bandwidth destination');
  try {
    const copy = async () => {
      const encoder = ctx.device.createCommandEncoder({ label: 'bandwidth copy' });
      encoder.copyBufferToBuffer(source, 0, destination, 0, size);
      const started = performance.now();
      ctx.device.queue.submit([encoder.finish()]);
      await waitForQueue(ctx);
      return (performance.now() - started) / 1000;
    };
    await copy();
    let best = Infinity;
    for (let i = 0; i < repeats; i++) best = Math.min(best, await copy());
    return (2 * size) / best / 1e9;
  } finally {
    ctx.release(source);
    ctx.release(destination);
  }
}
