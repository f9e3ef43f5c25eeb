import { describe, expect, it } from 'vitest';
import { GRADE_CASES } from './equivalence-cases.ts';
import { gradeAnswer, normalizeAnswer } from './equivalence.ts';

describe('gradeAnswer case table', () => {
  it('has at least 200 cases with both verdicts in every category', () => {
    expect(GRADE_CASES.length).toBeGreaterThanOrEqual(200);
    const verdicts = new Map<string, Set<boolean>>();
    for (const c of GRADE_CASES) verdicts.set(c.category, (verdicts.get(c.category) ?? new Set()).add(c.equivalent));
    const oneSided = [...verdicts].filter(([category, seen]) => seen.size < 2 && !/identical|missing/.test(category)).map(([category]) => category);
    expect(oneSided).toEqual([]);
  });

  it('agrees with every expected verdict', () => {
    const wrong = GRADE_CASES.map((c) => ({ ...c, verdict: gradeAnswer(c.gold, c.pred) }))
      .filter((c) => c.verdict.equivalent !== c.equivalent)
      .map((c) => `[${c.category}] gold ${JSON.stringify(c.gold)} pred ${JSON.stringify(c.pred)}: expected ${c.equivalent}, got ${JSON.stringify(c.verdict)}`);
    expect(wrong).toEqual([]);
  });
});
