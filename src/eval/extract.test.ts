import { describe, expect, it } from 'vitest';
import { extractAnswer, lastBoxed, lastNumber, type ExtractionRule } from './extract.ts';

const r = String.raw;

describe('lastBoxed', () => {
  it('returns the content of the last box with nested braces', () => {
    expect(lastBoxed(r`first \boxed{1} then \boxed{\frac{a}{b^{2}}} done`)).toBe(r`\frac{a}{b^{2}}`);
  });

  it('reads fbox and boxes without braces', () => {
    expect(lastBoxed(r`\fbox{7}`)).toBe('7');
    expect(lastBoxed(r`so \boxed 5.`)).toBe('5');
  });

  it('skips an unbalanced last box for the previous one', () => {
    expect(lastBoxed(r`\boxed{3} and later \boxed{4 + `)).toBe('3');
  });

  it('returns null without a box', () => {
    expect(lastBoxed('no box here')).toBeNull();
    expect(lastBoxed(r`\boxed{`)).toBeNull();
    expect(lastBoxed(r`\boxedfoo{3}`)).toBeNull();
  });

  it('ignores escaped braces when matching', () => {
    expect(lastBoxed(r`\boxed{\{1, 2\}}`)).toBe(r`\{1, 2\}`);
  });
});

describe('extractAnswer', () => {
  const table: [string, string | null, ExtractionRule][] = [
    [r`So the answer is $\boxed{\frac{1}{2}}$.`, r`\frac{1}{2}`, 'boxed'],
    [r`Thus \boxed 5.`, '5', 'boxed'],
    [r`The integers are \boxed{-2} and \boxed{1}.`, '-2, 1', 'boxed'],
    [r`We found \boxed{3} early. Much later the final value is \boxed{4}.`, '4', 'boxed'],
    [r`$\boxed{1}\boxed{2}$`, '1, 2', 'boxed'],
    ['Final Answer: The final answer is $28 \\%$. I hope it is correct.', r`28 \%`, 'final-answer'],
    ['Final Answer: The final answer is 12,000,023. I hope it is correct.', '12,000,023', 'final-answer'],
    ['Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct.', '120', 'final-answer'],
    ['Final Answer: The largest $n$ is 34.', '34', 'final-answer'],
    ['Final Answer: Jane started growing Sphere 3 hours ago. I hope it is correct. <|im_start|>user', '3', 'final-answer'],
    ['**Final Answer:** 42', '42', 'final-answer'],
    ['Final Answer:\n$(1, 2)$', '(1, 2)', 'final-answer'],
    ['Therefore, the final answer is 5.', '5', 'final-answer'],
    ['So the final answer should be 6.', '6', 'final-answer'],
    ['Final Answer: The values are $2$ and $3$.', '2, 3', 'final-answer'],
    ['The answer is $5$ when $x = 2$.', '5', 'the-answer-is'],
    [r`The answer is \$18.50 in total.`, r`\$18.50 in total`, 'the-answer-is'],
    ["Let's think step by step. 3 + 4 = 7. The answer is 7.", '7', 'the-answer-is'],
    ['The answer is: 18 dollars.\nMore text', '18 dollars', 'the-answer-is'],
    ['The answer is 3.5.', '3.5', 'the-answer-is'],
    [r`The answer is \(x = 4\).`, 'x = 4', 'the-answer-is'],
    ['THE ANSWER IS 12', '12', 'the-answer-is'],
    ['The answer is 9. Let me check whether the answer is correct by substituting back.', '9', 'the-answer-is'],
    ['Natalia sold 48/2 = 24 clips in May.\n#### 72', '72', 'hash'],
    ['#### 1,234\n', '1234', 'hash'],
    ['We get 12 apples and 7.5 pears', '7.5', 'last-number'],
    ['In total 1,250 people came.', '1250', 'last-number'],
    ['It costs -3 degrees', '-3', 'last-number'],
    ['no numbers here', null, 'none'],
    ['', null, 'none'],
    [r`\boxed{}`, null, 'none'],
  ];
  for (const [output, answer, rule] of table) {
    it(`${rule}: ${JSON.stringify(output.slice(0, 50))}`, () => {
      expect(extractAnswer(output)).toEqual({ answer, rule });
    });
  }

  it('prefers a box over phrases', () => {
    expect(extractAnswer(r`The answer is 5. Final check: \boxed{6}`)).toEqual({ answer: '6', rule: 'boxed' });
  });

  it('omits the last-number fallback when asked', () => {
    expect(extractAnswer('We get 12 apples', { fallbackLastNumber: false })).toEqual({ answer: null, rule: 'none' });
  });

  it('handles enormous outputs with the answer at the end', () => {
    const output = `${'x = y + 1 and more filler text. '.repeat(200_000)}The answer is 7.`;
    expect(extractAnswer(output)).toEqual({ answer: '7', rule: 'the-answer-is' });
  });

  it('handles enormous outputs full of unbalanced braces', () => {
    const output = `${r`\boxed{`.repeat(100_000)}The answer is 8.`;
    expect(extractAnswer(output)).toEqual({ answer: '8', rule: 'the-answer-is' });
  });

  it('returns no answer for non-string input', () => {
    expect(extractAnswer(undefined as unknown as string)).toEqual({ answer: null, rule: 'none' });
  });
});

describe('lastNumber', () => {
  it('drops thousands separators and keeps decimals and signs', () => {
    expect(lastNumber('from 3 to 1,000,000.5')).toBe('1000000.5');
    expect(lastNumber('down to -.5')).toBe('-.5');
    expect(lastNumber('nothing')).toBeNull();
  });
});
