/**
 * Reference points from the Skywork-Math paper: MATH and GSM8K top-1 accuracy (zero-shot
 * chain of thought) of LLaMA2-7B, Mistral-7B and DeepSeekMath-Base-7B after supervised fine-tuning
 * on subsets of the Skywork-MathQA dataset of growing size.
 *
 * Source: Zeng et al., "Skywork-Math: Data Scaling Laws for Mathematical Reasoning in Large
 * Language Models — The Story Goes On", arXiv:2407.08348v2 (17 Jul 2024). Its Figure 5 plots the
 * scaling curve but prints no numbers, so every value here is copied from a table, named per point:
 *
 * - 60K: Table 9, "Random selection (60K)" (MATH only; the table has no GSM8K column);
 * - 360K: Table 3, the rows without diversity selection (seed problems from the MATH training set);
 * - 1M and 1.5M: Table 4, "Random selection" (LLaMA2-7B and Mistral-7B only);
 * - 2.1M: Table 13, "Stage 1 (2.1M)", maximum length 2048 (the same MATH values as the 2.16M rows
 *   of Table 9: the stage-1 set has 2.16M instances after 30-gram decontamination);
 * - 2.5M: Table 13, "Stage 2 (2.5M)", maximum length 2048: the 2.1M model fine-tuned further on
 *   0.4M hard problems, so this point also changes the curriculum.
 *
 * Not reported in those tables, and so absent here: DeepSeekMath-7B at 1M and 1.5M, and GSM8K at
 * 60K for every model. Table 11 has per-level MATH accuracy at 1.0M for DeepSeekMath-7B but no
 * overall figure, which is not derived here.
 */
import { wilsonInterval } from '../eval/statistics.ts';
import type { ScalingPoint, ScalingSeries } from './series.ts';

export const SKYWORK_MATH_PAPER = {
  title: 'Skywork-Math: Data Scaling Laws for Mathematical Reasoning in Large Language Models — The Story Goes On',
  authors: 'Zeng et al., 2024',
  arxiv: '2407.08348',
  version: 'v2 (17 Jul 2024)',
  url: 'https://arxiv.org/abs/2407.08348',
} as const;

export type ReferenceModel = 'LLaMA2-7B' | 'Mistral-7B' | 'DeepSeekMath-7B';
export type ReferenceBenchmark = 'MATH' | 'GSM8K';

export const REFERENCE_MODELS: readonly ReferenceModel[] = ['LLaMA2-7B', 'Mistral-7B', 'DeepSeekMath-7B'];
export const REFERENCE_BENCHMARKS: readonly ReferenceBenchmark[] = ['MATH', 'GSM8K'];

/** Test-set sizes as the paper states them (Section 4.1.1); used to compute intervals the paper does not report. */
export const BENCHMARK_TEST_SIZE: Record<ReferenceBenchmark, number> = { MATH: 5000, GSM8K: 1319 };

export interface ReferencePoint {
  model: ReferenceModel;
  benchmark: ReferenceBenchmark;
  size: number;
  /** Accuracy in percent, exactly as printed in the paper. */
  accuracyPercent: number;
  /** Table of arXiv:2407.08348v2 the value is printed in, with the row. */
  table: string;
}

const T9 = 'Table 9, random selection (60K)';
const T3 = 'Table 3, without diversity selection (360K)';
const T4_1M = 'Table 4, random selection (1M)';
const T4_15M = 'Table 4, random selection (1.5M)';
const T13_S1 = 'Table 13, stage 1 (2.1M), max length 2048';
const T13_S2 = 'Table 13, stage 2 (2.5M = 2.1M + 0.4M hard), max length 2048';

function rows(model: ReferenceModel, benchmark: ReferenceBenchmark, values: [number, number, string][]): ReferencePoint[] {
  return values.map(([size, accuracyPercent, table]) => ({ model, benchmark, size, accuracyPercent, table }));
}

export const REFERENCE_POINTS: readonly ReferencePoint[] = [
  ...rows('LLaMA2-7B', 'MATH', [
    [60e3, 15.16, T9],
    [360e3, 29.48, T3],
    [1e6, 37.76, T4_1M],
    [1.5e6, 40.52, T4_15M],
    [2.1e6, 45.56, T13_S1],
    [2.5e6, 47.66, T13_S2],
  ]),
  ...rows('LLaMA2-7B', 'GSM8K', [
    [360e3, 50.57, T3],
    [1e6, 60.35, T4_1M],
    [1.5e6, 66.87, T4_15M],
    [2.1e6, 73.62, T13_S1],
    [2.5e6, 72.86, T13_S2],
  ]),
  ...rows('Mistral-7B', 'MATH', [
    [60e3, 27.84, T9],
    [360e3, 38.5, T3],
    [1e6, 44.56, T4_1M],
    [1.5e6, 45.86, T4_15M],
    [2.1e6, 49.1, T13_S1],
    [2.5e6, 51.22, T13_S2],
  ]),
  ...rows('Mistral-7B', 'GSM8K', [
    [360e3, 72.71, T3],
    [1e6, 77.79, T4_1M],
    [1.5e6, 80.36, T4_15M],
    [2.1e6, 83.25, T13_S1],
    [2.5e6, 83.93, T13_S2],
  ]),
  ...rows('DeepSeekMath-7B', 'MATH', [
    [60e3, 39.86, T9],
    [360e3, 43.96, T3],
    [2.1e6, 48.64, T13_S1],
    [2.5e6, 49.88, T13_S2],
  ]),
  ...rows('DeepSeekMath-7B', 'GSM8K', [
    [360e3, 74.3, T3],
    [2.1e6, 79.3, T13_S1],
    [2.5e6, 81.5, T13_S2],
  ]),
];

/** Note on the points the paper's tables do not report, shown next to the reference panel. */
export const REFERENCE_GAPS =
  'The paper reports no DeepSeekMath-7B results at 1M and 1.5M and no GSM8K results at 60K, so those points are missing. ' +
  'Its Figure 5 plots the full curve but prints no numbers.';

/** Note on the source of the reference intervals, since the paper reports none. */
export const REFERENCE_INTERVAL_NOTE =
  `Intervals are 95% Wilson intervals computed here from each accuracy and the test-set size the paper states ` +
  `(MATH ${BENCHMARK_TEST_SIZE.MATH.toLocaleString('en-US')}, GSM8K ${BENCHMARK_TEST_SIZE.GSM8K.toLocaleString('en-US')} problems); the paper reports no intervals.`;

/** Formats the citation shown in legends and exports. */
export function referenceSource(): string {
  return `Skywork-Math (${SKYWORK_MATH_PAPER.authors}), arXiv:${SKYWORK_MATH_PAPER.arxiv}v2`;
}

/**
 * Builds the reference points of one benchmark as series, one per model, with 95% Wilson intervals. The
 * correct count is the printed accuracy times the test-set size, rounded.
 */
export function referenceSeries(benchmark: ReferenceBenchmark): ScalingSeries[] {
  const total = BENCHMARK_TEST_SIZE[benchmark];
  return REFERENCE_MODELS.map((model) => {
    const points: ScalingPoint[] = REFERENCE_POINTS.filter((p) => p.model === model && p.benchmark === benchmark).map((p) => {
      const correct = Math.round((p.accuracyPercent / 100) * total);
      const { low, high } = wilsonInterval(correct, total);
      return { size: p.size, accuracy: p.accuracyPercent / 100, low, high, total, correct, note: p.table };
    });
    return { id: `paper/${benchmark}/${model}`, label: `${model} (paper)`, source: referenceSource(), points };
  });
}
