import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDatabases, textSource } from '../../test/eval-fixtures.ts';
import { SHARED_DATA } from '../../test/cli.ts';
import { benchmarkProblems, BenchmarkShapeError, deleteBenchmark, loadBenchmark } from './benchmark-loader.ts';
import { gsm8kGold, parseLevel } from './benchmarks.ts';
import { StorageFullError } from './storage-errors.ts';

const freshDatabase = freshDatabases('loader-test');


function jsonl(rows: unknown[]): string {
  return rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
}

describe('loadBenchmark on the real files', () => {
  it('loads the GSM8K test split with #### golds', async () => {
    const db = freshDatabase();
    const { benchmark, issues } = await loadBenchmark(db, createReadStream(join(SHARED_DATA, 'gsm8k/test.jsonl')), { kind: 'gsm8k', name: 'GSM8K test', fileName: 'test.jsonl' });
    expect(issues).toEqual([]);
    expect(benchmark.problemCount).toBe(1319);
    expect(benchmark.status).toBe('ready');
    const problems = await benchmarkProblems(db, benchmark.id);
    expect(problems).toHaveLength(1319);
    expect(problems[0]).toMatchObject({ index: 0, problemId: '0', line: 1, gold: '18' });
    expect(problems[0].problem).toMatch(/^Janet’s ducks lay 16 eggs/);
    expect(problems.every((p) => /^-?[\d.]+$/.test(p.gold))).toBe(true);
  });

  it('loads MATH test with subjects, levels and boxed golds', async () => {
    const db = freshDatabase();
    const { benchmark } = await loadBenchmark(db, createReadStream(join(SHARED_DATA, 'math/test.jsonl')), { kind: 'math', name: 'MATH test', fileName: 'test.jsonl' });
    expect(benchmark.problemCount).toBe(5000);
    expect(benchmark.subjects).toEqual({
      Algebra: 1187,
      'Counting & Probability': 474,
      Geometry: 479,
      'Intermediate Algebra': 903,
      'Number Theory': 540,
      Prealgebra: 871,
      Precalculus: 546,
    });
    expect(Object.keys(benchmark.levels).sort()).toEqual(['1', '2', '3', '4', '5']);
    const problems = await benchmarkProblems(db, benchmark.id);
    expect(problems[0]).toMatchObject({ problemId: 'test/algebra/1.json', gold: '2', subject: 'Algebra', level: 3 });
    expect(problems[1].gold).toBe('\\frac{1}{2}');
  });

  it('loads MATH-500 with its answer field', async () => {
    const db = freshDatabase();
    const { benchmark } = await loadBenchmark(db, createReadStream(join(SHARED_DATA, 'math/math500_test.jsonl')), { kind: 'math500', name: 'MATH-500', fileName: 'math500_test.jsonl' });
    expect(benchmark.problemCount).toBe(500);
    const [first] = await benchmarkProblems(db, benchmark.id);
    expect(first).toMatchObject({ problemId: 'test/precalculus/807.json', gold: '\\left( 3, \\frac{\\pi}{2} \\right)', subject: 'Precalculus', level: 2 });
  });
});

