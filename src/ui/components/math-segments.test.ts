import { describe, expect, it } from 'vitest';
import { splitMath, splitMathLocated } from './math-segments.ts';

describe('splitMath', () => {
  it('finds display and inline math with every delimiter', () => {
    expect(splitMath('a $$x^2$$ b \\[y\\] c \\(z\\) d $w$ e')).toEqual([
      { kind: 'text', text: 'a ' },
      { kind: 'math', tex: 'x^2', display: true },
      { kind: 'text', text: ' b ' },
      { kind: 'math', tex: 'y', display: true },
      { kind: 'text', text: ' c ' },
      { kind: 'math', tex: 'z', display: false },
      { kind: 'text', text: ' d ' },
      { kind: 'math', tex: 'w', display: false },
      { kind: 'text', text: ' e' },
    ]);
  });

  it('keeps prices as text', () => {
    expect(splitMath('It costs $5 and $10 in total.')).toEqual([{ kind: 'text', text: 'It costs $5 and $10 in total.' }]);
    expect(splitMath('He paid $ 3 then $4.')).toEqual([{ kind: 'text', text: 'He paid $ 3 then $4.' }]);
  });

  it('treats an escaped dollar as text', () => {
    expect(splitMath('\\$5 and $x$')).toEqual([
      { kind: 'text', text: '$5 and ' },
      { kind: 'math', tex: 'x', display: false },
    ]);
  });

  it('leaves unclosed delimiters as text', () => {
    expect(splitMath('$$x + \\[y')).toEqual([{ kind: 'text', text: '$$x + \\[y' }]);
  });

  it('keeps markup as plain text', () => {
    expect(splitMath('<img src=x onerror=alert(1)> $\\frac12$')).toEqual([
      { kind: 'text', text: '<img src=x onerror=alert(1)> ' },
      { kind: 'math', tex: '\\frac12', display: false },
    ]);
  });
});

describe('splitMathLocated', () => {
  it('gives each segment its source range, delimiters included', () => {
    const text = 'a $x$ b \\[y\\] \\$5';
    const segments = splitMathLocated(text);
    expect(segments.map((s) => text.slice(s.start, s.end))).toEqual(['a ', '$x$', ' b ', '\\[y\\]', ' \\$5']);
    expect(segments[4]).toMatchObject({ kind: 'text', text: ' $5' });
  });
});
