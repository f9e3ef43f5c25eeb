/** The Skywork-Math paper's reported points, plotted like the user's own results and labeled with their source. */
import { useMemo } from 'react';
import { REFERENCE_BENCHMARKS, REFERENCE_GAPS, REFERENCE_INTERVAL_NOTE, referenceSeries, SKYWORK_MATH_PAPER } from '../../../scaling/reference.ts';
import { ScalingChart } from './ScalingChart.tsx';

const CAPTION = `Source: ${SKYWORK_MATH_PAPER.authors}, Skywork-Math, arXiv:${SKYWORK_MATH_PAPER.arxiv}v2, Tables 3, 4, 9 and 13. Intervals: Wilson, computed here.`;

export function ReferencePanel() {
  const charts = useMemo(() => REFERENCE_BENCHMARKS.map((benchmark) => ({ benchmark, series: referenceSeries(benchmark) })), []);
  return (
    <section className="panel" aria-labelledby="reference-heading" data-testid="reference-panel">
      <h2 id="reference-heading">Reference: the Skywork-Math paper</h2>
      <p>
        Accuracy reported by{' '}
        <a href={SKYWORK_MATH_PAPER.url} rel="noreferrer" target="_blank">
          {SKYWORK_MATH_PAPER.authors}, “{SKYWORK_MATH_PAPER.title}”
        </a>{' '}
        (arXiv:{SKYWORK_MATH_PAPER.arxiv}, {SKYWORK_MATH_PAPER.version}) for three 7B base models fine-tuned on subsets of Skywork-MathQA, evaluated zero-shot with chain of thought. Each
        point names its table in the tooltip and data table. The 2.5M points add the paper's second stage (0.4M hard problems on top of the 2.1M model), so they also change the curriculum.
      </p>
      <p className="note">{REFERENCE_GAPS}</p>
      <p className="note">{REFERENCE_INTERVAL_NOTE}</p>
      {charts.map(({ benchmark, series }) => (
        <ScalingChart key={benchmark} title={`Skywork-Math paper: ${benchmark} accuracy vs SFT data size`} series={series} caption={CAPTION} testId={`reference-${benchmark.toLowerCase()}`} />
      ))}
    </section>
  );
}
