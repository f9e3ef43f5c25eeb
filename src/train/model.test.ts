/**
 * The GPU training graph of a whole llama model against the double-precision reference model.
 * - Gradient check: GPU gradients of every tensor vs central finite differences (h = 1e-5) of the
 *   reference loss, normwise relative error ≤ 1e-4 per tensor (f32 GPU arithmetic vs f64 differences; about 1e-6 measured).
 * - Same weights: GPU loss within 1e-5 relative of the reference, gradients within
 *   atol 1e-5·max|ref| + rtol 1e-3 elementwise.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_TUNINGS, testGpu, withTuning } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { assertClose } from '../kernels/compare.ts';
import { assertGradientClose, numericalGradient } from '../kernels/reference/gradient-check.ts';
import { clipFactorRef, globalNormRef } from '../kernels/reference/optimizer.ts';
import { BatchError, syntheticBatch, type TrainBatch } from './batch.ts';
import { ConfigError, MODEL_PRESETS, type LlamaConfig } from './config.ts';
import { TrainingMemoryError } from './memory.ts';
import { DEFAULT_ADAMW, TrainModel } from './model.ts';
import { tensorsFromArena } from './parameters.ts';
import { referenceBackward, referenceForward, referenceLossAndGradients, type ParameterMap } from './reference-model.ts';
import { MICRO_CONFIG, microParameters } from './test-fixtures.ts';

let ctx: GpuContext;
let model: TrainModel | undefined;
beforeAll(async () => {
  ctx = await testGpu();
});
afterEach(() => {
  model?.dispose();
  model = undefined;
});

/** Writes f32-rounded weights to the GPU and returns the same values in double precision. */
function loadWeights(target: TrainModel, params: ParameterMap): ParameterMap {
  const arena = new Float32Array(target.layout.totalElements);
  for (const tensor of target.layout.tensors) arena.set(params.get(tensor.name)!, tensor.offset);
  target.writeArena('parameters', arena);
  return tensorsFromArena(target.layout, arena);
}

