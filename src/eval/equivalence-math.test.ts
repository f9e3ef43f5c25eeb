/**
 * The grader on every MATH test answer: each gold (the last \boxed{} of its solution) must be
 * equivalent to itself and to harmless rewrites of itself, and not equivalent to any perturbation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../test/cli.ts';
import { equivalentRewrites, perturbations } from './equivalence-perturb.ts';
import { gradeAnswer } from './equivalence.ts';
import { extractAnswer, lastBoxed } from './extract.ts';

const MATH_TEST = join(SHARED_DATA, 'math', 'test.jsonl');

function mathGolds(): string[] {
  return readFileSync(MATH_TEST, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const gold = lastBoxed(JSON.parse(line).solution);
      if (gold === null) throw new Error(`${MATH_TEST} line ${index + 1}: solution has no \\boxed{} answer`);
      return gold;
    });
}

describe('grader on MATH test golds', () => {
  const golds = mathGolds();

  it('reads all 5,000 golds', () => {
    expect(golds).toHaveLength(5000);
  });

  it('finds every gold equivalent to itself and its rewrites', () => {
    const failures: string[] = [];
    for (const gold of golds) {
      const boxedOutput = extractAnswer(`Putting it together, the result is $\\boxed{${gold}}$.`).answer;
      const variants = [{ kind: 'self', text: gold }, { kind: 'boxed-output', text: boxedOutput ?? '' }, ...equivalentRewrites(gold)];
      for (const variant of variants) {
        const verdict = gradeAnswer(gold, variant.text);
        if (!verdict.equivalent) failures.push(`${variant.kind}: ${JSON.stringify(gold)} vs ${JSON.stringify(variant.text)} → ${JSON.stringify(verdict)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('finds no gold equivalent to a perturbation of itself', () => {
    const failures: string[] = [];
    let count = 0;
    for (const gold of golds) {
      for (const variant of perturbations(gold)) {
        count++;
        const verdict = gradeAnswer(gold, variant.text);
        if (verdict.equivalent) failures.push(`${variant.kind}: ${JSON.stringify(gold)} vs ${JSON.stringify(variant.text)} → ${JSON.stringify(verdict)}`);
      }
    }
    expect(failures).toEqual([]);
    // Nearly every gold has a digit, a bracket, an entry or a word to change.
    expect(count).toBeGreaterThan(4900);
  });
});