describe('loadBenchmark on bad input', () => {
  it('reports bad lines, keeps good ones', async () => {
    const db = freshDatabase();
    const content = jsonl([
      { question: 'Q1', answer: 'x\n#### 5' },
      '{"question": "broken',
      { question: 'Q3', answer: 'no final line' },
      [1, 2],
      { question: 'Q5' },
      { question: 'Q6', answer: '#### 1,234' },
    ]);
    const { benchmark, issues, skippedLines } = await loadBenchmark(db, textSource(content), { kind: 'gsm8k', name: 'bad', fileName: 'bad.jsonl', batchSize: 1 });
    expect(benchmark.problemCount).toBe(2);
    expect(skippedLines).toBe(4);
    expect(issues.map((i) => i.line)).toEqual([2, 3, 4, 5]);
    expect(issues[0].error).toMatch(/invalid JSON/);
    expect(issues[1].error).toMatch(/"answer" has no "#### N" final answer/);
    expect(issues[2].error).toMatch(/expected a JSON object/);
    expect(issues[3].error).toMatch(/missing field "answer"/);
    const problems = await benchmarkProblems(db, benchmark.id);
    expect(problems.map((p) => [p.index, p.line, p.gold])).toEqual([
      [0, 1, '5'],
      [1, 6, '1234'],
    ]);
  });

  it('rejects wrong shape naming missing fields', async () => {
    const db = freshDatabase();
    const content = jsonl([{ problem: 'p', solution: 's \\boxed{1}', level: 'Level 1', type: 'Algebra' }]);
    const attempt = loadBenchmark(db, textSource(content), { kind: 'gsm8k', name: 'wrong', fileName: 'math.jsonl' });
    await expect(attempt).rejects.toThrow(BenchmarkShapeError);
    await expect(loadBenchmark(db, textSource(content), { kind: 'gsm8k', name: 'wrong', fileName: 'math.jsonl' })).rejects.toThrow(
      /math\.jsonl is not a GSM8K file: line 1 has no "question", "answer" \(expected fields: question, answer; found: problem, solution, level, type\)/,
    );
    expect(await db.benchmarks.count()).toBe(0);
    expect(await db.benchmarkProblems.count()).toBe(0);
  });

  it('rejects a file with no usable line', async () => {
    const db = freshDatabase();
    await expect(loadBenchmark(db, textSource('not json\n'), { kind: 'math', name: 'x', fileName: 'x.jsonl' })).rejects.toThrow(/no problem could be imported \(1 bad lines\).*line 1: invalid JSON/);
    await expect(loadBenchmark(db, textSource(''), { kind: 'math', name: 'x', fileName: 'empty.jsonl' })).rejects.toThrow(/The file is empty/);
  });

  it('reports unboxed solutions and duplicate ids', async () => {
    const db = freshDatabase();
    const content = jsonl([
      { problem: 'p1', solution: 'so \\boxed{\\frac{1}{2}}', unique_id: 'a' },
      { problem: 'p2', solution: 'no box here', unique_id: 'b' },
      { problem: 'p3', solution: 'unbalanced \\boxed{3', unique_id: 'c' },
      { problem: 'p4', solution: '\\boxed{4}', unique_id: 'a' },
    ]);
    const { benchmark, issues } = await loadBenchmark(db, textSource(content), { kind: 'math', name: 'm', fileName: 'm.jsonl' });
    expect(benchmark.problemCount).toBe(1);
    expect(issues.map((i) => [i.line, i.error])).toEqual([
      [2, '"solution" has no \\boxed{…} answer (or its braces are unbalanced)'],
      [3, '"solution" has no \\boxed{…} answer (or its braces are unbalanced)'],
      [4, 'duplicate id "a" (first on line 1)'],
    ]);
  });

  it('reads a custom JSONL through a field mapping', async () => {
    const db = freshDatabase();
    const content = jsonl([
      { q: 'What is 2+2?', a: 'four is \\boxed{4}', topic: 'Arithmetic', difficulty: 'Level 1', key: 'k1' },
      { q: 'What is 3+3?', a: '\\boxed{6}', topic: 'Arithmetic', difficulty: 2, key: 'k2' },
    ]);
    const mapping = { problem: 'q', answer: 'a', goldFormat: 'boxed' as const, id: 'key', subject: 'topic', level: 'difficulty' };
    const { benchmark } = await loadBenchmark(db, textSource(content), { kind: 'custom', name: 'c', fileName: 'c.jsonl', mapping });
    expect(benchmark.mapping).toEqual(mapping);
    const problems = await benchmarkProblems(db, benchmark.id);
    expect(problems.map((p) => [p.problemId, p.gold, p.subject, p.level])).toEqual([
      ['k1', '4', 'Arithmetic', 1],
      ['k2', '6', 'Arithmetic', 2],
    ]);
    await expect(loadBenchmark(db, textSource(content), { kind: 'custom', name: 'c', fileName: 'c.jsonl', mapping: { ...mapping, answer: 'solution' } })).rejects.toThrow(
      /not a Custom JSONL file: line 1 has no "solution".*Choose the field names/,
    );
  });

  it('full disk removes only the partial benchmark', async () => {
    const db = freshDatabase();
    const earlier = await loadBenchmark(db, textSource(jsonl([{ question: 'kept', answer: '#### 1' }])), { kind: 'gsm8k', name: 'earlier', fileName: 'a.jsonl' });
    let writes = 0;
    db.benchmarkProblems.hook('creating', () => {
      if (++writes > 3) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const rows = Array.from({ length: 10 }, (_, i) => ({ question: `Q${i}`, answer: `#### ${i}` }));
    const attempt = loadBenchmark(db, textSource(jsonl(rows)), { kind: 'gsm8k', name: 'big', fileName: 'big.jsonl', batchSize: 2 });
    await expect(attempt).rejects.toThrow(StorageFullError);
    await expect(loadBenchmark(db, textSource(jsonl(rows)), { kind: 'gsm8k', name: 'big', fileName: 'big.jsonl', batchSize: 2 })).rejects.toThrow(
      /Browser storage is full \(IndexedDB quota exceeded\) while loading big\.jsonl at line \d+\. The benchmark was not loaded; everything stored before is unchanged/,
    );
    expect((await db.benchmarks.toArray()).map((b) => b.name)).toEqual(['earlier']);
    expect(await benchmarkProblems(db, earlier.benchmark.id)).toHaveLength(1);
    expect(await db.benchmarkProblems.count()).toBe(1);
  });

  it('deleteBenchmark removes its problems and runs', async () => {
    const db = freshDatabase();
    const { benchmark } = await loadBenchmark(db, textSource(jsonl([{ question: 'q', answer: '#### 1' }])), { kind: 'gsm8k', name: 'b', fileName: 'b.jsonl' });
    await db.evalRuns.add({ id: 'run1', benchmarkId: benchmark.id } as never);
    await db.evalResults.add({ runId: 'run1', problemIndex: 0, sample: 0, verdict: 'correct' } as never);
    await deleteBenchmark(db, benchmark.id);
    expect(await db.benchmarks.count()).toBe(0);
    expect(await db.benchmarkProblems.count()).toBe(0);
    expect(await db.evalRuns.count()).toBe(0);
    expect(await db.evalResults.count()).toBe(0);
  });
});

describe('benchmark field readers', () => {
  it('reads GSM8K golds and levels', () => {
    expect(gsm8kGold('a\n#### 72')).toBe('72');
    expect(gsm8kGold('#### 1,000,000')).toBe('1000000');
    expect(gsm8kGold('#### -3.5')).toBe('-3.5');
    expect(gsm8kGold('no marker')).toBeNull();
    expect(gsm8kGold('####   ')).toBeNull();
    expect(parseLevel('Level 3')).toBe(3);
    expect(parseLevel(4)).toBe(4);
    expect(parseLevel('Level ?')).toBeUndefined();
  });
});
