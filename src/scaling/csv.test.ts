import { describe, expect, it } from 'vitest';
import { CsvFormatError, csvSeries, importScalingCsv, parseSize, splitCsvRecords, summarizeImport } from './csv.ts';
import { seriesToCsv } from './export.ts';

const options = { defaultLabel: 'runs' };

describe('CSV import', () => {
  it('imports good rows and reports a bad one by line', () => {
    const text = ['size,accuracy,label', '1000,0.21,mine', '4000,0.30,mine', 'abc,0.35,mine', '16000,0.38,mine'].join('\n');
    const imported = importScalingCsv(text, options);
    expect(imported.points.map((p) => [p.line, p.label, p.point.size, p.point.accuracy])).toEqual([
      [2, 'mine', 1000, 0.21],
      [3, 'mine', 4000, 0.3],
      [5, 'mine', 16000, 0.38],
    ]);
    expect(imported.rejected).toEqual([{ line: 4, reason: 'size "abc" is not a positive number (examples: 60000, 6e4, 60K, 1.5M)' }]);
    expect(imported.accuracyScale).toBe('fraction');
    expect(imported.scaleReason).toMatch(/every value is at most 1/);
    expect(summarizeImport(imported)).toBe('3 points in 1 series (1K–16K); 1 row skipped');
  });

  it('detects percent from a value above 1', () => {
    const imported = importScalingCsv('label,size,accuracy\nm,60K,27.84\nm,360K,38.5\nm,1M,0.9\n', options);
    expect(imported.accuracyScale).toBe('percent');
    expect(imported.scaleReason).toBe('Accuracy read as percent (0–100): line 2 has 27.84, above 1.');
    expect(imported.points.map((p) => p.point.accuracy)).toEqual([0.2784, 0.385, 0.009]);
    expect(imported.points.map((p) => p.point.size)).toEqual([60000, 360000, 1000000]);
  });

  it('detects percent from a percent sign', () => {
    const imported = importScalingCsv('size,accuracy\n100,0.5%\n200,0.8%\n', options);
    expect(imported.accuracyScale).toBe('percent');
    expect(imported.scaleReason).toMatch(/line 2 has a "%" sign/);
    expect(imported.points.map((p) => p.point.accuracy)).toEqual([0.005, 0.008]);
  });

  it('follows a chosen scale', () => {
    const imported = importScalingCsv('size,accuracy\n100,0.5\n200,0.8\n', { ...options, accuracyScale: 'percent' });
    expect(imported.points.map((p) => p.point.accuracy)).toEqual([0.005, 0.008]);
    expect(imported.scaleReason).toMatch(/as chosen/);
  });

  it('reads low/high, ± columns and inline ±', () => {
    const text = ['size,accuracy,low,high,pm,label', '1000,40,38,42,,a', '2000,45,,,2.5,a', '4000,50 ± 1,,,,a'].join('\n');
    const imported = importScalingCsv(text, options);
    expect(imported.rejected).toEqual([]);
    const [p1, p2, p3] = imported.points.map((p) => p.point);
    expect([p1.low, p1.high]).toEqual([0.38, 0.42]);
    expect(p2.low).toBeCloseTo(0.425, 12);
    expect(p2.high).toBeCloseTo(0.475, 12);
    expect(p3.accuracy).toBe(0.5);
    expect(p3.low).toBeCloseTo(0.49, 12);
  });

  it('computes a Wilson interval from total', () => {
    const imported = importScalingCsv('size,accuracy,total\n1000,0.5,100\n', options);
    const [point] = imported.points.map((p) => p.point);
    expect(point.total).toBe(100);
    expect(point.correct).toBe(50);
    expect(point.low).toBeCloseTo(0.4038, 4);
    expect(point.high).toBeCloseTo(0.5962, 4);
  });

  it('rejects out-of-range and inconsistent rows with reasons', () => {
    const text = [
      'size,accuracy,low,high,label',
      '1000,0.4,0.45,0.5,a', // interval misses the accuracy
      '2000,1.4,,,a', // fraction file, value out of range
      '3000,,,,a',
      '-5,0.3,,,a',
      '4000,0.3,0.2,,a',
      '5000,0.3,,,a,extra',
      '6000,0.35,,,a',
    ].join('\n');
    // 1.4 forces percent, so 0.4 is 0.4%: state that and check each reason.
    const asFraction = importScalingCsv(text, { ...options, accuracyScale: 'fraction' });
    expect(asFraction.rejected.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(asFraction.rejected.map((r) => r.reason)).toEqual([
      'interval [0.45, 0.5] does not contain the accuracy 0.4',
      'accuracy 1.4 is outside 0–1 (fraction)',
      'accuracy is empty',
      'size "-5" is not a positive number (examples: 60000, 6e4, 60K, 1.5M)',
      'interval needs both low and high, got low "0.2" and high ""',
      'has 6 fields but the header has 5',
    ]);
    expect(asFraction.points.map((p) => p.line)).toEqual([8]);
  });

  it('names the missing column of a bad header', () => {
    expect(() => importScalingCsv('n,acc\n1000,0.3\n', options)).toThrow(CsvFormatError);
    expect(() => importScalingCsv('n,acc\n1000,0.3\n', options)).toThrow(/line 1: the header has no size column \(found: "n", "acc"\)/);
    expect(() => importScalingCsv('', options)).toThrow(/the file is empty/);
    expect(() => importScalingCsv('size,accuracy\n', options)).toThrow(/no data rows/);
  });

  it('uses the file name without a label column', () => {
    const imported = importScalingCsv('size,accuracy,notes\n1000,0.3,first\n', options);
    expect(imported.points[0].label).toBe('runs');
    expect(imported.warnings).toEqual(['Ignored columns: notes.', 'No label column: every point belongs to the series "runs".']);
  });

  it('handles semicolons, tabs, quotes, comments and a BOM', () => {
    const semicolon = importScalingCsv('\ufeff# exported by hand\nsize;accuracy;label\n1000;0.3;"a;b"\n\n2000;0.4;"say ""hi"""\n', options);
    expect(semicolon.delimiter).toBe(';');
    expect(semicolon.points.map((p) => [p.line, p.label])).toEqual([
      [3, 'a;b'],
      [5, 'say "hi"'],
    ]);
    const tab = importScalingCsv('size\taccuracy\r\n1000\t0.3\r\n', options);
    expect(tab.delimiter).toBe('\t');
    expect(tab.points[0].point.accuracy).toBe(0.3);
  });

  it('keeps line numbers after a quoted line break', () => {
    const records = splitCsvRecords('label,size\n"two\nlines",1\nnext,2\n', ',');
    expect(records).toEqual([
      { line: 1, fields: ['label', 'size'] },
      { line: 2, fields: ['two\nlines', '1'] },
      { line: 4, fields: ['next', '2'] },
    ]);
  });

  it('parses sizes with suffixes and separators', () => {
    expect(parseSize('60K')).toBe(60000);
    expect(parseSize('1.5m')).toBe(1500000);
    expect(parseSize('6e4')).toBe(60000);
    expect(parseSize('60,000')).toBe(60000);
    expect(parseSize('60_000')).toBe(60000);
    expect(parseSize('0')).toBeNull();
    expect(parseSize('1,5')).toBeNull();
    expect(parseSize('ten')).toBeNull();
  });

  it('groups points into series by label', () => {
    const imported = importScalingCsv('size,accuracy,label\n1,0.1,a\n2,0.2,b\n3,0.3,a\n', options);
    const series = csvSeries(imported.points, 'file.csv', 'import/1');
    expect(series.map((s) => [s.id, s.label, s.points.length])).toEqual([
      ['import/1/a', 'a', 2],
      ['import/1/b', 'b', 1],
    ]);
  });

  it('reads back its own chart export', () => {
    const imported = importScalingCsv('size,accuracy,label,low,high\n1000,0.21,"x, y",0.2,0.22\n4000,0.3,"x, y",0.29,0.31\n', options);
    const csv = seriesToCsv(csvSeries(imported.points, 'a.csv', 'import/1'));
    const again = importScalingCsv(csv, options);
    expect(again.warnings).toEqual([]);
    expect(again.rejected).toEqual([]);
    expect(again.points.map((p) => [p.label, p.point.size, p.point.accuracy, p.point.low, p.point.high])).toEqual([
      ['x, y', 1000, 0.21, 0.2, 0.22],
      ['x, y', 4000, 0.3, 0.29, 0.31],
    ]);
  });
});
