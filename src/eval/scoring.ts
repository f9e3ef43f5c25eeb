/**
 * Scoring of graded evaluation samples: accuracy with a 95% Wilson score interval, pass@k with the
 * unbiased estimator of Chen et al. (2021, "Evaluating Large Language Models Trained on Code"),
 * maj@k (self-consistency: the most frequent equivalence class of extracted answers), breakdowns by
 * MATH subject and level, and output length statistics.
 */
import { answersEquivalent, normalizeAnswer } from './equivalence.ts';

import { passAtK, wilsonInterval } from './statistics.ts';

export { passAtK, wilsonInterval, Z_95 } from './statistics.ts';

export interface Vote {
  /** The first-seen answer of the winning equivalence class; null when every answer is null. */
  answer: string | null;
  votes: number;
  /** Index in the input of `answer`; -1 when there is none. */
  index: number;
}

/**
 * Self-consistency vote: groups answers into equivalence classes (null answers do not vote) and
 * returns the largest class; ties go to the class seen first. The default equivalence is the grader.
 */
export function majorityVote(answers: (string | null)[], equivalent: (a: string, b: string) => boolean = answersEquivalent): Vote {
  const classes: { answer: string; index: number; votes: number; normalized: string }[] = [];
  const byNormalized = new Map<string, number>();
  for (const [index, answer] of answers.entries()) {
    if (answer === null || answer.trim() === '') continue;
    const normalized = normalizeAnswer(answer);
    let member = byNormalized.get(normalized);
    if (member === undefined) {
      member = classes.findIndex((c) => equivalent(c.answer, answer));
      if (member < 0) {
        classes.push({ answer, index, votes: 0, normalized });
        member = classes.length - 1;
      }
      byNormalized.set(normalized, member);
    }
    classes[member].votes++;
  }
  let best: (typeof classes)[number] | undefined;
  for (const c of classes) if (!best || c.votes > best.votes) best = c;
  return best ? { answer: best.answer, votes: best.votes, index: best.index } : { answer: null, votes: 0, index: -1 };
}

export interface Accuracy {
  correct: number;
  total: number;
  /** correct / total; NaN when total is 0. */
  accuracy: number;
  /** 95% Wilson interval. */
  low: number;
  high: number;
}

export function accuracyOf(correct: number, total: number): Accuracy {
  const { low, high } = wilsonInterval(correct, total);
  return { correct, total, accuracy: total ? correct / total : NaN, low, high };
}

export interface LengthStatistics {
  count: number;
  mean: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

/** Mean, median, 90th percentile (nearest rank), min and max; NaN fields for an empty list. */
export function lengthStatistics(lengths: number[]): LengthStatistics {
  if (lengths.length === 0) return { count: 0, mean: NaN, median: NaN, p90: NaN, min: NaN, max: NaN };
  const sorted = [...lengths].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const middle = sorted.length >> 1;
  return {
    count: sorted.length,
    mean: sorted.reduce((sum, x) => sum + x, 0) / sorted.length,
    median: sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2,
    p90: at(0.9),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

/** One graded model output. Several samples of one problem share its problemId, in sampling order. */
export interface GradedSample {
  problemId: string;
  correct: boolean;
  /** The extracted answer (null when no rule found one). */
  answer: string | null;
  /** MATH `type` or MATH-500 `subject`. */
  subject?: string;
  /** MATH level, as "Level 3" or 3. */
  level?: string | number;
  outputChars?: number;
  outputTokens?: number;
}

export interface ScoreSummary {
  problems: number;
  samples: number;
  /** Top-1 accuracy: the first sample of each problem. */
  accuracy: Accuracy;
  /** First samples with no extracted answer. */
  unanswered: number;
  bySubject: Record<string, Accuracy>;
  byLevel: Record<string, Accuracy>;
  outputChars?: LengthStatistics;
  outputTokens?: LengthStatistics;
  /** Present when every problem has at least two samples; k runs over 1, 2, 4, … up to the smallest sample count. */
  multiSample?: {
    samplesPerProblem: number;
    passAtK: Record<number, number>;
    majorityAtK: Record<number, Accuracy>;
  };
}

function levelKey(level: string | number | undefined): string | undefined {
  if (level === undefined || level === '') return undefined;
  return typeof level === 'number' || /^\d+$/.test(level) ? `Level ${level}` : level;
}

function groupAccuracy(firsts: GradedSample[], key: (s: GradedSample) => string | undefined): Record<string, Accuracy> {
  const counts = new Map<string, { correct: number; total: number }>();
  for (const sample of firsts) {
    const name = key(sample);
    if (name === undefined) continue;
    const entry = counts.get(name) ?? { correct: 0, total: 0 };
    entry.total++;
    if (sample.correct) entry.correct++;
    counts.set(name, entry);
  }
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, c]) => [name, accuracyOf(c.correct, c.total)]));
}

/** Summarizes graded samples: accuracy, breakdowns, lengths, and pass@k / maj@k when there are several samples per problem. */
export function summarizeScores(samples: GradedSample[], equivalent?: (a: string, b: string) => boolean): ScoreSummary {
  const byProblem = new Map<string, GradedSample[]>();
  for (const sample of samples) {
    const list = byProblem.get(sample.problemId);
    if (list) list.push(sample);
    else byProblem.set(sample.problemId, [sample]);
  }
  const firsts = [...byProblem.values()].map((list) => list[0]);
  const summary: ScoreSummary = {
    problems: byProblem.size,
    samples: samples.length,
    accuracy: accuracyOf(firsts.filter((s) => s.correct).length, firsts.length),
    unanswered: firsts.filter((s) => s.answer === null).length,
    bySubject: groupAccuracy(firsts, (s) => s.subject || undefined),
    byLevel: groupAccuracy(firsts, (s) => levelKey(s.level)),
  };
  const chars = samples.flatMap((s) => (s.outputChars === undefined ? [] : [s.outputChars]));
  const tokens = samples.flatMap((s) => (s.outputTokens === undefined ? [] : [s.outputTokens]));
  if (chars.length) summary.outputChars = lengthStatistics(chars);
  if (tokens.length) summary.outputTokens = lengthStatistics(tokens);

  const perProblem = Math.min(...[...byProblem.values()].map((list) => list.length));
  if (byProblem.size > 0 && perProblem >= 2) {
    const ks: number[] = [];
    for (let k = 1; k < perProblem; k *= 2) ks.push(k);
    ks.push(perProblem);
    const passAt: Record<number, number> = {};
    const majorityAt: Record<number, Accuracy> = {};
    for (const k of ks) {
      let pass = 0;
      let majorityCorrect = 0;
      for (const list of byProblem.values()) {
        pass += passAtK(list.length, list.filter((s) => s.correct).length, k);
        const vote = majorityVote(list.slice(0, k).map((s) => s.answer), equivalent);
        if (vote.index >= 0 && list[vote.index].correct) majorityCorrect++;
      }
      passAt[k] = pass / byProblem.size;
      majorityAt[k] = accuracyOf(majorityCorrect, byProblem.size);
    }
    summary.multiSample = { samplesPerProblem: perProblem, passAtK: passAt, majorityAtK: majorityAt };
  }
  return summary;
}
