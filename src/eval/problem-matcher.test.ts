import { describe, expect, it } from 'vitest';
import type { BenchmarkProblemRecord } from '../db/eval.ts';
import { ProblemMatcher } from './problem-matcher.ts';

function problem(index: number, text: string, problemId = String(index)): BenchmarkProblemRecord {
  return { benchmarkId: 'b', index, problemId, line: index + 1, problem: text, gold: '1' };
}

const LONG_A = 'A train leaves the station at noon travelling at sixty miles per hour toward the city.';
const LONG_B = 'Janet has three boxes of pencils with twelve pencils in each box. How many pencils in total?';
const SHORT = 'Compute $7 \\cdot 6$.';
const problems = [problem(0, LONG_A, 'test/a/1.json'), problem(1, LONG_B), problem(2, SHORT)];

describe('ProblemMatcher', () => {
  const matcher = new ProblemMatcher(problems);

  it('matches by id first', () => {
    expect(matcher.match({ ids: ['test/a/1.json'], texts: [LONG_B] })).toMatchObject({ problem: { index: 0 }, by: 'id' });
  });

  it('matches problem text with whitespace differences', () => {
    const rewrapped = LONG_B.replace(/ /g, '\n  ');
    expect(matcher.match({ ids: ['unknown'], texts: [rewrapped] })).toMatchObject({ problem: { index: 1 }, by: 'problem' });
  });

  it('finds the last problem inside a few-shot prompt', () => {
    const prompt = `Question: ${LONG_A}\nAnswer: 42\n\nQuestion: ${LONG_B}\nAnswer:`;
    expect(matcher.match({ ids: [], texts: [], prompt })).toMatchObject({ problem: { index: 1 }, by: 'prompt' });
  });

  it('finds a short problem inside a prompt', () => {
    const prompt = `### Instruction:\n${SHORT}\n\n### Response: Let's think step by step.`;
    expect(matcher.match({ ids: [], texts: [], prompt })).toMatchObject({ problem: { index: 2 } });
  });

  it('prefers a long problem that contains a short one at its end', () => {
    const containing = [problem(0, `Answer the question. ${SHORT}`), problem(1, SHORT)];
    const m = new ProblemMatcher(containing);
    expect(m.match({ ids: [], texts: [], prompt: `Q: Answer the question. ${SHORT}\nA:` })?.problem.index).toBe(0);
  });

  it('returns null when nothing matches', () => {
    expect(matcher.match({ ids: ['x'], texts: ['nothing like it'], prompt: 'an unrelated prompt that is long enough to scan' })).toBeNull();
  });
});
