/** Grades one model output against a gold answer: extract the final answer, then test equivalence. */
import type { BenchmarkKind, EvalResultRecord, Verdict } from '../../db/eval.ts';
import { gradeAnswer } from '../equivalence.ts';
import { extractAnswer } from '../extract.ts';
import type { FinishedSequence } from './generator.ts';

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

/** The benchmark fields a stored result repeats from its problem. */
export interface ResultProblem {
  problemId: string;
  subject?: string;
  level?: number;
  gold: string;
}

/** Builds the stored result of one finished sample, without its run id, as app and CLI runs store it. */
export function resultFields(problemIndex: number, sample: number, problem: ResultProblem, prompt: string, result: FinishedSequence, graded: GradedOutput): Omit<EvalResultRecord, 'runId'> {
  return {
    problemIndex,
    sample,
    problemId: problem.problemId,
    ...(problem.subject !== undefined ? { subject: problem.subject } : {}),
    ...(problem.level !== undefined ? { level: problem.level } : {}),
    prompt,
    output: result.text,
    extracted: graded.extracted,
    rule: graded.rule,
    gold: problem.gold,
    verdict: graded.verdict,
    method: graded.method,
    tokens: result.tokens,
    ms: result.ms,
    stopReason: result.stopReason,
    finishedAt: Date.now(),
  };
}
