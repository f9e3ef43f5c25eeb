/**
 * The sweep runner on the real GPU (lavapipe in Node) with the command line's host: a results file
 * and checkpoint folders in a temp folder, micro models trained for a few steps.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../../../test/gpu.ts';
import { createNodeHost, newResults } from '../../cli/commands/experiment-host.ts';
import { DeviceLostError } from '../../gpu/errors.ts';
import { experimentSeries } from '../experiment-series.ts';
import { parseResults } from '../results.ts';
import { ExperimentDataChangedError, runExperiment, storedLossCurve, type ExperimentProgress } from './runner.ts';
import { resolveSpec } from './spec.ts';

const SPEC = resolveSpec({
  name: 'runner test',
  sizes: [16, 24],
  methods: ['plain'],
  curriculum: ['mixed'],
  epochs: 1,
  testSize: 3,
  model: { preset: 'micro', context: 128 },
  data: { families: ['arithmetic'], normalDifficulty: 1, hardDifficulty: 2, hardFraction: 0.25 },
  tokenizer: { kind: 'bpe', vocabSize: 400 },
  training: { batch: 8, microBatch: 8, checkpointEvery: 1 },
  evaluation: { maxTokens: 8, batch: 3 },
});

let dir: string;
beforeAll(async () => {
  await testGpu();
  dir = mkdtempSync(join(tmpdir(), 'mwb-experiment-runner-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storedLossCurve', () => {
  it('caps points and stores NaN as null', () => {
    const points = Array.from({ length: 1001 }, (_, i) => ({ step: i + 1, loss: i === 1000 ? NaN : 1 / (i + 1) }));
    const curve = storedLossCurve(points, 1001);
    expect(curve.length).toBeLessThanOrEqual(402);
    expect(curve[0]).toEqual({ step: 1, loss: 1 });
    expect(curve[curve.length - 1]).toEqual({ step: 1001, loss: null });
  });
});

describe('runExperiment', () => {
  it('records a failed cell and goes on', { timeout: 300_000 }, async () => {
    const out = join(dir, 'failing.json');
    const results = newResults('exp-failing', SPEC.name, SPEC);
    const host = createNodeHost({ out, results });
    let opened = 0;
    const failing = {
      ...host,
      openModel: async (...args: Parameters<typeof host.openModel>) => {
        if (opened++ === 0) throw new DeviceLostError('unknown', 'simulated loss while loading the trained model');
        return host.openModel(...args);
      },
    };
    const summary = await runExperiment(failing, SPEC);
    expect(summary).toMatchObject({ status: 'finished', done: 1, failed: 1, remaining: 0 });

    const stored = parseResults(readFileSync(out, 'utf8'), out);
    const [first, second] = stored.cells;
    expect(first.id).toBe('plain-mixed-s1-n16');
    expect(first.status).toBe('failed');
    expect(first.error).toMatch(/device was lost.*simulated loss/);
    expect(first.trainingLoss.length).toBeGreaterThan(0);
    expect(second.status).toBe('done');
    expect(second.evaluations.map((e) => [e.testSet, e.total])).toEqual([
      ['normal', 3],
      ['hard', 3],
    ]);
    expect(second.trainingLoss.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(second.startedAt! <= second.finishedAt!).toBe(true);
    expect(experimentSeries(stored, 'normal')[0].points.map((p) => p.size)).toEqual([24]);
  });

  it('resumes a paused sweep from its checkpoint', { timeout: 300_000 }, async () => {
    const out = join(dir, 'paused.json');
    const checkpointDir = join(dir, 'paused-checkpoints');
    const results = newResults('exp-paused', SPEC.name, SPEC);
    const controller = new AbortController();
    const first = await runExperiment(createNodeHost({ out, results, checkpointDir }), SPEC, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'training' && p.cellId === 'plain-mixed-s1-n24' && p.done === 2) controller.abort();
      },
    });
    expect(first).toMatchObject({ status: 'paused', done: 1, remaining: 1 });
    const paused = parseResults(readFileSync(out, 'utf8'), out);
    expect(paused.cells.map((c) => c.status)).toEqual(['done', 'running']);

    const events: ExperimentProgress[] = [];
    const resumed = await runExperiment(createNodeHost({ out, results: paused, checkpointDir }), SPEC, { onProgress: (p) => events.push(p) });
    expect(resumed).toMatchObject({ status: 'finished', done: 2, failed: 0 });
    const training = events.filter((e) => e.phase === 'training');
    expect(new Set(training.map((e) => e.cellId))).toEqual(new Set(['plain-mixed-s1-n24']));
    // The cell stopped after step 2 (checkpointed), so the resumed session starts at step 3.
    expect(training[0].done).toBe(3);
    const final = parseResults(readFileSync(out, 'utf8'), out);
    expect(final.cells[0]).toEqual(paused.cells[0]);
    expect(final.cells[1].trainingLoss.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(final.cells[0].dataFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(final.cells[1].dataFingerprint).toBe(final.cells[0].dataFingerprint);
  });

  it('refuses to resume on changed problems', async () => {
    // A cell that recorded other problems, as after a change of the data generator.
    const out = join(dir, 'changed.json');
    const results = newResults('exp-changed', SPEC.name, SPEC);
    results.cells = [{ id: 'plain-mixed-s1-n16', variant: { methods: ['plain'], curriculum: 'mixed', seed: 1 }, dataSize: 16, status: 'done', evaluations: [], trainingLoss: [], dataFingerprint: '0123456789abcdef' }];
    const run = runExperiment(createNodeHost({ out, results, checkpointDir: join(dir, 'changed-checkpoints') }), SPEC);
    await expect(run).rejects.toThrow(ExperimentDataChangedError);
    await expect(run).rejects.toThrow(/since cell plain-mixed-s1-n16 ran \(data fingerprint 0123456789abcdef, now [0-9a-f]{16}\).*--restart/);
  });
});
