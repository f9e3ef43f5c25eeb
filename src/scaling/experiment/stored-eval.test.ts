import { describe, expect, it } from 'vitest';
import { freshDatabases } from '../../../test/eval-fixtures.ts';
import type { GenerateCallbacks, GenerationRequest, Generator, SamplingParams } from '../../eval/runs/generator.ts';
import { runCounts, runResults } from '../../eval/runs/store.ts';
import type { ExperimentCell } from '../results.ts';
import type { TestSet } from './data.ts';
import { cellRunName, evaluateStored, storeTestSetBenchmark, testSetBenchmarkId } from './stored-eval.ts';

const freshDatabase = freshDatabases('experiment-stored-eval-test');

const TEST_SET: TestSet = {
  key: 'normal',
  title: 'synthetic test, normal',
  kind: 'custom',
  problems: Array.from({ length: 6 }, (_, i) => ({ id: `t1:${i}`, problem: `What is ${i} + ${i}?`, gold: String(2 * i), level: 1, subject: 'arithmetic' })),
};

const CELL: ExperimentCell = { id: 'plain-mixed-s1-n100', variant: { methods: ['plain'], curriculum: 'mixed', seed: 1 }, dataSize: 100, status: 'running', evaluations: [], trainingLoss: [] };
const SAMPLING: SamplingParams = { temperature: 0, topP: 1, topK: 0, maxTokens: 16, seed: 0, stop: [] };

/** Outputs "The answer is 2i" for "What is i + i?" when `right`, else 7, and aborts after `stopAfter` outputs. */
class ArithmeticGenerator implements Generator {
  readonly model = { name: 'arithmetic' };
  readonly seen: string[] = [];
  constructor(
    private readonly right: boolean,
    private readonly stopAfter = Infinity,
    private readonly controller?: AbortController,
  ) {}

  async generate(requests: readonly GenerationRequest[], _sampling: SamplingParams, callbacks: GenerateCallbacks): Promise<void> {
    for (const request of requests) {
      if (callbacks.signal?.aborted) {
        callbacks.onFinished(request.id, { text: '', tokens: 0, ms: 0, stopReason: 'aborted' });
        continue;
      }
      this.seen.push(request.id);
      const i = Number(/What is (\d+)/.exec(request.prompt)![1]);
      callbacks.onFinished(request.id, { text: `The answer is ${this.right ? 2 * i : 7}`, tokens: 5, ms: 1, stopReason: 'eos' });
      if (this.seen.length >= this.stopAfter) this.controller?.abort();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

describe('storeTestSetBenchmark', () => {
  it('stores the test set once as a custom benchmark', async () => {
    const db = freshDatabase();
    const experiment = { id: 'exp-1', name: 'demo' };
    const benchmark = await storeTestSetBenchmark(db, experiment, TEST_SET);
    expect(benchmark).toMatchObject({ id: testSetBenchmarkId('exp-1', 'normal'), kind: 'custom', status: 'ready', problemCount: 6, name: 'demo: synthetic test, normal', levels: { 1: 6 } });
    const again = await storeTestSetBenchmark(db, experiment, TEST_SET);
    expect(again.createdAt).toBe(benchmark.createdAt);
    const problems = await db.benchmarkProblems.where('benchmarkId').equals(benchmark.id).toArray();
    expect(problems.map((p) => p.gold)).toEqual(['0', '2', '4', '6', '8', '10']);
  });
});

describe('evaluateStored', () => {
  it('grades a cell through an eval run that Inspect can open', async () => {
    const db = freshDatabase();
    const benchmark = await storeTestSetBenchmark(db, { id: 'exp-1', name: 'demo' }, TEST_SET);
    const evaluation = await evaluateStored(db, 'demo', benchmark, { cell: CELL, testSet: TEST_SET, generator: new ArithmeticGenerator(true), sampling: SAMPLING, fresh: true });
    expect(evaluation).toMatchObject({ testSet: 'normal', correct: 6, total: 6 });
    const run = await db.evalRuns.get(evaluation!.evalRunId!);
    expect(run).toMatchObject({ name: cellRunName('demo', CELL.id, TEST_SET), status: 'finished', model: { name: CELL.id } });
    expect((await runResults(db, run!.id)).map((r) => r.verdict)).toEqual(Array(6).fill('correct'));
  });

  it('continues a paused evaluation without generating stored problems again', async () => {
    const db = freshDatabase();
    const benchmark = await storeTestSetBenchmark(db, { id: 'exp-1', name: 'demo' }, TEST_SET);
    const controller = new AbortController();
    const first = new ArithmeticGenerator(true, 2, controller);
    const paused = await evaluateStored(db, 'demo', benchmark, { cell: CELL, testSet: TEST_SET, generator: first, sampling: SAMPLING, fresh: true, signal: controller.signal });
    expect(paused).toBeNull();
    const runId = (await db.evalRuns.toArray())[0].id;
    expect((await runCounts(db, runId)).finished).toBe(2);

    const second = new ArithmeticGenerator(true);
    const evaluation = await evaluateStored(db, 'demo', benchmark, { cell: CELL, testSet: TEST_SET, generator: second, sampling: SAMPLING, fresh: false });
    expect(evaluation).toMatchObject({ correct: 6, total: 6, evalRunId: runId });
    expect(second.seen).toEqual(['2:0', '3:0', '4:0', '5:0']);
  });

  it('discards the outputs of an earlier model when the cell was trained again', async () => {
    const db = freshDatabase();
    const benchmark = await storeTestSetBenchmark(db, { id: 'exp-1', name: 'demo' }, TEST_SET);
    const wrong = await evaluateStored(db, 'demo', benchmark, { cell: CELL, testSet: TEST_SET, generator: new ArithmeticGenerator(false), sampling: SAMPLING, fresh: true });
    expect(wrong).toMatchObject({ correct: 0, total: 6 });
    const right = await evaluateStored(db, 'demo', benchmark, { cell: CELL, testSet: TEST_SET, generator: new ArithmeticGenerator(true), sampling: SAMPLING, fresh: true });
    expect(right).toMatchObject({ correct: 6, total: 6 });
    expect(right!.evalRunId).not.toBe(wrong!.evalRunId);
    expect(await db.evalRuns.get(wrong!.evalRunId!)).toBeUndefined();
    expect(await db.evalRuns.count()).toBe(1);
  });
});
