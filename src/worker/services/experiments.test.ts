/**
 * The experiments worker service in Node: real GPU (lavapipe), a fake-indexeddb database and
 * in-memory checkpoint folders in place of OPFS. A micro sweep with a loaded GSM8K benchmark is
 * paused mid-cell and resumed; cells, eval runs and checkpoints end up where the pages read them.
 */
import { openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshDatabases } from '../../../test/eval-fixtures.ts';
import { SHARED_DATA } from '../../../test/cli.ts';
import { testGpu } from '../../../test/gpu.ts';
import { loadExperimentResults } from '../../db/scaling.ts';
import { runCounts } from '../../eval/runs/store.ts';
import type { ExperimentProgress } from '../../scaling/experiment/runner.ts';
import { testSetBenchmarkId } from '../../scaling/experiment/stored-eval.ts';
import type { CheckpointStorage } from '../../train/checkpoint.ts';
import { createEvalService } from './eval.ts';
import { createExperimentsService } from './experiments.ts';

const freshDatabase = freshDatabases('experiments-service-test');

function memoryFolders() {
  const folders = new Map<string, Map<string, Uint8Array>>();
  const storage = (path: string): CheckpointStorage => {
    if (!folders.has(path)) folders.set(path, new Map());
    const files = folders.get(path)!;
    return {
      location: `memory ${path}`,
      write: async (name, parts) => {
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let offset = 0;
        for (const part of parts) {
          bytes.set(part, offset);
          offset += part.length;
        }
        files.set(name, bytes);
      },
      read: async (name) => files.get(name) ?? null,
      remove: async (name) => void files.delete(name),
      list: async () => [...files.keys()],
    };
  };
  return { folders, storage };
}

const SPEC = {
  name: 'service test',
  sizes: [8, 16],
  methods: ['plain'],
  curriculum: ['mixed'],
  epochs: 1,
  testSize: 2,
  model: { preset: 'micro', context: 512 },
  data: { families: ['arithmetic'], normalDifficulty: 1, hardDifficulty: 2, hardFraction: 0.25 },
  tokenizer: { kind: 'bpe', vocabSize: 400 },
  training: { batch: 8, microBatch: 2, checkpointEvery: 1 },
  evaluation: { maxTokens: 4, batch: 2 },
};

beforeAll(async () => {
  await testGpu();
});

describe('experiments service', () => {
  it('rejects an invalid spec before storing anything', async () => {
    const db = freshDatabase();
    const { storage } = memoryFolders();
    const service = createExperimentsService({ db: () => db, gpu: testGpu, checkpoints: async (e, c) => storage(`${e}/${c}`), removeCheckpoints: async () => {}, withLock: (_id, work) => work(true) });
    const outcome = await service.startExperiment({ ...SPEC, epochs: 0 });
    expect(outcome).toEqual({ ok: false, error: { name: 'ExperimentSpecError', message: expect.stringMatching(/field "epochs"/) } });
    expect(await db.scalingExperiments.count()).toBe(0);
  });

  it('pauses and resumes a sweep with a benchmark', { timeout: 300_000 }, async () => {
    const db = freshDatabase();
    const loaded = await createEvalService(() => db).loadBenchmarkFile(await openAsBlob(join(SHARED_DATA, 'gsm8k', 'test.jsonl')), { kind: 'gsm8k', name: 'GSM8K', fileName: 'test.jsonl' });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const { folders, storage } = memoryFolders();
    const removed: string[] = [];
    const service = createExperimentsService({
      db: () => db,
      gpu: testGpu,
      checkpoints: async (experimentId, cellId) => storage(`${experimentId}/${cellId}`),
      removeCheckpoints: async (experimentId) => {
        removed.push(experimentId);
        for (const key of [...folders.keys()]) if (key.startsWith(`${experimentId}/`)) folders.delete(key);
      },
      withLock: (_id, work) => work(true),
    });

    const spec = { ...SPEC, benchmark: { kind: 'gsm8k', id: loaded.benchmark.id, limit: 2 } };
    let experimentId = '';
    const first = await service.startExperiment(spec, (p: ExperimentProgress) => {
      if (p.phase === 'training' && p.cellId === 'plain-mixed-s1-n16' && p.done === 1) void service.runningExperiment().then((id) => {
        if (id) void service.pauseExperiment(id);
      });
    });
    expect(first).toMatchObject({ ok: true, status: 'paused', done: 1, remaining: 1 });
    if (!first.ok) return;
    experimentId = first.experimentId;
    expect(await service.runningExperiment()).toBeNull();
    expect([...(folders.get(`${experimentId}/plain-mixed-s1-n16`)?.keys() ?? [])]).toContain('latest.json');

    const resumed = await service.resumeExperiment(experimentId);
    expect(resumed).toMatchObject({ ok: true, status: 'finished', done: 2, failed: 0, remaining: 0 });
    expect(removed).toEqual([experimentId]);

    const results = (await loadExperimentResults(db, experimentId))!;
    expect(results.experiment.spec).toMatchObject({ name: 'service test', benchmark: { id: loaded.benchmark.id } });
    for (const cell of results.cells) {
      expect(cell.status).toBe('done');
      expect(cell.evaluations.map((e) => [e.testSet, e.total])).toEqual([
        ['normal', 2],
        ['hard', 2],
        ['benchmark', 2],
      ]);
      for (const evaluation of cell.evaluations) expect((await runCounts(db, evaluation.evalRunId!)).finished).toBe(evaluation.total);
    }
    expect(await db.benchmarks.get(testSetBenchmarkId(experimentId, 'normal'))).toMatchObject({ kind: 'custom', problemCount: 2 });
    expect(await db.evalRuns.count()).toBe(6);
  });
});
