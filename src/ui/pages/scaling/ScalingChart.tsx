/**
 * Accuracy against training-data size on a log axis for a set of series, with 95% interval bars,
 * the fits chosen in the page settings drawn dashed, the fit table, a data table and the exports.
 */
import { useMemo, useRef } from 'react';
import { FIT_MODELS, fitSeries, type FitModel } from '../../../scaling/fit.ts';
import { chartToJson, fileStem, seriesToCsv } from '../../../scaling/export.ts';
import { formatPercent, formatSize } from '../../../scaling/format.ts';
import type { ScalingSeries } from '../../../scaling/series.ts';
import { ChartExportBar } from '../../components/chart/ChartExportBar.tsx';
import { LineChart } from '../../components/chart/LineChart.tsx';
import { accuracyDomain, fitCurves, formatAccuracyTick, sizeDomain, toChartSeries } from './chart-data.ts';
import { FitTable } from './FitTable.tsx';
import { useScalingView } from './scaling-store.ts';

export interface ScalingChartProps {
  title: string;
  series: ScalingSeries[];
  /** Source line drawn under the legend (and so kept in image exports). */
  caption?: string;
  testId: string;
}

function openHref(href: string): void {
  window.location.hash = href.slice(1);
}

export function ScalingChart({ title, series, caption, testId }: ScalingChartProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const { showLogLinear, showPowerLaw, weighted } = useScalingView();
  const models = FIT_MODELS.filter((m: FitModel) => (m === 'log-linear' ? showLogLinear : showPowerLaw));
  const modelKey = models.join(',');
  // Refit only when the data or the fit settings change, not on every hover.
  const fits = useMemo(() => (models.length === 0 ? [] : series.map((s) => fitSeries(s, { weighted }, models))), [series, weighted, modelKey]);
  const pointCount = series.reduce((n, s) => n + s.points.length, 0);
  const description = `${pointCount} points in ${series.length} series, accuracy against training-data size on a log scale, with 95% interval bars${fits.length > 0 ? ` and ${models.join(' and ')} fits` : ''}.`;

  return (
    <figure className="scaling-chart" data-testid={testId}>
      <LineChart
        title={title}
        description={description}
        x={{ label: 'training examples (log scale)', scale: 'log', domain: sizeDomain(series), format: formatSize }}
        y={{ label: 'accuracy', scale: 'linear', domain: accuracyDomain(series), format: formatAccuracyTick }}
        series={toChartSeries(series, openHref)}
        curves={fitCurves(series, fits)}
        caption={caption}
        width={880}
        svgRef={svgRef}
      />
      <ChartExportBar title={title} fileStem={fileStem(title)} svgRef={svgRef} csv={() => seriesToCsv(series)} json={() => chartToJson(title, series, fits)} />
      <FitTable fits={fits} testId={`${testId}-fits`} />
      <details className="chart-data">
        <summary>Data table ({pointCount} points)</summary>
        <table>
          <thead>
            <tr>
              <th>Series</th>
              <th className="num">Size</th>
              <th className="num">Accuracy</th>
              <th className="num">95% interval</th>
              <th className="num">n</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {series.flatMap((s) =>
              s.points.map((p, i) => (
                <tr key={`${s.id}-${i}`}>
                  <td>{s.label}</td>
                  <td className="num">{formatSize(p.size)}</td>
                  <td className="num">{formatPercent(p.accuracy)}</td>
                  <td className="num">{p.low !== undefined && p.high !== undefined ? `${formatPercent(p.low)} – ${formatPercent(p.high)}` : '–'}</td>
                  <td className="num">{p.total?.toLocaleString('en-US') ?? '–'}</td>
                  <td>{p.note ?? ''}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
