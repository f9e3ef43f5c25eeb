import { openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDatabases } from '../../../test/eval-fixtures.ts';
import { SHARED_DATA } from '../../../test/cli.ts';
import type { EvalRunRecord } from '../../db/eval.ts';
import { DEFAULT_SAMPLING, type GenerateCallbacks, type GenerationRequest, type Generator } from '../../eval/runs/generator.ts';
import type { EvalProgress } from '../../eval/runs/orchestrator.ts';
import { runResults } from '../../eval/runs/store.ts';
import { builtinTemplate } from '../../eval/templates.ts';
import { toJsonl } from '../../util/jsonl.ts';
import { createEvalRunService, createEvalService } from './eval.ts';

const freshDatabase = freshDatabases('eval-service-test');

/**
 * Answers "The answer is 0" to everything, one sequence per 25 ms, until its signal aborts. A run of 20
 * then takes about 0.5 s, so progress messages (sent at most every 200 ms) arrive mid-run.
 */
class EchoGenerator implements Generator {
  readonly model = { name: 'echo' };
  async generate(requests: readonly GenerationRequest[], _sampling: unknown, callbacks: GenerateCallbacks): Promise<void> {
    for (const request of requests) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      if (callbacks.signal?.aborted) return callbacks.onFinished(request.id, { text: '', tokens: 0, ms: 0, stopReason: 'aborted' });
      callbacks.onFinished(request.id, { text: 'The answer is 0.', tokens: 4, ms: 1, stopReason: 'eos' });
    }
  }
}

describe('eval worker service', () => {
  it('loads a benchmark file and reports bad lines', async () => {
    const db = freshDatabase();
    const service = createEvalService(() => db);
    const file = await openAsBlob(join(SHARED_DATA, 'gsm8k/test.jsonl'));
    const progress: number[] = [];
    const report = await service.loadBenchmarkFile(file, { kind: 'gsm8k', name: 'GSM8K', fileName: 'test.jsonl' }, (p) => progress.push(p.imported));
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.benchmark.problemCount).toBe(1319);
    expect(progress.at(-1)).toBe(1319);

    const broken = new Blob(['{"question":"q","answer":"#### 1"}\n{oops\n']);
    const partial = await service.loadBenchmarkFile(broken, { kind: 'gsm8k', name: 'b', fileName: 'broken.jsonl' });
    expect(partial).toMatchObject({ ok: true, skippedLines: 1, issues: [{ line: 2, error: expect.stringMatching(/invalid JSON/) }] });
  });

  it('returns failures as plain objects with their name', async () => {
    const db = freshDatabase();
    const service = createEvalService(() => db);
    const report = await service.loadBenchmarkFile(new Blob(['{"problem":"p"}\n']), { kind: 'gsm8k', name: 'x', fileName: 'x.jsonl' });
    expect(report).toEqual({ ok: false, error: { name: 'BenchmarkShapeError', message: expect.stringMatching(/x\.jsonl is not a GSM8K file/) } });
    const missing = await service.importOutputsFile(new Blob(['{"id":1,"output":"o"}\n']), { benchmarkId: 'nope', fileName: 'o.jsonl', format: 'auto' });
    expect(missing).toEqual({ ok: false, error: { name: 'Error', message: expect.stringMatching(/Benchmark nope not found/) } });
  });

  it('run service starts, stops and resumes', async () => {
    const db = freshDatabase();
    const service = createEvalService(() => db);
    const rows = Array.from({ length: 30 }, (_, i) => ({ question: `Q${i}`, answer: `#### ${i % 2}` }));
    const loaded = await service.loadBenchmarkFile(new Blob([toJsonl(rows)]), { kind: 'gsm8k', name: 'tiny', fileName: 'tiny.jsonl' });
    if (!loaded.ok) throw new Error(loaded.error.message);

    const opened: string[] = [];
    const runs = createEvalRunService(async (model: string) => {
      opened.push(model);
      return { generator: new EchoGenerator() };
    }, () => db);
    const config = { name: 'echo run', benchmark: loaded.benchmark, model: { name: 'echo' }, template: builtinTemplate('alpaca-cot'), sampling: DEFAULT_SAMPLING, samplesPerProblem: 1, limit: 20 };

    let runId = '';
    const started = runs.startEvalRun(config, 'model-handle-1', (p: EvalProgress) => {
      runId = p.runId;
      if (p.finished >= 6) void runs.stopEvalRun(p.runId);
    });
    const first = await started;
    expect(first.ok).toBe(true);
    expect(first.runId).toBe(runId);
    const pausedRun = (await db.evalRuns.get(runId)) as EvalRunRecord;
    expect(pausedRun.status).toBe('paused');
    const storedFirst = (await runResults(db, runId)).length;
    expect(storedFirst).toBeGreaterThanOrEqual(6);
    expect(storedFirst).toBeLessThan(20);
    expect(await runs.stopEvalRun(runId)).toBe(false);

    const resumed = await runs.resumeEvalRun(runId, 'model-handle-2');
    expect(resumed).toMatchObject({ ok: true, progress: { finished: 20, total: 20, correct: 10, status: 'finished' } });
    expect(opened).toEqual(['model-handle-1', 'model-handle-2']);
    expect(await runResults(db, runId)).toHaveLength(20);
  });
});
