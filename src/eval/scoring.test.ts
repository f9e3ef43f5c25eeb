import { describe, expect, it } from 'vitest';
import { lengthStatistics, majorityVote, passAtK, summarizeScores, wilsonInterval, type GradedSample } from './scoring.ts';

/** pass@k by direct enumeration: the share of k-subsets of the n samples that contain a correct one. */
function passAtKByEnumeration(n: number, c: number, k: number): number {
  let hit = 0;
  let all = 0;
  const visit = (start: number, chosen: number[]) => {
    if (chosen.length === k) {
      all++;
      if (chosen.some((index) => index < c)) hit++;
      return;
    }
    for (let i = start; i < n; i++) visit(i + 1, [...chosen, i]);
  };
  visit(0, []);
  return hit / all;
}

describe('wilsonInterval', () => {
  it('matches the closed form for 80 of 100', () => {
    // p = 0.8, n = 100, z = 1.96: center 0.7865, half-width 0.0797 (Wilson 1927 formula).
    const { low, high } = wilsonInterval(80, 100);
    expect(low).toBeCloseTo(0.7112, 4);
    expect(high).toBeCloseTo(0.8666, 4);
  });

  it('stays inside [0, 1] at the extremes', () => {
    const none = wilsonInterval(0, 10);
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
    const all = wilsonInterval(10, 10);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.7225, 4);
  });

  it('returns [0, 1] without trials and narrows as n grows', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
    const small = wilsonInterval(5, 10);
    const large = wilsonInterval(500, 1000);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(5, 3)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 3)).toThrow(/0 ≤ correct ≤ total/);
    expect(() => wilsonInterval(1.5, 3)).toThrow(RangeError);
  });
});

describe('passAtK', () => {
  it('equals enumeration over all k-subsets', () => {
    for (const [n, c, k] of [[5, 2, 1], [5, 2, 2], [6, 1, 3], [7, 3, 4], [4, 0, 2], [4, 4, 1]]) {
      expect(passAtK(n, c, k), `n=${n} c=${c} k=${k}`).toBeCloseTo(passAtKByEnumeration(n, c, k), 12);
    }
  });

  it('is c/n for k = 1 and 1 when every k-subset must hit', () => {
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
    expect(passAtK(10, 8, 3)).toBe(1);
  });

  it('stays finite for large n', () => {
    const value = passAtK(1000, 10, 100);
    expect(value).toBeGreaterThan(0.65);
    expect(value).toBeLessThan(0.66);
  });

  it('rejects invalid arguments', () => {
    expect(() => passAtK(5, 6, 1)).toThrow(RangeError);
    expect(() => passAtK(5, 2, 0)).toThrow(/1 ≤ k ≤ n/);
    expect(() => passAtK(5, 2, 6)).toThrow(RangeError);
  });
});

describe('majorityVote', () => {
  it('groups equivalent answers written differently', () => {
    const vote = majorityVote([String.raw`\frac{1}{2}`, '3', '0.5', String.raw`\dfrac12`, '3']);
    expect(vote).toEqual({ answer: String.raw`\frac{1}{2}`, votes: 3, index: 0 });
  });

  it('ignores null answers and breaks ties by first appearance', () => {
    expect(majorityVote([null, '4', '5', null, '5', '4'])).toEqual({ answer: '4', votes: 2, index: 1 });
  });

  it('returns no answer when nothing was extracted', () => {
    expect(majorityVote([null, null])).toEqual({ answer: null, votes: 0, index: -1 });
    expect(majorityVote([])).toEqual({ answer: null, votes: 0, index: -1 });
  });

  it('accepts a custom equivalence', () => {
    const vote = majorityVote(['a', 'A', 'b'], (x, y) => x.toLowerCase() === y.toLowerCase());
    expect(vote).toEqual({ answer: 'a', votes: 2, index: 0 });
  });
});

describe('lengthStatistics', () => {
  it('reports mean, median, p90, min and max', () => {
    expect(lengthStatistics([10, 1, 4, 3, 2, 5, 6, 7, 8, 9])).toEqual({ count: 10, mean: 5.5, median: 5.5, p90: 9, min: 1, max: 10 });
    expect(lengthStatistics([3]).median).toBe(3);
    expect(lengthStatistics([]).count).toBe(0);
  });
});

describe('summarizeScores', () => {
  const sample = (problemId: string, answer: string | null, correct: boolean, extra: Partial<GradedSample> = {}): GradedSample => ({ problemId, answer, correct, ...extra });

  it('scores first samples with breakdowns by subject and level', () => {
    const summary = summarizeScores([
      sample('a', '1', true, { subject: 'Algebra', level: 'Level 1', outputChars: 100 }),
      sample('b', null, false, { subject: 'Algebra', level: 2, outputChars: 300 }),
      sample('c', '7', true, { subject: 'Geometry', level: 'Level 2', outputChars: 200, outputTokens: 50 }),
    ]);
    expect(summary.problems).toBe(3);
    expect(summary.accuracy.correct).toBe(2);
    expect(summary.accuracy.accuracy).toBeCloseTo(2 / 3, 12);
    expect(summary.unanswered).toBe(1);
    expect(summary.bySubject.Algebra).toMatchObject({ correct: 1, total: 2 });
    expect(summary.bySubject.Geometry).toMatchObject({ correct: 1, total: 1 });
    expect(summary.byLevel['Level 2']).toMatchObject({ correct: 1, total: 2 });
    expect(summary.outputChars).toMatchObject({ count: 3, mean: 200, median: 200 });
    expect(summary.outputTokens?.count).toBe(1);
    expect(summary.multiSample).toBeUndefined();
  });

  it('computes pass@k and maj@k with several samples per problem', () => {
    const samples = [
      // Problem p: the majority (0.5 ≡ 1/2) is right although the first sample is wrong.
      sample('p', '3', false),
      sample('p', '0.5', true),
      sample('p', String.raw`\frac12`, true),
      sample('p', '4', false),
      // Problem q: one right answer, outvoted.
      sample('q', '9', true),
      sample('q', '8', false),
      sample('q', '8', false),
      sample('q', '8', false),
    ];
    const summary = summarizeScores(samples);
    expect(summary.accuracy.correct).toBe(1);
    expect(summary.multiSample?.samplesPerProblem).toBe(4);
    expect(Object.keys(summary.multiSample!.passAtK)).toEqual(['1', '2', '4']);
    expect(summary.multiSample!.passAtK[1]).toBeCloseTo((0.5 + 0.25) / 2, 12);
    expect(summary.multiSample!.passAtK[4]).toBe(1);
    expect(summary.multiSample!.majorityAtK[4]).toMatchObject({ correct: 1, total: 2 });
    expect(summary.multiSample!.majorityAtK[1]).toMatchObject({ correct: 1, total: 2 });
  });
});
