import { describe, expect, it } from 'vitest';
import { generateEvents, generateProblems, generateTestSet, isTestProblem } from './generate.ts';
import { evaluate, ProgramBuilder } from './program.ts';
import { Rng } from '../util/random.ts';
import { checkArithmetic, evaluateExpression, verifyProcedural, verifyText } from './verify.ts';
import { formatRational, rat } from './rational.ts';

const ALL = ['plain', 'backward', 'evol', 'selfcorrect'] as const;

describe('generateProblems', () => {
  it('is deterministic from the seed', () => {
    const a = [...generateProblems({ stage: 'normal', methods: ALL, count: 200, seed: 7 })];
    const b = [...generateProblems({ stage: 'normal', methods: ALL, count: 200, seed: 7 })];
    const c = [...generateProblems({ stage: 'normal', methods: ALL, count: 200, seed: 8 })];
    expect(b).toEqual(a);
    expect(c.map((i) => i.problem)).not.toEqual(a.map((i) => i.problem));
  });

  it('resumes at an index with the same items', () => {
    const whole = [...generateEvents({ stage: 'hard', methods: ALL, count: 100, seed: 3 })];
    const tail = [...generateEvents({ stage: 'hard', methods: ALL, count: 60, seed: 3, start: 40 })];
    expect(tail).toEqual(whole.slice(40));
  });

  it('shares methods equally and records stage and difficulty', () => {
    const items = [...generateProblems({ stage: 'hard', methods: ALL, count: 400, seed: 1 })];
    for (const method of ALL) expect(items.filter((i) => i.method === method)).toHaveLength(100);
    expect(items.every((i) => i.stage === 'hard')).toBe(true);
    expect(Math.min(...items.map((i) => i.difficulty))).toBeGreaterThanOrEqual(3);
    const normal = [...generateProblems({ stage: 'normal', methods: ['plain'], count: 200, seed: 1 })];
    expect(Math.max(...normal.map((i) => i.difficulty))).toBeLessThanOrEqual(3);
    const fixed = [...generateProblems({ stage: 'normal', methods: ['plain'], count: 50, seed: 1, difficulty: 2 })];
    expect(new Set(fixed.map((i) => i.difficulty))).toEqual(new Set([2]));
  });

  it('hard problems take more steps than normal ones', () => {
    const steps = (stage: 'normal' | 'hard') =>
      [...generateProblems({ stage, methods: ['plain'], count: 500, seed: 5 })].reduce((sum, i) => sum + (i.meta!.steps as number), 0) / 500;
    expect(steps('hard')).toBeGreaterThan(steps('normal'));
  });

  it('keeps the test split disjoint from training data', () => {
    const test = generateTestSet({ stage: 'normal', methods: ALL, count: 300, seed: 7 });
    const train = [...generateProblems({ stage: 'normal', methods: ALL, count: 3000, seed: 7 })];
    expect(test.every((i) => isTestProblem(i.hash))).toBe(true);
    expect(train.some((i) => isTestProblem(i.hash))).toBe(false);
    const trainHashes = new Set(train.map((i) => i.hash));
    expect(test.filter((i) => trainHashes.has(i.hash))).toEqual([]);
    expect(test[0].id.startsWith('t')).toBe(true);
  });

  it('test set holds each problem once', () => {
    // Level-1 arithmetic has few distinct problems, so plain draws repeat; the test set skips repeats.
    const options = { stage: 'normal' as const, methods: ['plain'] as const, families: ['arithmetic' as const], difficulty: 1, count: 200, seed: 3 };
    const test = generateTestSet({ ...options, methods: [...options.methods], families: [...options.families] });
    expect(new Set(test.map((i) => i.hash)).size).toBe(test.length);
    expect(test.length).toBeGreaterThan(100);
  });

  it('rejects invalid options with the field name', () => {
    expect(() => [...generateProblems({ stage: 'normal', methods: [], count: 1, seed: 1 })]).toThrow(/methods/);
    expect(() => [...generateProblems({ stage: 'normal', methods: ['plain'], families: ['topology' as never], count: 1, seed: 1 })]).toThrow(/unknown problem family "topology"/);
    expect(() => [...generateProblems({ stage: 'normal', methods: ['plain'], count: 1, seed: 1, difficulty: 9 })]).toThrow(/difficulty/);
  });

  it('writes signs and hidden coefficients plainly', () => {
    const items = [...generateProblems({ stage: 'normal', methods: ['plain', 'backward'], families: ['linear'], count: 2000, seed: 1 })];
    const texts = items.map((item) => item.problem);
    expect(texts.filter((t) => /[+-] -\d/.test(t))).toEqual([]);
    expect(texts.filter((t) => /\bX[a-z]\b/.test(t))).toEqual([]);
    expect(texts.some((t) => / - \d/.test(t))).toBe(true);
    expect(texts.some((t) => /X·x/.test(t))).toBe(true);
  });

  it('writes solutions a small model can imitate', () => {
    const [item] = [...generateProblems({ stage: 'normal', methods: ['plain'], families: ['arithmetic'], count: 1, seed: 2 })];
    const lines = item.solution.split('\n');
    expect(lines.at(-1)).toBe(`The answer is ${item.answer}`);
    expect(lines.slice(0, -1).every((l) => / = -?\d+(\/\d+)?\.$/.test(l) || /so .* is -?\d+/.test(l))).toBe(true);
  });
});

