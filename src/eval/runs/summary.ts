/**
 * Scores of a stored run: its results turned into graded samples for the shared scoring
 * (summarizeScores: top-1 accuracy with a 95% Wilson interval, breakdown by subject and level,
 * maj@k and pass@k when problems have several samples, output lengths).
 */
import type { EvalResultRecord } from '../../db/eval.ts';
import { summarizeScores, type GradedSample, type ScoreSummary } from '../scoring.ts';

/**
 * Converts results (any order) into graded samples ordered by problem and sample, so the first
 * sample of each problem is its top-1 answer. Token counts are passed on only when every result has
 * one, because imports often lack them and a partial count would skew the statistics.
 */
export function toGradedSamples(results: readonly EvalResultRecord[]): GradedSample[] {
  const sorted = [...results].sort((a, b) => a.problemIndex - b.problemIndex || a.sample - b.sample);
  const withTokens = sorted.length > 0 && sorted.every((r) => r.tokens > 0);
  return sorted.map((r) => ({
    problemId: r.problemId,
    correct: r.verdict === 'correct',
    answer: r.extracted,
    ...(r.subject !== undefined ? { subject: r.subject } : {}),
    ...(r.level !== undefined ? { level: r.level } : {}),
    outputChars: r.output.length,
    ...(withTokens ? { outputTokens: r.tokens } : {}),
  }));
}

export function summarizeResults(results: readonly EvalResultRecord[]): ScoreSummary {
  return summarizeScores(toGradedSamples(results));
}
