/**
 * The training loop on the GPU with toy data: gradient accumulation, resuming from checkpoints,
 * pausing, curriculum stages, a NaN stop, memory refusal and the held-out loss.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { CheckpointManager } from './checkpoint.ts';
import { folderStorage } from './checkpoint-node.ts';
import { TrainingMemoryError } from './memory.ts';
import { buildByteTokenizer, type TrainingTokenizer } from './tokenizer.ts';
import { trainModel, type TrainResult } from './train-model.ts';
import { NonFiniteLossError, type TrainingData } from './trainer.ts';
import { additionRecords, toyData, toyTrainingConfig } from './training-fixtures.ts';

let ctx: GpuContext;
let tokenizer: TrainingTokenizer;
let data: TrainingData;
beforeAll(async () => {
  ctx = await testGpu();
  tokenizer = await buildByteTokenizer();
  data = toyData(tokenizer, [{ name: 'mixed', records: additionRecords(24, 1) }], additionRecords(6, 2));
});

const checkpointDir = () => new CheckpointManager(folderStorage(mkdtempSync(join(tmpdir(), 'mwb-train-'))));
const losses = (result: TrainResult) => result.curve.train.map((p) => p.loss);

describe('training loop', () => {
  it('accumulates micro-batches into the same update as one batch', async () => {
    const whole = await trainModel(ctx, toyTrainingConfig(tokenizer.vocabSize, { microBatch: 8 }), data);
    const split = await trainModel(ctx, toyTrainingConfig(tokenizer.vocabSize, { microBatch: 1 }), data);
    expect(whole.steps).toBe(3);
    expect(split.curve.train.map((p) => p.lossTokens)).toEqual(whole.curve.train.map((p) => p.lossTokens));
    for (let i = 0; i < whole.steps; i++) expect(Math.abs(losses(split)[i] - losses(whole)[i])).toBeLessThan(1e-4);
    expect(Math.abs(split.curve.train[0].gradNorm - whole.curve.train[0].gradNorm) / whole.curve.train[0].gradNorm).toBeLessThan(1e-4);
  });

  it('resumes after an interruption with the same loss curve', async () => {
    const config = toyTrainingConfig(tokenizer.vocabSize, { epochs: 3, checkpointEvery: 2, evalEvery: 3 });
    const uninterrupted = await trainModel(ctx, config, data);
    expect(uninterrupted.steps).toBe(9);

    const checkpoints = checkpointDir();
    const crash = new Error('tab closed');
    const interrupted = trainModel(ctx, config, data, { onStep: (p) => { if (p.step === 5) throw crash; } }, undefined, { checkpoints });
    await expect(interrupted).rejects.toBe(crash);
    expect((await checkpoints.latest())?.step).toBe(4);

    let resumedFrom = -1;
    const resumed = await trainModel(ctx, config, data, { onStart: (info) => void (resumedFrom = info.resumedFrom?.step ?? 0) }, undefined, { checkpoints: new CheckpointManager(checkpoints.storage) });
    expect(resumedFrom).toBe(4);
    expect(resumed.status).toBe('completed');
    expect(resumed.curve.train.map((p) => p.step)).toEqual(uninterrupted.curve.train.map((p) => p.step));
    for (let i = 0; i < 9; i++) expect(Math.abs(losses(resumed)[i] - losses(uninterrupted)[i])).toBeLessThan(1e-6);
    expect(resumed.curve.heldOut.map((p) => p.step)).toEqual([3, 6, 9]);
    expect(Math.abs(resumed.finalHeldOutLoss! - uninterrupted.finalHeldOutLoss!)).toBeLessThan(1e-6);
    expect(Array.from(resumed.model.parameters.subarray(0, 64))).toEqual(Array.from(uninterrupted.model.parameters.subarray(0, 64)));
  });

  it('pauses with a checkpoint and continues from it', async () => {
    const config = toyTrainingConfig(tokenizer.vocabSize, { epochs: 2 });
    const checkpoints = checkpointDir();
    const controller = new AbortController();
    const paused = await trainModel(ctx, config, data, { onStep: (p) => { if (p.step === 2) controller.abort(); } }, controller.signal, { checkpoints });
    expect(paused.status).toBe('paused');
    expect(paused.steps).toBe(2);
    expect(paused.lastCheckpoint?.step).toBe(2);
    const finished = await trainModel(ctx, config, data, {}, undefined, { checkpoints });
    expect(finished.status).toBe('completed');
    expect(finished.steps).toBe(6);
    expect(finished.curve.train).toHaveLength(6);
  });

  it('refuses a checkpoint of other data', async () => {
    const config = toyTrainingConfig(tokenizer.vocabSize);
    const checkpoints = checkpointDir();
    await trainModel(ctx, config, data, {}, undefined, { checkpoints });
    const other = toyData(tokenizer, [{ name: 'mixed', records: additionRecords(24, 9) }], additionRecords(6, 2));
    await expect(trainModel(ctx, config, other, {}, undefined, { checkpoints })).rejects.toThrow(/saved by a run with other data or settings/);
  });

  it('runs curriculum stages with their own warm-up and epochs', async () => {
    const stages = toyData(tokenizer, [{ name: 'normal', records: additionRecords(16, 3, 10) }, { name: 'hard', records: additionRecords(8, 4, 100) }], []);
    const config = toyTrainingConfig(tokenizer.vocabSize, { epochs: 2, warmupRatio: 0.5, schedule: 'constant' });
    let planned = 0;
    const result = await trainModel(ctx, config, stages, { onStart: (info) => void (planned = info.totalSteps) });
    expect(planned).toBe(6);
    expect(result.curve.train.map((p) => p.stage)).toEqual([0, 0, 0, 0, 1, 1]);
    // Stage 1: 4 steps, 2 warm-up (lr/2, lr); stage 2: 2 steps, 1 warm-up.
    const lr = config.optimizer.learningRate;
    expect(result.curve.train.map((p) => p.learningRate)).toEqual([lr / 2, lr, lr, lr, lr, lr]);
    expect(result.curve.train.map((p) => p.epoch)).toEqual([0.5, 1, 1.5, 2, 1, 2]);
    expect(result.finalHeldOutLoss).toBeNull();
  });

  it('stops on a NaN loss naming the step and the last good checkpoint', async () => {
    const config = toyTrainingConfig(tokenizer.vocabSize, { epochs: 2, checkpointEvery: 2 });
    const checkpoints = checkpointDir();
    let poison: (() => void) | undefined;
    const run = trainModel(
      ctx,
      config,
      data,
      {
        onStart: ({ model }) => void (poison = () => model.writeTensor('output_norm.weight', new Float32Array(32).fill(Number.NaN))),
        onStep: (p) => p.step === 3 && poison?.(),
      },
      undefined,
      { checkpoints },
    );
    const error = await run.catch((e) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect(error.step).toBe(4);
    expect(error.lastCheckpoint.step).toBe(2);
    expect(error.message).toMatch(/^Training stopped at step 4: the loss is NaN\. The last good checkpoint is step 2 \(.*step-000000002\.ckpt\)/);
  });

  it('refuses a model too large for the memory budget before allocating', async () => {
    const before = ctx.ownedBufferCount;
    const config = toyTrainingConfig(tokenizer.vocabSize, { memoryBudget: 1 << 20, model: { ...toyTrainingConfig(tokenizer.vocabSize).model, embeddingLength: 256, feedForwardLength: 1024 } });
    await expect(trainModel(ctx, config, data)).rejects.toThrow(TrainingMemoryError);
    expect(ctx.ownedBufferCount).toBe(before);
  });

  it('lowers the held-out loss while training', async () => {
    const optimizer = { ...toyTrainingConfig(tokenizer.vocabSize).optimizer, learningRate: 1e-2 };
    const config = toyTrainingConfig(tokenizer.vocabSize, { epochs: 8, evalEvery: 12, optimizer });
    const result = await trainModel(ctx, config, data);
    const heldOut = result.curve.heldOut.map((p) => p.loss);
    expect(heldOut).toHaveLength(2);
    expect(heldOut[1]).toBeLessThan(heldOut[0]);
    expect(result.curve.train[result.steps - 1].loss).toBeLessThan(result.curve.train[0].loss * 0.6);
  });
});