async function gpuLossAndGradients(target: TrainModel, batch: TrainBatch): Promise<{ loss: number; gradients: Map<string, Float32Array> }> {
  target.zeroGradients();
  target.uploadBatch(batch);
  target.forward();
  target.backward();
  const { loss } = await target.readLoss();
  const gradients = new Map<string, Float32Array>();
  for (const tensor of target.layout.tensors) gradients.set(tensor.name, await target.readTensor(tensor.name, 'gradients'));
  return { loss, gradients };
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

function expectGradientsMatch(gpu: Map<string, Float32Array>, ref: ParameterMap, label: string): void {
  for (const [name, values] of ref) {
    assertClose(`${label} ${name} gradient`, gpu.get(name)!, values, { atol: 1e-5 * maxAbs(values), rtol: 1e-3 });
  }
}

const SMALL_CONFIG: LlamaConfig = { ...MICRO_CONFIG, vocabSize: 37, embeddingLength: 24, headCount: 4, headCountKv: 2, feedForwardLength: 40, contextLength: 64 };

describe('GPU llama training graph', () => {
  it('gradients match finite differences of the reference', async () => {
    const config = MICRO_CONFIG;
    const batch = syntheticBatch(config, 2, 5, 3, 3);
    model = await TrainModel.create(ctx, config, { batchSize: 2, seqLen: 5 });
    const params = loadWeights(model, microParameters(config, 4));
    const gpu = await gpuLossAndGradients(model, batch);
    for (const [name, values] of params) {
      const numeric = numericalGradient(() => referenceForward(config, params, batch).loss, values);
      assertGradientClose(name, gpu.gradients.get(name)!, numeric, 1e-4);
    }
  });

  for (const variant of [
    { name: 'tied output, normal RoPE', config: SMALL_CONFIG },
    { name: 'separate output, NeoX RoPE, no GQA', config: { ...SMALL_CONFIG, tiedOutput: false, ropeStyle: 'neox' as const, headCountKv: 4 } },
    // Head dimension 8 and widths that are multiples of 4 take every vec4 kernel.
    { name: 'vec4 widths', config: { ...SMALL_CONFIG, embeddingLength: 32, feedForwardLength: 44 } },
  ]) {
    for (const tuning of KERNEL_TUNINGS) {
      it(`reference loss and gradients: ${variant.name}, ${tuning} kernels`, async () => {
        const config = variant.config;
        const batch = syntheticBatch(config, 3, 21, 5, 9);
        await withTuning(ctx, tuning, async () => {
          model = await TrainModel.create(ctx, config, { batchSize: 3, seqLen: 21, seed: 6 });
          const params = tensorsFromArena(model.layout, await model.readArena('parameters'));
          const gpu = await gpuLossAndGradients(model, batch);
          const ref = referenceLossAndGradients(config, params, batch);
          expect(Math.abs(gpu.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
          expectGradientsMatch(gpu.gradients, ref.gradients, `${variant.name}, ${tuning}`);
        });
      });
    }
  }

  it('learns the readback latency', async () => {
    const config = SMALL_CONFIG;
    const batch = syntheticBatch(config, 2, 16, 7, 9);
    model = await TrainModel.create(ctx, config, { batchSize: 2, seqLen: 16 });
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      model.zeroGradients();
      model.uploadBatch(batch);
      model.forward();
      model.backward();
      model.optimizerStep(DEFAULT_ADAMW, step + 1);
      losses.push((await model.readLoss()).loss);
    }
    // The first read (shader compilation) is no sample; later ones set a positive estimate.
    expect(model.readbackEstimateMs(['forward', 'backward', 'optimizer'])).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[3]).toBeLessThan(losses[0]);
  });

  it('times reads from the last readback', async () => {
    const config = SMALL_CONFIG;
    const batch = syntheticBatch(config, 2, 16, 7, 9);
    model = await TrainModel.create(ctx, config, { batchSize: 2, seqLen: 16 });
    // The Trainer's order: the loss is read before the update, whose gradient norm is read after it.
    for (let step = 0; step < 4; step++) {
      model.zeroGradients();
      model.uploadBatch(batch);
      model.forward();
      model.backward();
      await model.readLoss();
      model.optimizerStep(DEFAULT_ADAMW, step + 1);
      await model.readGradientNorm();
    }
    expect(model.readbackEstimateMs(['forward', 'backward'])).toBeGreaterThan(0);
    expect(model.readbackEstimateMs(['optimizer', 'forward', 'backward'])).toBe(0);
  });

  it("keeps its graph's attention blocks", async () => {
    // Built for GPUs (64-row attention blocks), then used while the context is set to software (8 rows):
    // packed examples over more than 64 positions need the graph's own segment table.
    const config = { ...SMALL_CONFIG, embeddingLength: 32, contextLength: 160 };
    const batch = syntheticBatch(config, 2, 150, 8, 40);
    const built = await withTuning(ctx, 'hardware', () => TrainModel.create(ctx, config, { batchSize: 2, seqLen: 150, seed: 6 }));
    model = built;
    await withTuning(ctx, 'software', async () => {
      const params = tensorsFromArena(built.layout, await built.readArena('parameters'));
      const gpu = await gpuLossAndGradients(built, batch);
      const ref = referenceLossAndGradients(config, params, batch);
      expect(Math.abs(gpu.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
      expectGradientsMatch(gpu.gradients, ref.gradients, 'hardware graph, software context');
    });
  });

  it('runs the output head in row chunks', async () => {
    const config = SMALL_CONFIG;
    const batch = syntheticBatch(config, 2, 64, 7, 20);
    // 64 rows × 37 logits per chunk: 128 tokens take two chunks.
    model = await TrainModel.create(ctx, config, { batchSize: 2, seqLen: 64, maxLogitsBytes: 64 * 37 * 4 });
    expect(model.logitsChunkRows).toBe(64);
    const params = tensorsFromArena(model.layout, await model.readArena('parameters'));
    const gpu = await gpuLossAndGradients(model, batch);
    const ref = referenceLossAndGradients(config, params, batch);
    expect(Math.abs(gpu.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
    expectGradientsMatch(gpu.gradients, ref.gradients, 'chunked head');
  });

  it('accumulates gradients over micro-batches', async () => {
    const config = SMALL_CONFIG;
    const first = syntheticBatch(config, 2, 10, 8, 6);
    const second = syntheticBatch(config, 2, 10, 9, 6);
    model = await TrainModel.create(ctx, config, { batchSize: 2, seqLen: 10 });
    const params = tensorsFromArena(model.layout, await model.readArena('parameters'));
    const total = [first, second].reduce((sum, b) => sum + Array.from(b.lossMask).reduce((a, w) => a + w, 0), 0);
    model.zeroGradients();
    for (const batch of [first, second]) {
      model.uploadBatch(batch, { gradScale: 1 / total });
      model.forward();
      model.backward();
    }
    const expected = new Map<string, Float64Array>();
    for (const batch of [first, second]) {
      const grads = referenceBackward(config, params, batch, referenceForward(config, params, batch), 1 / total);
      for (const [name, values] of grads) expected.set(name, expected.has(name) ? expected.get(name)!.map((v, i) => v + values[i]) : values);
    }
    const gpu = new Map<string, Float32Array>();
    for (const tensor of model.layout.tensors) gpu.set(tensor.name, await model.readTensor(tensor.name, 'gradients'));
    expectGradientsMatch(gpu, expected, 'accumulated');
  });

  it('repeats a training run bit for bit', async () => {
    const config = SMALL_CONFIG;
    const batch = syntheticBatch(config, 2, 12, 10, 5);
    const run = async () => {
      const trainer = await TrainModel.create(ctx, config, { batchSize: 2, seqLen: 12, seed: 3 });
      const losses: number[] = [];
      for (let step = 1; step <= 3; step++) losses.push((await trainer.trainStep(batch, { ...DEFAULT_ADAMW, learningRate: 1e-2 }, step)).loss);
      const weights = await trainer.readArena('parameters');
      trainer.dispose();
      return { losses, weights };
    };
    const a = await run();
    const b = await run();
    expect(b.losses).toEqual(a.losses);
    expect(Buffer.from(b.weights.buffer).equals(Buffer.from(a.weights.buffer))).toBe(true);
  });

  it('resumes from saved arenas with the same losses', async () => {
    const config = SMALL_CONFIG;
    const batches = [1, 2, 3, 4].map((seed) => syntheticBatch(config, 2, 12, seed, 6));
    const settings = { ...DEFAULT_ADAMW, learningRate: 1e-2 };
    const arenas = ['parameters', 'firstMoment', 'secondMoment'] as const;
    model = await TrainModel.create(ctx, config, { batchSize: 2, seqLen: 12, seed: 5 });
    for (let step = 1; step <= 2; step++) await model.trainStep(batches[step - 1], settings, step);
    const saved = await Promise.all(arenas.map((arena) => model!.readArena(arena)));
    const uninterrupted: number[] = [];
    for (let step = 3; step <= 4; step++) uninterrupted.push((await model.trainStep(batches[step - 1], settings, step)).loss);

    const resumed = await TrainModel.create(ctx, config, { batchSize: 2, seqLen: 12, seed: 99 });
    try {
      arenas.forEach((arena, i) => resumed.writeArena(arena, saved[i]));
      const losses: number[] = [];
      for (let step = 3; step <= 4; step++) losses.push((await resumed.trainStep(batches[step - 1], settings, step)).loss);
      expect(losses).toEqual(uninterrupted);
    } finally {
      resumed.dispose();
    }
  });

  it('reports the global gradient norm and its clip factor', async () => {
    const config = SMALL_CONFIG;
    const batch = syntheticBatch(config, 2, 10, 12, 5);
    model = await TrainModel.create(ctx, config, { batchSize: 2, seqLen: 10 });
    const params = tensorsFromArena(model.layout, await model.readArena('parameters'));
    await model.trainStep(batch, { ...DEFAULT_ADAMW, maxGradNorm: 0.05 }, 1);
    const expected = globalNormRef([...referenceLossAndGradients(config, params, batch).gradients.values()]);
    const reported = await model.readGradientNorm();
    expect(Math.abs(reported.norm - expected) / expected).toBeLessThan(1e-4);
    expect(Math.abs(reported.clip - clipFactorRef(expected, 0.05))).toBeLessThan(1e-6);
    expect(reported.finite).toBe(true);
  });

  it('evaluates without touching dlogits or gradients', async () => {
    const config = SMALL_CONFIG;
    const batch = syntheticBatch(config, 1, 8, 11, 8);
    model = await TrainModel.create(ctx, config, { batchSize: 1, seqLen: 8 });
    model.zeroGradients();
    model.uploadBatch(batch);
    model.forward({ gradient: false });
    const params = tensorsFromArena(model.layout, await model.readArena('parameters'));
    expect(Math.abs((await model.readLoss()).loss - referenceForward(config, params, batch).loss)).toBeLessThan(1e-5);
    expect(() => model!.backward()).toThrow(/needs a forward\(\) with gradient/);
    expect(maxAbs(await model.readArena('gradients'))).toBe(0);
  });
});

describe('TrainModel checks', () => {
  it('rejects a model too large before allocating', async () => {
    const before = ctx.ownedBufferCount;
    const huge: LlamaConfig = { ...MODEL_PRESETS.small, vocabSize: 32000, embeddingLength: 2048, headCount: 16, headCountKv: 16, feedForwardLength: 5632, blockCount: 22 };
    const attempt = TrainModel.create(ctx, huge, { batchSize: 4, seqLen: 256 });
    await expect(attempt).rejects.toThrow(TrainingMemoryError);
    await expect(attempt).rejects.toThrow(/needs .* MiB .* (budget|maxStorageBufferBindingSize|maxBufferSize)/);
    expect(ctx.ownedBufferCount).toBe(before);
  });

  it('rejects an invalid config naming the field', async () => {
    const attempt = TrainModel.create(ctx, { ...MICRO_CONFIG, headCountKv: 3 }, { batchSize: 1, seqLen: 4 });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/headCountKv/);
  });

  it('rejects a batch with an out-of-range token', async () => {
    model = await TrainModel.create(ctx, MICRO_CONFIG, { batchSize: 1, seqLen: 4 });
    const batch = syntheticBatch(MICRO_CONFIG, 1, 4, 1);
    const tokens = Uint32Array.from(batch.tokens);
    tokens[2] = MICRO_CONFIG.vocabSize;
    expect(() => model!.uploadBatch({ ...batch, tokens })).toThrow(BatchError);
    expect(() => model!.uploadBatch({ ...batch, tokens })).toThrow(/"tokens" at index 2 is 11/);
  });

  it('rejects a batch of another shape', async () => {
    model = await TrainModel.create(ctx, MICRO_CONFIG, { batchSize: 1, seqLen: 4 });
    expect(() => model!.uploadBatch(syntheticBatch(MICRO_CONFIG, 2, 4, 1))).toThrow(/call setBatchShape/);
  });
});
