/**
 * Chart data exports: CSV (one row per point, readable again by the CSV import and `mwb fit`) and
 * JSON (the series with their fits). Image exports of the chart itself are in the UI's chart module.
 */
import type { SeriesFits } from './fit.ts';
import type { ScalingSeries } from './series.ts';

export const CHART_EXPORT_FORMAT = 'mwb-scaling-chart';

export const CSV_EXPORT_COLUMNS = ['label', 'size', 'accuracy', 'low', 'high', 'total', 'correct', 'eval_run_id', 'source', 'note'] as const;

/** Quotes a CSV field when it contains a delimiter, quote or line break (RFC 4180). */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = typeof value === 'number' ? String(Number(value.toPrecision(8))) : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes one header row, then one row per point, with accuracy and interval as fractions (0–1). */
export function seriesToCsv(series: readonly ScalingSeries[]): string {
  const lines = [CSV_EXPORT_COLUMNS.join(',')];
  for (const s of series) {
    for (const p of s.points) {
      lines.push([s.label, p.size, p.accuracy, p.low, p.high, p.total, p.correct, p.evalRunIds?.join(' '), s.source, p.note].map(csvField).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface ChartExport {
  format: typeof CHART_EXPORT_FORMAT;
  version: 1;
  title: string;
  exportedAt: string;
  x: string;
  y: string;
  series: ScalingSeries[];
  fits: SeriesFits[];
}

/** Writes the chart's data and fits as pretty-printed JSON. */
export function chartToJson(title: string, series: readonly ScalingSeries[], fits: readonly SeriesFits[], exportedAt = new Date()): string {
  const value: ChartExport = {
    format: CHART_EXPORT_FORMAT,
    version: 1,
    title,
    exportedAt: exportedAt.toISOString(),
    x: 'training examples (N)',
    y: 'accuracy (fraction 0–1; low/high: 95% interval)',
    series: [...series],
    fits: [...fits],
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Makes a file name stem from a chart title: lower case, words joined by hyphens. */
export function fileStem(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chart';
}

export function exportFileName(title: string, extension: string): string {
  return `${fileStem(title)}.${extension}`;
}
