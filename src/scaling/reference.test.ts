import { describe, expect, it } from 'vitest';
import { chartToJson, csvField, exportFileName, seriesToCsv } from './export.ts';
import { formatNumber, formatPercent, formatSize } from './format.ts';
import { BENCHMARK_TEST_SIZE, REFERENCE_MODELS, REFERENCE_POINTS, referenceSeries } from './reference.ts';

describe('paper reference points', () => {
  it('has the Mistral-7B values as printed', () => {
    const values = (benchmark: string) => REFERENCE_POINTS.filter((p) => p.model === 'Mistral-7B' && p.benchmark === benchmark).map((p) => [formatSize(p.size), p.accuracyPercent]);
    expect(values('MATH')).toEqual([
      ['60K', 27.84],
      ['360K', 38.5],
      ['1M', 44.56],
      ['1.5M', 45.86],
      ['2.1M', 49.1],
      ['2.5M', 51.22],
    ]);
    expect(values('GSM8K')).toEqual([
      ['360K', 72.71],
      ['1M', 77.79],
      ['1.5M', 80.36],
      ['2.1M', 83.25],
      ['2.5M', 83.93],
    ]);
  });

  it('names a table for every point and orders sizes', () => {
    for (const model of REFERENCE_MODELS) {
      for (const benchmark of ['MATH', 'GSM8K'] as const) {
        const points = REFERENCE_POINTS.filter((p) => p.model === model && p.benchmark === benchmark);
        expect(points.length, `${model} ${benchmark}`).toBeGreaterThanOrEqual(3);
        expect(points.every((p) => /^Table \d+/.test(p.table))).toBe(true);
        const sizes = points.map((p) => p.size);
        expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
      }
    }
  });

  it('builds series with intervals from the test-set size', () => {
    const series = referenceSeries('GSM8K');
    expect(series.map((s) => s.label)).toEqual(['LLaMA2-7B (paper)', 'Mistral-7B (paper)', 'DeepSeekMath-7B (paper)']);
    const point = series[1].points[0];
    expect(point.total).toBe(BENCHMARK_TEST_SIZE.GSM8K);
    expect(point.correct).toBe(Math.round(0.7271 * 1319));
    expect(point.low).toBeLessThan(point.accuracy);
    expect(point.high).toBeGreaterThan(point.accuracy);
    expect(point.note).toBe('Table 3, without diversity selection (360K)');
    expect(series[1].source).toBe('Skywork-Math (Zeng et al., 2024), arXiv:2407.08348v2');
  });
});

describe('formatting and export', () => {
  it('formats sizes, percents and numbers', () => {
    expect([500, 1000, 1234, 60000, 999999, 1.5e6, 2.16e6, 3e9].map(formatSize)).toEqual(['500', '1K', '1.23K', '60K', '1M', '1.5M', '2.16M', '3B']);
    expect(formatPercent(0.2784)).toBe('27.84%');
    expect(formatNumber(1234.5678)).toBe('1235');
    expect(formatNumber(0.00001234)).toBe('1.234e-5');
    expect(formatNumber(null)).toBe('–');
  });

  it('writes CSV rows with quoting', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    const csv = seriesToCsv([{ id: 's', label: 'm', source: 'file.csv', points: [{ size: 1000, accuracy: 0.25, low: 0.2, high: 0.3, evalRunIds: ['r1', 'r2'], note: 'line 2' }] }]);
    expect(csv).toBe('label,size,accuracy,low,high,total,correct,eval_run_id,source,note\nm,1000,0.25,0.2,0.3,,,r1 r2,file.csv,line 2\n');
  });

  it('writes chart JSON with fits', () => {
    const json = JSON.parse(chartToJson('Reference: MATH', referenceSeries('MATH'), [], new Date('2026-12-01T00:00:00Z')));
    expect(json.format).toBe('mwb-scaling-chart');
    expect(json.exportedAt).toBe('2026-12-01T00:00:00.000Z');
    expect(json.series).toHaveLength(3);
    expect(exportFileName('Reference: MATH (paper)', 'svg')).toBe('reference-math-paper.svg');
  });
});
