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

describe('gradeAnswer on pathological input', () => {
  const r = String.raw;
  const cases: [string, string, string][] = [
    ['deep parentheses', '2', `${'('.repeat(500)}2${')'.repeat(500)}`],
    ['deeply nested fractions', '1', `${r`\frac{`.repeat(200)}1${'}{1}'.repeat(200)}`],
    ['tower of powers', '5', r`10^{10^{10^{10}}}`],
    ['huge exponent with variables', 'x', r`x^{10^{12}}`],
    ['huge factorial', '5', '999999999!'],
    ['huge binomial', '5', r`\binom{10^{9}}{5}`],
    ['5000-digit product', '1', `${'9'.repeat(5000)} \\cdot ${'7'.repeat(5000)}`],
    ['many plus-minus signs', '1', r`1 \pm 2 \pm 3 \pm 4 \pm 5 \pm 6`],
    ['unbalanced braces', r`\frac{1}{2}`, r`\frac{1}{2}}}}{{{`],
    ['only delimiters', '5', '$$$$'],
    ['long list', Array.from({ length: 700 }, (_, i) => `x+${i}`).join(', '), Array.from({ length: 700 }, (_, i) => `x+${699 - i}`).join(', ')],
    ['runaway output', '5', 'x + '.repeat(10_000)],
    ['sum the engine could loop on', '5', r`\sum_{k=1}^{10^{8}} k`],
    ['control characters', '5', '\u0000\u0001\u0002'],
  ];
  for (const [name, gold, pred] of cases) {
    it(`returns a verdict for ${name}`, () => {
      const verdict = gradeAnswer(gold, pred, { timeLimitMs: 2000 });
      expect(typeof verdict.equivalent).toBe('boolean');
      expect(['string', 'numeric', 'symbolic', 'structure', 'unparsed', 'timeout']).toContain(verdict.method);
      if (verdict.method === 'unparsed' || verdict.method === 'timeout') expect(verdict.equivalent).toBe(false);
    });
  }

  it('still decides equal huge values written the same way', () => {
    expect(gradeAnswer(r`10^{10^{10}}`, r`10^{10^{10}}`).equivalent).toBe(true);
    expect(gradeAnswer('9'.repeat(5000), `${'9'.repeat(5000)}.0`).equivalent).toBe(true);
  });
});

describe('normalizeAnswer', () => {
  const r = String.raw;
  it('maps notation variants to one string', () => {
    expect(normalizeAnswer(r`\left( \dfrac{1}{2}, 3 \right)`)).toBe(r`(\frac{1}{2},3)`);
    expect(normalizeAnswer(r`\$10,\!000.50`)).toBe('10000.5');
    expect(normalizeAnswer(r`45^{\circ}`)).toBe('45');
    expect(normalizeAnswer(r`5\text{ cm}^2`)).toBe('5');
    expect(normalizeAnswer(r`\text{Evelyn}`)).toBe(r`\text{evelyn}`);
    expect(normalizeAnswer(r`\frac12 + \sqrt3`)).toBe(r`\frac{1}{2}+\sqrt{3}`);
    expect(normalizeAnswer(r`2 \sin x`)).toBe(r`2\sin x`);
    expect(normalizeAnswer(r`\text{(C)}`)).toBe('C');
    expect(normalizeAnswer(r`x \in [1, 2)`)).toBe('[1,2)');
  });

  it('is idempotent on MATH-style answers', () => {
    for (const answer of [r`\left( \frac{1}{2}, 3 \right)`, r`12\text{ and }13`, r`\$1,\!000`, r`\begin{pmatrix} 1 \\ 2 \end{pmatrix}`, r`x \ge 5`, r`9\text{ a.m.}`]) {
      const once = normalizeAnswer(answer);
      expect(normalizeAnswer(once), answer).toBe(once);
    }
  });
});

describe('gradeAnswer options', () => {
  it('compares lists in order when the question asks for an order', () => {
    expect(gradeAnswer('1, 2, 3', '3, 2, 1').equivalent).toBe(true);
    expect(gradeAnswer('1, 2, 3', '3, 2, 1', { orderedLists: true }).equivalent).toBe(false);
    expect(gradeAnswer('1, 2, 3', '3, 2, 1', { question: 'List the roots in increasing order.' }).equivalent).toBe(false);
    expect(gradeAnswer('1, 2, 3', '3, 2, 1', { question: 'Enter all the solutions, separated by commas.' }).equivalent).toBe(true);
  });

  it('applies the relative tolerance to irrational values only', () => {
    expect(gradeAnswer(String.raw`\sqrt{2}`, '1.4142', { relTol: 1e-4 }).equivalent).toBe(true);
    expect(gradeAnswer(String.raw`\sqrt{2}`, '1.4142').equivalent).toBe(false);
    expect(gradeAnswer('16386.17', '16386.169', { relTol: 1e-3 }).equivalent).toBe(false);
  });

  it('sorts long lists of numbers instead of matching every pair', () => {
    const list = Array.from({ length: 700 }, (_, i) => i).join(', ');
    const reversed = Array.from({ length: 700 }, (_, i) => 699 - i).join(', ');
    expect(gradeAnswer(list, reversed)).toEqual({ equivalent: true, method: 'structure' });
    expect(gradeAnswer(list, reversed.replace('699', '700')).equivalent).toBe(false);
  });

  it('reports a timeout when the limit is too short to decide', () => {
    const list = Array.from({ length: 600 }, (_, i) => `x+${i}`).join(', ');
    const reversed = Array.from({ length: 600 }, (_, i) => `x+${599 - i}`).join(', ');
    const verdict = gradeAnswer(list, reversed, { timeLimitMs: 1 });
    expect(verdict).toMatchObject({ equivalent: false, method: 'timeout' });
  });
});
