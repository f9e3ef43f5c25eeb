/**
 * The Train page's worker service in Node: a procedural shard in IndexedDB (fake-indexeddb), the real
 * GPU adapter and checkpoints in a temporary folder. A run paused after its second step and resumed
 * stores the same steps and held-out losses as a run trained straight through.
 */
import 'fake-indexeddb/auto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../../../test/gpu.ts';
import { createProceduralShard, runProceduralShard } from '../../data/store/run.ts';
import { WorkbenchDatabase } from '../../db/database.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { folderStorage } from '../../train/checkpoint-node.ts';
import { TOY_TEMPLATE } from '../../train/training-fixtures.ts';
import { DEFAULT_TRAINING, presetConfig } from '../../train/training-config.ts';
import { createTrainService, type NewTrainRun, type TrainService } from './train.ts';

let ctx: GpuContext;
let db: WorkbenchDatabase;
let service: TrainService;
let run: Omit<NewTrainRun, 'name'>;
const folder = mkdtempSync(join(tmpdir(), 'mwb-train-service-'));

beforeAll(async () => {
  ctx = await testGpu();
  db = new WorkbenchDatabase(`train-service-${Date.now()}`);
  const shard = await createProceduralShard(db, { name: 'toy', stage: 'normal', methods: ['plain'], count: 14, seed: 4, difficulty: [1, 1] });
  await runProceduralShard(db, shard.id);
  service = createTrainService({
    db: () => db,
    gpu: async () => ctx,
    checkpoints: async (runId) => folderStorage(join(folder, runId)),
    removeCheckpoints: (runId) => rm(join(folder, runId), { recursive: true, force: true }),
    withRunLock: (_runId, work) => work(true),
  });
  const config = {
    ...DEFAULT_TRAINING,
    model: presetConfig('micro', 261, 192),
    seqLen: 192,
    microBatch: 2,
    batch: 4,
    epochs: 2,
    evalEvery: 3,
    checkpointEvery: 2,
    optimizer: { ...DEFAULT_TRAINING.optimizer, learningRate: 3e-3 },
  };
  run = { preset: 'micro', config, data: { stages: [{ name: 'mixed', shards: [{ shardId: shard.id, shardName: 'toy' }] }], tokenizer: { kind: 'byte' }, overflow: 'truncate', heldOut: { count: 2 }, prompt: TOY_TEMPLATE.prompt } };
});

afterAll(async () => {
  await db?.delete();
});

async function curves(runId: string) {
  const steps = await db.trainSteps.where('runId').equals(runId).sortBy('step');
  const evals = await db.trainEvals.where('runId').equals(runId).sortBy('step');
  return { losses: steps.map((s) => s.loss), steps: steps.map((s) => s.step), heldOut: evals.map((e) => [e.step, e.loss]) };
}

describe('train worker service', () => {
  it('pauses, resumes and stores the uninterrupted curve', async () => {
    const straightId = await service.createTrainRun({ ...run, name: 'straight' });
    expect(await service.runTraining(straightId)).toEqual({ status: 'completed' });
    const straight = await curves(straightId);
    // 12 training records at batch 4: 3 steps per epoch, 6 steps.
    expect(straight.steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(straight.heldOut.map(([step]) => step)).toEqual([3, 6]);
    const record = await db.trainRuns.get(straightId);
    expect(record).toMatchObject({ status: 'completed', step: 6, totalSteps: 6, lastCheckpoint: { step: 6 } });
    expect(record?.config.model.vocabSize).toBe(261);

    const pausedId = await service.createTrainRun({ ...run, name: 'paused' });
    const training = service.runTraining(pausedId);
    const pauseAfterStep = async () => {
      while (((await db.trainRuns.get(pausedId))?.step ?? 0) < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      await service.pauseTraining(pausedId);
    };
    await pauseAfterStep();
    expect((await training).status).toBe('paused');
    const paused = await db.trainRuns.get(pausedId);
    expect(paused?.status).toBe('paused');
    expect(paused?.lastCheckpoint?.step).toBe(paused?.step);

    expect(await service.runTraining(pausedId)).toEqual({ status: 'completed' });
    const resumed = await curves(pausedId);
    expect(resumed.steps).toEqual(straight.steps);
    for (let i = 0; i < 6; i++) expect(Math.abs(resumed.losses[i] - straight.losses[i])).toBeLessThan(1e-6);
    expect((await db.trainRuns.get(pausedId))?.resumes?.map((r) => r.step)).toEqual([paused?.step]);
  });

  it('reports a memory estimate and rejects a model too large', async () => {
    expect((await service.checkTrainingMemory(run.config)).error).toBeNull();
    const huge = { ...run.config, memoryBudget: 1 << 20 };
    expect((await service.checkTrainingMemory(huge)).error).toMatch(/memory budget is 1\.0 MiB/);
  });

  it('fails a run whose shard was deleted, naming the shard', async () => {
    const runId = await service.createTrainRun({ ...run, name: 'orphan', data: { ...run.data, stages: [{ name: 'mixed', shards: [{ shardId: 'gone', shardName: 'gone shard' }] }] } });
    const outcome = await service.runTraining(runId);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/Shard "gone shard" of stage mixed was deleted/);
    expect((await db.trainRuns.get(runId))?.status).toBe('failed');
  });

  it('deletes a run with its curves and checkpoints', async () => {
    const runId = await service.createTrainRun({ ...run, name: 'deleted' });
    await service.runTraining(runId);
    await service.deleteTrainRun(runId);
    expect(await db.trainRuns.get(runId)).toBeUndefined();
    expect(await db.trainSteps.where('runId').equals(runId).count()).toBe(0);
  });
});
