/** Training and held-out loss against the optimizer step, and the learning rate, as SVG charts. */
import { useRef } from 'react';
import type { TrainEvalRecord, TrainStepRecord } from '../../../db/train.ts';
import { ChartExportBar } from '../../components/chart/ChartExportBar.tsx';
import { LineChart } from '../../components/chart/LineChart.tsx';
import { seriesColor } from '../../components/chart/Marker.tsx';
import { niceDomain } from '../../components/chart/scales.ts';

function lossCsv(steps: readonly TrainStepRecord[], evals: readonly TrainEvalRecord[]): string {
  const lines = ['kind,step,loss,learning_rate,grad_norm,tokens'];
  for (const p of steps) lines.push(['train', p.step, p.loss, p.learningRate, p.gradNorm, p.tokens].join(','));
  for (const p of evals) lines.push(['held-out', p.step, p.loss, '', '', p.lossTokens].join(','));
  return `${lines.join('\n')}\n`;
}

const formatLoss = (v: number) => v.toFixed(v < 1 ? 3 : 2);

export function LossCurves({ runName, steps, evals, totalSteps }: { runName: string; steps: TrainStepRecord[]; evals: TrainEvalRecord[]; totalSteps: number }) {
  const lossRef = useRef<SVGSVGElement>(null);
  const rateRef = useRef<SVGSVGElement>(null);
  const losses = [...steps.map((p) => p.loss), ...evals.map((p) => p.loss)];
  const xDomain = niceDomain([0, Math.max(totalSteps, 1)], 6, [0, Infinity]);
  const title = `Loss of ${runName}`;

  return (
    <div className="tp-charts">
      <figure data-testid="loss-chart">
        <LineChart
          title={title}
          description={`Training loss of ${steps.length} steps and held-out loss of ${evals.length} evaluations against the optimizer step.`}
          x={{ label: 'optimizer step', scale: 'linear', domain: xDomain, format: (v) => String(Math.round(v)) }}
          y={{ label: 'loss (nats per response token)', scale: 'linear', domain: niceDomain([0, Math.max(...losses, 1)], 5, [0, Infinity]), format: formatLoss }}
          series={[
            {
              id: 'held-out',
              label: 'held-out loss',
              color: seriesColor(1),
              points: evals.map((p) => ({ x: p.step, y: p.loss, details: [`held-out loss ${p.loss.toFixed(4)} at step ${p.step}`, `${p.lossTokens} tokens`] })),
            },
          ]}
          curves={[{ id: 'train', label: 'training loss', color: seriesColor(0), dash: '', points: steps.map((p) => ({ x: p.step, y: p.loss })) }]}
          svgRef={lossRef}
        />
        <ChartExportBar title={title} fileStem={`loss-${runName.replace(/[^\w-]+/g, '_')}`} svgRef={lossRef} csv={() => lossCsv(steps, evals)} json={() => `${JSON.stringify({ run: runName, steps, evals }, null, 2)}\n`} />
      </figure>
      <figure>
        <LineChart
          title="Learning rate"
          description="Learning rate of each optimizer step: warm-up, then the schedule of each stage."
          x={{ label: 'optimizer step', scale: 'linear', domain: xDomain, format: (v) => String(Math.round(v)) }}
          y={{ label: 'learning rate', scale: 'linear', domain: niceDomain([0, Math.max(...steps.map((p) => p.learningRate), 1e-6)], 4, [0, Infinity]), format: (v) => v.toExponential(1) }}
          series={[]}
          curves={[{ id: 'lr', label: 'learning rate', color: seriesColor(2), dash: '', points: steps.map((p) => ({ x: p.step, y: p.learningRate })) }]}
          plotHeight={140}
          svgRef={rateRef}
        />
      </figure>
    </div>
  );
}