describe('verification', () => {
  it('evaluates arithmetic with precedence, parentheses and fractions', () => {
    expect(formatRational(evaluateExpression('2 + 3 * 4')!)).toBe('14');
    expect(formatRational(evaluateExpression('(1/2) * (-3)')!)).toBe('-3/2');
    expect(formatRational(evaluateExpression('6 / (1/4)')!)).toBe('24');
    expect(evaluateExpression('2 +')).toBeNull();
    expect(evaluateExpression('gcd(4, 6)')).toBeNull();
  });

  it('finds a wrong equality and skips prose', () => {
    const check = checkArithmetic('The total is 16 - 7 = 9.\nThen it is 9 * 2 = 19.\nX is 22, which matches gcd(4, 6) = 2.');
    expect(check.checked).toBe(2);
    expect(check.errors).toEqual([{ line: 2, left: '9 * 2', right: '19' }]);
  });

  it('rejects a corrupted answer, final line or step', () => {
    const [item] = [...generateProblems({ stage: 'normal', methods: ['plain'], families: ['geometry'], count: 1, seed: 4 })];
    expect(verifyText(item.solution, item.answer)).toMatchObject({ ok: true });
    expect(verifyText(item.solution, `${item.answer}1`)).toMatchObject({ ok: false, reason: expect.stringMatching(/ends with/) });
    expect(verifyText(item.solution.replace(/The answer is .*$/, ''), item.answer)).toMatchObject({ ok: false });
    const broken = item.solution.replace(/= (\d+)\./, (_m, n) => `= ${Number(n) + 1}.`);
    expect(verifyText(broken, item.answer)).toMatchObject({ ok: false, reason: expect.stringMatching(/arithmetic error on solution line 1/) });
  });

  it('recomputes the program instead of trusting the text', () => {
    const b = new ProgramBuilder('arithmetic', new Rng(1), 1);
    const x = b.given(5);
    const y = b.given(3);
    const s = b.step('add', [x, y], 'the sum');
    const program = b.build({ context: `${x} and ${y}.`, question: 'Sum?', answer: s, answerKind: 'count', answerNoun: 'things' });
    expect(evaluate(program).get('s3')).toEqual(rat(8));
    const ok = verifyProcedural({ program, solution: 'The sum is 5 + 3 = 8.\nThe answer is 8', answer: '8', expected: rat(8), allowedSlips: 0 });
    expect(ok).toMatchObject({ ok: true });
    const wrong = verifyProcedural({ program, solution: 'The sum is 5 + 4 = 9.\nThe answer is 9', answer: '9', expected: rat(9), allowedSlips: 0 });
    expect(wrong).toMatchObject({ ok: false, reason: expect.stringMatching(/computes 8/) });
  });
});
