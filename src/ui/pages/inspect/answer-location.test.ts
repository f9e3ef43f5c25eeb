import { describe, expect, it } from 'vitest';
import { locateAnswer } from './answer-location.ts';

describe('locateAnswer', () => {
  it('marks the last boxed answer with nested braces', () => {
    const output = 'First \\boxed{1}, then $\\boxed{\\frac{1}{2}}$.';
    const range = locateAnswer(output, '\\frac{1}{2}', 'boxed');
    expect(output.slice(range!.start, range!.end)).toBe('\\boxed{\\frac{1}{2}}');
  });

  it('marks \\fbox when it comes last', () => {
    const output = '\\boxed{1} and \\fbox{3}';
    const range = locateAnswer(output, '3', 'fbox');
    expect(output.slice(range!.start, range!.end)).toBe('\\fbox{3}');
  });

  it('marks the last occurrence for text rules', () => {
    const output = 'We get 18 eggs. The answer is 18.';
    expect(locateAnswer(output, '18', 'the answer is')).toEqual({ start: 30, end: 32 });
  });

  it('returns null without an answer or when it is not in the output', () => {
    expect(locateAnswer('text', null, 'none')).toBeNull();
    expect(locateAnswer('text', '5', 'last number')).toBeNull();
    expect(locateAnswer('\\boxed{1', '1', 'boxed')).toEqual({ start: 7, end: 8 });
  });
});
