/** Maps scaling series and their fits onto the general line chart's inputs. */
import { sampleFitCurve, type SeriesFits } from '../../../scaling/fit.ts';
import { formatPercent, formatSize } from '../../../scaling/format.ts';
import { sizeRange, type ScalingPoint, type ScalingSeries } from '../../../scaling/series.ts';
import type { ChartCurve, ChartSeries } from '../../components/chart/LineChart.tsx';
import { seriesColor } from '../../components/chart/Marker.tsx';
import { niceDomain, padLogDomain } from '../../components/chart/scales.ts';

/** Builds the Inspect page's address for an evaluation run; the Inspect page reads the `run` parameter. */
export function inspectHref(runId: string): string {
  return `#/inspect?run=${encodeURIComponent(runId)}`;
}

/** Tooltip and accessible-name lines of one point. */
export function pointDetails(point: ScalingPoint): string[] {
  const lines = [`N = ${formatSize(point.size)} (${point.size.toLocaleString('en-US')} training examples)`];
  const interval = point.low !== undefined && point.high !== undefined ? ` (95% interval ${formatPercent(point.low)} – ${formatPercent(point.high)})` : ' (no interval)';
  lines.push(`accuracy ${formatPercent(point.accuracy)}${interval}`);
  if (point.total !== undefined) lines.push(`n = ${point.total.toLocaleString('en-US')} test problems${point.correct !== undefined ? `, ${point.correct.toLocaleString('en-US')} correct` : ''}`);
  if (point.note) lines.push(point.note);
  const runs = point.evalRunIds ?? [];
  if (runs.length > 0) lines.push(`eval run ${runs[0]}${runs.length > 1 ? ` (+${runs.length - 1} more)` : ''}: click to open in Inspect`);
  return lines;
}

/** Chart series; points with an evaluation run open it in Inspect when activated. */
export function toChartSeries(series: readonly ScalingSeries[], open: (href: string) => void): ChartSeries[] {
  return series.map((s, i) => ({
    id: s.id,
    label: s.label,
    color: seriesColor(i),
    points: s.points.map((p) => {
      const runId = p.evalRunIds?.[0];
      return {
        x: p.size,
        y: p.accuracy,
        yLow: p.low,
        yHigh: p.high,
        details: [s.label, ...pointDetails(p)],
        onActivate: runId ? () => open(inspectHref(runId)) : undefined,
      };
    }),
  }));
}

const DASH = { 'log-linear': '7 4', 'power-law': '2 3' } as const;
const FIT_NAME = { 'log-linear': 'log-linear fit', 'power-law': 'power-law fit' } as const;

/** Fitted curves over the plotted size range, colored like their series. */
export function fitCurves(series: readonly ScalingSeries[], fits: readonly SeriesFits[]): ChartCurve[] {
  const range = sizeRange(series);
  if (!range) return [];
  const [lo, hi] = padLogDomain(range[0], range[1]);
  return fits.flatMap((f) => {
    const index = series.findIndex((s) => s.id === f.seriesId);
    return f.fits.flatMap((fit) =>
      fit.ok ? [{ id: `${f.seriesId}/${fit.model}`, label: `${f.label}: ${FIT_NAME[fit.model]}`, points: sampleFitCurve(fit, lo, hi, 80).map((p) => ({ x: p.size, y: p.accuracy })), color: seriesColor(index), dash: DASH[fit.model] }] : [],
    );
  });
}

/** Returns the size axis domain: the data range padded by 1.5× on each side. */
export function sizeDomain(series: readonly ScalingSeries[]): [number, number] {
  const range = sizeRange(series);
  return range ? padLogDomain(range[0], range[1]) : [1e3, 1e6];
}

/** Returns the accuracy axis domain: points and intervals, extended to nice ticks within 0–100%. */
export function accuracyDomain(series: readonly ScalingSeries[]): [number, number] {
  const values = series.flatMap((s) => s.points.flatMap((p) => [p.accuracy, p.low ?? p.accuracy, p.high ?? p.accuracy]));
  if (values.length === 0) return [0, 1];
  return niceDomain([Math.min(...values), Math.max(...values)], 5, [0, 1]);
}

/** Axis label for an accuracy fraction: 0.35 → "35%", 0.325 → "32.5%". */
export function formatAccuracyTick(value: number): string {
  return `${Number((value * 100).toPrecision(4))}%`;
}
