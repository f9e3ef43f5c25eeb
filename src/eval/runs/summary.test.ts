import { describe, expect, it } from 'vitest';
import type { EvalResultRecord, Verdict } from '../../db/eval.ts';
import { summarizeResults, toGradedSamples } from './summary.ts';

function result(problemIndex: number, sample: number, verdict: Verdict, extracted: string | null, tokens = 10): EvalResultRecord {
  return {
    runId: 'r',
    problemIndex,
    sample,
    problemId: `p${problemIndex}`,
    subject: problemIndex % 2 ? 'Algebra' : 'Geometry',
    level: 1 + (problemIndex % 3),
    prompt: '',
    output: 'x'.repeat(100 + problemIndex),
    extracted,
    rule: 'boxed',
    gold: '1',
    verdict,
    method: 'string',
    tokens,
    ms: 0,
    stopReason: 'eos',
    finishedAt: 0,
  };
}

describe('run summary', () => {
  it('takes top-1 from the first sample whatever the order', () => {
    const results = [result(0, 1, 'correct', '1'), result(0, 0, 'wrong', '2'), result(1, 0, 'correct', '1'), result(1, 1, 'wrong', '3')];
    const samples = toGradedSamples(results);
    expect(samples.map((s) => [s.problemId, s.correct])).toEqual([
      ['p0', false],
      ['p0', true],
      ['p1', true],
      ['p1', false],
    ]);
    const summary = summarizeResults(results);
    expect(summary.accuracy).toMatchObject({ correct: 1, total: 2 });
    expect(summary.multiSample?.samplesPerProblem).toBe(2);
    expect(summary.multiSample?.passAtK[2]).toBe(1);
    expect(Object.keys(summary.bySubject)).toEqual(['Algebra', 'Geometry']);
    expect(summary.byLevel['Level 1']).toMatchObject({ correct: 0, total: 1 });
  });

  it('reports token lengths only when every result has them', () => {
    const all = summarizeResults([result(0, 0, 'correct', '1', 5), result(1, 0, 'unparsed', null, 7)]);
    expect(all.outputTokens).toMatchObject({ count: 2, max: 7 });
    expect(all.outputChars).toMatchObject({ count: 2, max: 101 });
    expect(all.unanswered).toBe(1);
    const partial = summarizeResults([result(0, 0, 'correct', '1', 5), result(1, 0, 'correct', '1', 0)]);
    expect(partial.outputTokens).toBeUndefined();
  });
});
