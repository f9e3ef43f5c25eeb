import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDatabases, textSource } from '../../test/eval-fixtures.ts';
import { SHARED_DATA } from '../../test/cli.ts';
import type { WorkbenchDatabase } from '../db/database.ts';
import { toJsonl } from '../util/jsonl.ts';
import { benchmarkProblems, loadBenchmark } from './benchmark-loader.ts';
import { exportPrompts } from './export-prompts.ts';
import { importOutputs } from './import.ts';
import { runCounts, runResults } from './runs/store.ts';
import { StorageFullError } from './storage-errors.ts';
import { builtinTemplate } from './templates.ts';

const freshDatabase = freshDatabases('import-test');


async function loadGsm8k(db: WorkbenchDatabase) {
  const { benchmark } = await loadBenchmark(db, createReadStream(join(SHARED_DATA, 'gsm8k/test.jsonl')), { kind: 'gsm8k', name: 'GSM8K test', fileName: 'test.jsonl' });
  return { benchmark, problems: await benchmarkProblems(db, benchmark.id) };
}

describe('importOutputs', () => {
  it('grades generic JSONL by id and text', async () => {
    const db = freshDatabase();
    const { benchmark, problems } = await loadGsm8k(db);
    const lines = [
      { id: 0, output: `Janet sells 9 eggs and makes $18. The answer is ${problems[0].gold}.` },
      { problem: problems[1].problem, output: 'The answer is 999.' },
      { id: '2', output: 'I cannot tell.' },
      'not json at all',
      { id: 'no-such-problem', output: 'The answer is 1.' },
    ];
    const content = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
    const result = await importOutputs(db, textSource(content), { benchmarkId: benchmark.id, fileName: 'outputs.jsonl', format: 'auto', modelName: 'tiny' });

    expect(result.format).toBe('generic');
    expect(result.matchedBy).toEqual({ id: 2, problem: 1, prompt: 0 });
    expect(result.issues.map((i) => i.line)).toEqual([4, 5]);
    expect(result.issues[1].error).toMatch(/matches no problem of "GSM8K test"/);
    expect(result.problemsWithoutOutput).toBe(1316);
    expect(result.run).toMatchObject({ source: 'import', status: 'finished', problemIndices: [0, 1, 2], samplesPerProblem: 1, model: { name: 'tiny' }, template: null });

    const results = await runResults(db, result.run.id);
    expect(results.map((r) => r.verdict)).toEqual(['correct', 'wrong', 'unparsed']);
    expect(results[0]).toMatchObject({ extracted: '18', gold: '18', problemId: '0' });
    expect(results[2].extracted).toBeNull();
    expect(await runCounts(db, result.run.id)).toEqual({ finished: 3, firstSample: { correct: 1, wrong: 1, unparsed: 1 } });
  });

  it('matches exported prompts back by prompt', async () => {
    const db = freshDatabase();
    const { benchmark, problems } = await loadGsm8k(db);
    const exported = exportPrompts(problems.slice(0, 3), builtinTemplate('alpaca-cot'), [], 'jsonl');
    const prompts = exported.trim().split('\n').map((l) => JSON.parse(l) as { id: string; prompt: string });
    expect(prompts[0].prompt).toContain(problems[0].problem);
    const offline = prompts.map((p, i) => ({ request_id: `req-${i}`, prompt: p.prompt, outputs: [{ text: `The answer is ${problems[i].gold}.`, token_ids: [1, 2, 3, 4] }] }));
    const result = await importOutputs(db, textSource(toJsonl(offline)), { benchmarkId: benchmark.id, fileName: 'vllm.jsonl', format: 'auto' });
    expect(result.format).toBe('vllm-offline');
    expect(result.matchedBy.prompt).toBe(3);
    const results = await runResults(db, result.run.id);
    expect(results.map((r) => [r.problemIndex, r.verdict, r.tokens])).toEqual([
      [0, 'correct', 4],
      [1, 'correct', 4],
      [2, 'correct', 4],
    ]);
    expect(results[0].prompt).toBe(prompts[0].prompt);
  });

  it('reads vLLM batch choices as samples', async () => {
    const db = freshDatabase();
    const { benchmark, problems } = await loadGsm8k(db);
    const line = {
      id: 'batch-1',
      custom_id: '5',
      response: {
        status_code: 200,
        request_id: 'r',
        body: { choices: [0, 1, 2].map((i) => ({ index: i, message: { role: 'assistant', content: i === 1 ? 'The answer is 0.' : `The answer is ${problems[5].gold}.` }, finish_reason: 'stop' })) },
      },
      error: null,
    };
    const failed = { id: 'batch-2', custom_id: '6', response: null, error: { code: 'timeout' } };
    const result = await importOutputs(db, textSource(toJsonl([line, failed])), { benchmarkId: benchmark.id, fileName: 'batch_out.jsonl', format: 'auto' });
    expect(result.format).toBe('vllm-batch');
    expect(result.run.samplesPerProblem).toBe(3);
    expect(result.issues).toEqual([{ line: 2, error: expect.stringMatching(/request 6 failed: .*timeout/) }]);
    expect((await runResults(db, result.run.id)).map((r) => [r.sample, r.verdict, r.stopReason])).toEqual([
      [0, 'correct', 'stop'],
      [1, 'wrong', 'stop'],
      [2, 'correct', 'stop'],
    ]);
  });

  it('reads lm-evaluation-harness samples once per document', async () => {
    const db = freshDatabase();
    const { benchmark, problems } = await loadGsm8k(db);
    const sample = (docId: number, filter: string) => ({
      doc_id: docId,
      doc: { question: problems[docId].problem, answer: 'ignored' },
      target: problems[docId].gold,
      arguments: { gen_args_0: { arg_0: `Question: ${problems[docId].problem}\nAnswer:`, arg_1: {} } },
      resps: [[`Reasoning. The answer is ${problems[docId].gold}.`]],
      filtered_resps: [problems[docId].gold],
      filter,
      metrics: ['exact_match'],
      exact_match: 1,
    });
    const content = toJsonl([sample(0, 'strict-match'), sample(1, 'strict-match'), sample(0, 'flexible-extract'), sample(1, 'flexible-extract')]);
    const result = await importOutputs(db, textSource(content), { benchmarkId: benchmark.id, fileName: 'samples_gsm8k_2024.jsonl', format: 'auto' });
    expect(result.format).toBe('lm-eval');
    expect(result.matchedBy.problem).toBe(2);
    expect(result.issues.map((i) => [i.line, i.error])).toEqual([
      [3, 'same document as line 1 (logged once per filter); skipped'],
      [4, 'same document as line 2 (logged once per filter); skipped'],
    ]);
    expect((await runResults(db, result.run.id)).map((r) => r.verdict)).toEqual(['correct', 'correct']);
  });

  it('rejects unknown or unmatched files', async () => {
    const db = freshDatabase();
    const { benchmark } = await loadGsm8k(db);
    await expect(importOutputs(db, textSource('{"question": "q", "answer": "a"}\n'), { benchmarkId: benchmark.id, fileName: 'test.jsonl', format: 'auto' })).rejects.toThrow(
      /test\.jsonl: line 1 is not in a known output format \(its fields: question, answer\)/,
    );
    await expect(importOutputs(db, textSource(toJsonl([{ id: 'x', output: 'o' }])), { benchmarkId: benchmark.id, fileName: 'other.jsonl', format: 'generic' })).rejects.toThrow(
      /no output could be matched to a problem of "GSM8K test".*Check that you chose the benchmark/,
    );
    expect(await db.evalRuns.count()).toBe(0);
    expect(await db.evalResults.count()).toBe(0);
  });

  it('full disk keeps earlier runs', async () => {
    const db = freshDatabase();
    const { benchmark, problems } = await loadGsm8k(db);
    const outputs = problems.slice(0, 10).map((p) => ({ id: p.problemId, output: `The answer is ${p.gold}.` }));
    const earlier = await importOutputs(db, textSource(toJsonl(outputs.slice(0, 2))), { benchmarkId: benchmark.id, fileName: 'first.jsonl', format: 'auto' });
    let writes = 0;
    db.evalResults.hook('creating', () => {
      if (++writes > 4) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const attempt = importOutputs(db, textSource(toJsonl(outputs)), { benchmarkId: benchmark.id, fileName: 'second.jsonl', format: 'auto', batchSize: 3 });
    await expect(attempt).rejects.toThrow(StorageFullError);
    expect((await db.evalRuns.toArray()).map((r) => r.id)).toEqual([earlier.run.id]);
    expect(await runResults(db, earlier.run.id)).toHaveLength(2);
    expect(await db.evalResults.count()).toBe(2);
  });
});
