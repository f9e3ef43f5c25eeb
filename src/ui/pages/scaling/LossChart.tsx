/** Training-loss curves of an experiment's cells, one line per cell, with CSV and JSON exports. */
import { useRef } from 'react';
import { csvField, fileStem } from '../../../scaling/export.ts';
import type { LossCurve } from '../../../scaling/experiment-series.ts';
import { formatNumber } from '../../../scaling/format.ts';
import { ChartExportBar } from '../../components/chart/ChartExportBar.tsx';
import { LineChart, type ChartCurve } from '../../components/chart/LineChart.tsx';
import { seriesColor } from '../../components/chart/Marker.tsx';
import { niceDomain } from '../../components/chart/scales.ts';

function lossCsv(curves: readonly LossCurve[]): string {
  const lines = ['cell,label,status,step,loss'];
  for (const c of curves) for (const p of c.points) lines.push([c.id, c.label, c.status, p.step, p.loss].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

export function LossChart({ title, curves, testId }: { title: string; curves: LossCurve[]; testId: string }) {
  const svgRef = useRef<SVGSVGElement>(null);
  const points = curves.flatMap((c) => c.points);
  const steps = points.map((p) => p.step);
  const losses = points.map((p) => p.loss);
  const chartCurves: ChartCurve[] = curves.map((c, i) => ({ id: c.id, label: c.status === 'failed' ? `${c.label} (failed)` : c.label, points: c.points.map((p) => ({ x: p.step, y: p.loss })), color: seriesColor(i), dash: c.status === 'failed' ? '3 3' : '' }));

  return (
    <figure className="scaling-chart" data-testid={testId}>
      <LineChart
        title={title}
        description={`Training loss against optimizer step for ${curves.length} cells.`}
        x={{ label: 'optimizer step', scale: 'linear', domain: niceDomain([Math.min(...steps, 0), Math.max(...steps, 1)], 6, [0, Infinity]), format: (v) => formatNumber(v, 4) }}
        y={{ label: 'training loss (nats/token)', scale: 'linear', domain: niceDomain([0, Math.max(...losses, 1)], 5, [0, Infinity]), format: (v) => formatNumber(v, 3) }}
        series={[]}
        curves={chartCurves}
        svgRef={svgRef}
      />
      <ChartExportBar title={title} fileStem={fileStem(title)} svgRef={svgRef} csv={() => lossCsv(curves)} json={() => `${JSON.stringify({ title, curves }, null, 2)}\n`} />
    </figure>
  );
}
