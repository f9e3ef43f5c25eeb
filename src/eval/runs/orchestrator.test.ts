import { describe, expect, it } from 'vitest';
import { freshDatabases, textSource } from '../../../test/eval-fixtures.ts';
import type { WorkbenchDatabase } from '../../db/database.ts';
import type { BenchmarkRecord } from '../../db/eval.ts';
import { toJsonl } from '../../util/jsonl.ts';
import { loadBenchmark } from '../benchmark-loader.ts';
import { StorageFullError } from '../storage-errors.ts';
import { builtinTemplate } from '../templates.ts';
import { DEFAULT_SAMPLING, type FinishedSequence, type GenerateCallbacks, type GenerationRequest, type Generator, type SamplingParams } from './generator.ts';
import { createEvalRun, runEval, type EvalProgress } from './orchestrator.ts';
import { runCounts, runResults } from './store.ts';

const freshDatabase = freshDatabases('orchestrator-test');


/** Problem i requests i + 100; the scripted model answers right when i % 3 == 0, wrong when 1, nothing when 2. */
async function loadArithmetic(db: WorkbenchDatabase, count: number): Promise<BenchmarkRecord> {
  const rows = Array.from({ length: count }, (_, i) => ({ question: `Problem number ${i}: what is ${i} + 100?`, answer: `${i} + 100 = ${i + 100}\n#### ${i + 100}` }));
  return (await loadBenchmark(db, textSource(toJsonl(rows)), { kind: 'gsm8k', name: 'arithmetic', fileName: 'arith.jsonl' })).benchmark;
}

function scriptedAnswer(request: GenerationRequest): FinishedSequence {
  const i = Number(/Problem number (\d+)/.exec(request.prompt)![1]);
  const sample = request.seed;
  const texts = [`So the sum is ${i + 100}. The answer is ${i + 100}.`, `The answer is ${i + 7}.`, 'I am not sure how to do this.'];
  return { text: texts[(i + sample) % 3], tokens: 10 + (i % 5), ms: 5, stopReason: 'eos' };
}

/**
 * Decodes `batch` requests at a time and finishes each batch in reverse order, like an engine whose
 * shorter sequences end first. `stopAfter` finished sequences, it reports the rest of the batch as
 * aborted and returns, as an engine does when its signal fires. `delayMs` is the decode time of a batch.
 */
class ScriptedGenerator implements Generator {
  readonly model = { name: 'scripted' };
  readonly calls: { ids: string[]; sampling: SamplingParams }[] = [];
  finished = 0;

  constructor(
    private readonly batch: number,
    private readonly options: { stopAfter?: number; failAfter?: number; duplicate?: boolean; delayMs?: number } = {},
  ) {}

  async generate(requests: readonly GenerationRequest[], sampling: SamplingParams, callbacks: GenerateCallbacks): Promise<void> {
    this.calls.push({ ids: requests.map((r) => r.id), sampling });
    for (let start = 0; start < requests.length; start += this.batch) {
      const chunk = requests.slice(start, start + this.batch);
      await new Promise((resolve) => setTimeout(resolve, this.options.delayMs ?? 1));
      for (const request of [...chunk].reverse()) {
        if (callbacks.signal?.aborted || this.finished === this.options.stopAfter) {
          callbacks.onFinished(request.id, { text: '', tokens: 0, ms: 0, stopReason: 'aborted' });
          continue;
        }
        if (this.finished === this.options.failAfter) throw new Error('device lost');
        this.finished++;
        callbacks.onFinished(request.id, scriptedAnswer(request));
        if (this.options.duplicate) callbacks.onFinished(request.id, { text: 'The answer is -1.', tokens: 1, ms: 1, stopReason: 'eos' });
      }
      if (callbacks.signal?.aborted || this.finished === this.options.stopAfter) return;
    }
  }
}

async function newRun(db: WorkbenchDatabase, benchmark: BenchmarkRecord, options: { k?: number; limit?: number } = {}) {
  return createEvalRun(db, {
    name: 'scripted run',
    benchmark,
    model: { name: 'scripted' },
    template: builtinTemplate('alpaca-cot'),
    sampling: { ...DEFAULT_SAMPLING, seed: 0 },
    samplesPerProblem: options.k ?? 1,
    limit: options.limit,
  });
}

