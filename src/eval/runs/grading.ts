/** Grades one model output against a gold answer: extract the final answer, then test equivalence. */
import type { BenchmarkKind, Verdict } from '../../db/eval.ts';
import { gradeAnswer } from '../equivalence.ts';
import { extractAnswer } from '../extract.ts';

export interface GradedOutput {
  extracted: string | null;
  rule: string;
  verdict: Verdict;
  method: string;
}

/** `question`, when given, lets the grader tell whether a list answer must keep its order. */
export type GradeOutput = (output: string, gold: string, kind: BenchmarkKind, question?: string) => GradedOutput;

/**
 * Grades with the shared extraction rules and equivalence grader; 'unparsed' when no rule finds an
 * answer. The last-number fallback applies to GSM8K only, because on MATH the last number of a
 * solution is rarely its answer.
 */
export const gradeOutput: GradeOutput = (output, gold, kind, question) => {
  const { answer, rule } = extractAnswer(output, { fallbackLastNumber: kind === 'gsm8k' });
  if (answer === null || answer.trim() === '') return { extracted: null, rule: rule || 'none', verdict: 'unparsed', method: 'none' };
  const grade = gradeAnswer(gold, answer, { question });
  return { extracted: answer, rule, verdict: grade.equivalent ? 'correct' : 'wrong', method: grade.method };
};
