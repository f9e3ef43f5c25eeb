import { describe, expect, it } from 'vitest';
import type { BenchmarkProblemRecord, EvalResultRecord, Verdict } from '../../../db/eval.ts';
import { buildRows, facets, filterRows, NO_FILTER } from './inspect-rows.ts';

function result(problemIndex: number, sample: number, verdict: Verdict, output: string, extra: Partial<EvalResultRecord> = {}): EvalResultRecord {
  return {
    runId: 'r',
    problemIndex,
    sample,
    problemId: `p${problemIndex}`,
    prompt: '',
    output,
    extracted: verdict === 'unparsed' ? null : '7',
    rule: 'the answer is',
    gold: '7',
    verdict,
    method: 'string',
    tokens: 0,
    ms: 0,
    stopReason: 'eos',
    finishedAt: 0,
    ...extra,
  };
}

const problems = new Map<number, BenchmarkProblemRecord>([
  [0, { benchmarkId: 'b', index: 0, problemId: 'p0', line: 1, problem: 'Find the Area of a circle', gold: '7' }],
  [1, { benchmarkId: 'b', index: 1, problemId: 'p1', line: 2, problem: 'Count the apples', gold: '7' }],
]);

const results = [
  result(1, 1, 'correct', 'second sample', { subject: 'Algebra', level: 2 }),
  result(1, 0, 'wrong', 'first sample <b>bold</b>', { subject: 'Algebra', level: 2 }),
  result(0, 0, 'correct', 'radius squared', { subject: 'Geometry', level: 5 }),
  result(2, 0, 'unparsed', 'I do not know', { subject: 'Algebra', level: 5 }),
];

describe('Inspect rows', () => {
  const rows = buildRows(results, problems);

  it('groups samples per problem in order', () => {
    expect(rows.map((r) => r.problemIndex)).toEqual([0, 1, 2]);
    expect(rows[1].samples.map((s) => s.sample)).toEqual([0, 1]);
    expect(rows[1].first.verdict).toBe('wrong');
    expect(rows[1].correctSamples).toBe(1);
    expect(rows[2].problem).toBe('');
  });

  it('filters by verdict, subject, level and text', () => {
    expect(filterRows(rows, NO_FILTER)).toHaveLength(3);
    expect(filterRows(rows, { ...NO_FILTER, verdict: 'wrong' }).map((r) => r.problemIndex)).toEqual([1]);
    expect(filterRows(rows, { ...NO_FILTER, verdict: 'unparsed' }).map((r) => r.problemIndex)).toEqual([2]);
    expect(filterRows(rows, { ...NO_FILTER, subject: 'Algebra' }).map((r) => r.problemIndex)).toEqual([1, 2]);
    expect(filterRows(rows, { ...NO_FILTER, level: 5 }).map((r) => r.problemIndex)).toEqual([0, 2]);
    expect(filterRows(rows, { ...NO_FILTER, search: 'AREA' }).map((r) => r.problemIndex)).toEqual([0]);
    expect(filterRows(rows, { ...NO_FILTER, search: 'second sample' }).map((r) => r.problemIndex)).toEqual([1]);
    expect(filterRows(rows, { ...NO_FILTER, subject: 'Algebra', level: 5, verdict: 'correct' })).toEqual([]);
  });

  it('lists the subjects and levels present', () => {
    expect(facets(rows)).toEqual({ subjects: ['Algebra', 'Geometry'], levels: [2, 5] });
  });
});