describe('runEval', () => {
  it('stores each finished problem graded', async () => {
    const db = freshDatabase();
    const benchmark = await loadArithmetic(db, 9);
    const run = await newRun(db, benchmark);
    const generator = new ScriptedGenerator(4);
    const updates: EvalProgress[] = [];
    const final = await runEval(db, run.id, { generator, onProgress: (p) => updates.push(p) });

    expect(final).toMatchObject({ total: 9, finished: 9, correct: 3, unparsed: 3, status: 'finished', sessionFinished: 9 });
    expect(final.accuracy).toBeCloseTo(3 / 9);
    expect(final.etaMs).toBe(0);
    expect(updates[0]).toMatchObject({ finished: 0, etaMs: null, accuracy: null, status: 'running' });
    expect(updates.map((u) => u.finished)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]);

    const results = await runResults(db, run.id);
    expect(results.map((r) => r.verdict)).toEqual(['correct', 'wrong', 'unparsed', 'correct', 'wrong', 'unparsed', 'correct', 'wrong', 'unparsed']);
    expect(results[0]).toMatchObject({ problemId: '0', gold: '100', extracted: '100', tokens: 10, ms: 5, stopReason: 'eos' });
    expect(results[0].prompt).toBe(
      'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
        "### Instruction:\nProblem number 0: what is 0 + 100?\n\n### Response: Let's think step by step.",
    );
    expect(generator.calls[0].sampling.stop).toEqual(['\n\n### Instruction:']);
    expect((await db.evalRuns.get(run.id))!.status).toBe('finished');
  });

  it('resumes without losing or repeating problems', async () => {
    const db = freshDatabase();
    const benchmark = await loadArithmetic(db, 20);
    const run = await newRun(db, benchmark);

    // First session: the tab closes after 7 sequences; the batch in flight is lost.
    const first = new ScriptedGenerator(4, { stopAfter: 7 });
    const paused = await runEval(db, run.id, { generator: first });
    expect(paused.finished).toBe(7);
    const storedBefore = await runResults(db, run.id);
    expect(storedBefore).toHaveLength(7);
    // A closed tab leaves the status at 'running'; the next session resumes from the stored results.
    await db.evalRuns.update(run.id, { status: 'running' });

    const second = new ScriptedGenerator(4);
    const final = await runEval(db, run.id, { generator: second });
    const requested = second.calls[0].ids;
    const storedKeys = new Set(storedBefore.map((r) => `${r.problemIndex}:${r.sample}`));
    expect(requested).toHaveLength(13);
    expect(requested.filter((id) => storedKeys.has(id))).toEqual([]);
    expect(final).toMatchObject({ total: 20, finished: 20, sessionFinished: 13, status: 'finished' });

    const results = await runResults(db, run.id);
    expect(results.map((r) => r.problemIndex)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const before of storedBefore) {
      expect(results.find((r) => r.problemIndex === before.problemIndex)).toEqual(before);
    }
    expect(final.correct).toBe(results.filter((r) => r.verdict === 'correct').length);

    // A finished run has nothing left to generate.
    const third = new ScriptedGenerator(4);
    expect((await runEval(db, run.id, { generator: third })).status).toBe('finished');
    expect(third.calls).toEqual([]);
  });

  it('pauses on the abort signal and keeps what finished', async () => {
    const db = freshDatabase();
    const benchmark = await loadArithmetic(db, 12);
    const run = await newRun(db, benchmark);
    const controller = new AbortController();
    const final = await runEval(db, run.id, {
      // Batches slower than the database writes, so the abort lands while decoding goes on.
      generator: new ScriptedGenerator(3, { delayMs: 100 }),
      signal: controller.signal,
      onProgress: (p) => {
        if (p.finished === 5) controller.abort();
      },
    });
    expect(final.status).toBe('paused');
    expect(final.finished).toBeGreaterThanOrEqual(5);
    expect(final.finished).toBeLessThan(12);
    expect(final.etaMs).toBeGreaterThan(0);
    const stored = await db.evalRuns.get(run.id);
    expect(stored).toMatchObject({ status: 'paused' });
    expect(stored!.error).toBeUndefined();
    expect(await runResults(db, run.id)).toHaveLength(final.finished);
  });

  it('draws k samples per problem with distinct seeds', async () => {
    const db = freshDatabase();
    const benchmark = await loadArithmetic(db, 6);
    const run = await newRun(db, benchmark, { k: 3, limit: 4 });
    const generator = new ScriptedGenerator(5);
    const final = await runEval(db, run.id, { generator });
    expect(final.total).toBe(12);
    expect(generator.calls[0].ids.slice(0, 4)).toEqual(['0:0', '0:1', '0:2', '1:0']);
    const results = await runResults(db, run.id);
    expect(results).toHaveLength(12);
    expect(results.filter((r) => r.problemIndex === 0).map((r) => r.verdict)).toEqual(['correct', 'wrong', 'unparsed']);
    expect(await runCounts(db, run.id)).toEqual({ finished: 12, firstSample: { correct: 2, wrong: 1, unparsed: 1 } });
  });

  it('ignores a second result for the same sequence', async () => {
    const db = freshDatabase();
    const benchmark = await loadArithmetic(db, 3);
    const run = await newRun(db, benchmark);
    const final = await runEval(db, run.id, { generator: new ScriptedGenerator(2, { duplicate: true }) });
    expect(final.finished).toBe(3);
    expect((await runResults(db, run.id)).map((r) => r.extracted)).toEqual(['100', '8', null]);
  });

  it('pauses with a message when the engine fails', async () => {
    const db = freshDatabase();
    const benchmark = await loadArithmetic(db, 8);
    const run = await newRun(db, benchmark);
    await expect(runEval(db, run.id, { generator: new ScriptedGenerator(4, { failAfter: 5 }) })).rejects.toThrow(/The inference engine failed: device lost\. The run is paused with 5 of 8/);
    expect(await db.evalRuns.get(run.id)).toMatchObject({ status: 'paused', error: expect.stringMatching(/device lost/) });
    expect(await runResults(db, run.id)).toHaveLength(5);
  });

  it('pauses on a full disk and loses nothing stored', async () => {
    const db = freshDatabase();
    const benchmark = await loadArithmetic(db, 10);
    const run = await newRun(db, benchmark);
    let writes = 0;
    db.evalResults.hook('creating', () => {
      if (++writes > 4) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const attempt = runEval(db, run.id, { generator: new ScriptedGenerator(2) });
    await expect(attempt).rejects.toThrow(StorageFullError);
    await expect(attempt).rejects.toThrow(/Browser storage is full \(IndexedDB quota exceeded\): the result of problem \d+ \(sample 1\) could not be saved\. The run is paused with 4 of 10 samples stored; nothing stored was lost/);
    expect(await runResults(db, run.id)).toHaveLength(4);
    expect(await db.evalRuns.get(run.id)).toMatchObject({ status: 'paused', error: expect.stringMatching(/quota exceeded/) });
  });

  it('rejects invalid run configurations', async () => {
    const db = freshDatabase();
    const benchmark = await loadArithmetic(db, 3);
    const base = { name: 'x', benchmark, model: { name: 'm' }, template: builtinTemplate('alpaca-cot'), sampling: DEFAULT_SAMPLING, samplesPerProblem: 1 };
    await expect(createEvalRun(db, { ...base, samplesPerProblem: 0 })).rejects.toThrow(/Samples per problem must be an integer ≥ 1, got 0/);
    await expect(createEvalRun(db, { ...base, limit: 0 })).rejects.toThrow(/problem limit must be an integer ≥ 1, got 0/);
    await expect(createEvalRun(db, { ...base, template: builtinTemplate('gsm8k-8shot') })).rejects.toThrow(/needs 8 exemplars, got 0/);
    await expect(createEvalRun(db, { ...base, template: { ...builtinTemplate('alpaca-cot'), text: 'no slot' } })).rejects.toThrow(/must contain \{problem\}/);
    expect(await db.evalRuns.count()).toBe(0);
  });
});
