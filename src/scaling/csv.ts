/**
 * Import of scaling points from CSV, for results of runs made elsewhere (for example on a cluster).
 *
 * The first non-comment line is a header naming the columns, in any order and case: size, accuracy
 * and label. Rows without a label take the file's name. Optional columns give an interval, as low and
 * high or as a ± half-width, and the test-set size as total, from which a Wilson interval is computed
 * when no interval is given. Accuracy is a fraction (0–1) or a percentage (0–100): a value with "%" or
 * any value above 1 makes the whole file percent, which the import states. Rows that cannot be used are
 * reported with their line number and reason, and the others are imported. Lines starting with "#" are
 * comments. The delimiter is a comma, semicolon or tab, whichever the header uses; fields may be quoted.
 */
import { formatSize } from './format.ts';
import { wilsonInterval } from '../eval/statistics.ts';
import type { ScalingPoint, ScalingSeries } from './series.ts';

export type AccuracyScale = 'fraction' | 'percent';

export interface CsvImportOptions {
  /** Series name for rows without a label; usually the file name without its extension. */
  defaultLabel: string;
  /** 'auto' (default) detects the scale from the values. */
  accuracyScale?: 'auto' | AccuracyScale;
}

export interface CsvPoint {
  label: string;
  /** 1-based line of the row in the file. */
  line: number;
  point: ScalingPoint;
}

export interface CsvRejectedRow {
  line: number;
  reason: string;
}

export interface CsvImport {
  points: CsvPoint[];
  rejected: CsvRejectedRow[];
  accuracyScale: AccuracyScale;
  /** Sentence for the user giving the reason for the scale. */
  scaleReason: string;
  /** File-level notes: ignored columns, missing label column. */
  warnings: string[];
  delimiter: ',' | ';' | '\t';
}

/** The file as a whole cannot be imported (no header, no size or accuracy column, too large). */
export class CsvFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

export const MAX_CSV_CHARS = 20 * 1024 * 1024;
export const MAX_CSV_ROWS = 100_000;

type Column = 'size' | 'accuracy' | 'label' | 'low' | 'high' | 'halfWidth' | 'total';

const COLUMN_NAMES: Record<Column, string[]> = {
  size: ['size', 'datasize', 'trainsize', 'trainingsize', 'ntrain', 'examples', 'numexamples', 'samples'],
  accuracy: ['accuracy', 'acc', 'score'],
  label: ['label', 'series', 'variant', 'model', 'name'],
  low: ['low', 'lower', 'cilow', 'lo', 'intervallow', 'lowerbound'],
  high: ['high', 'upper', 'cihigh', 'hi', 'intervalhigh', 'upperbound'],
  halfWidth: ['±', '+/-', 'pm', 'plusminus', 'halfwidth', 'margin', 'ci', 'err', 'error'],
  total: ['total', 'ntest', 'testsize', 'problems'],
};

/** Columns the chart's CSV export writes that the import reads past without a warning. */
const KNOWN_EXTRA_COLUMNS = ['correct', 'evalrunid', 'source', 'note'];

function normalizeHeader(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_\-.()%]/g, '');
}

interface CsvRecord {
  line: number;
  fields: string[];
}

/** Splits CSV text into records (RFC 4180 quoting), each with the line it starts on; comment and blank lines are skipped. */
export function splitCsvRecords(text: string, delimiter: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const startLine = line;
    // A comment or blank line is skipped whole.
    const lineEnd = text.indexOf('\n', i);
    const rawLine = text.slice(i, lineEnd === -1 ? text.length : lineEnd);
    if (rawLine.trim() === '' || rawLine.trimStart().startsWith('#')) {
      i = lineEnd === -1 ? text.length : lineEnd + 1;
      line++;
      continue;
    }
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') {
          field += '"';
          i++;
        } else if (ch === '"') {
          quoted = false;
        } else {
          if (ch === '\n') line++;
          field += ch;
        }
      } else if (ch === '"' && field.trim() === '') {
        quoted = true;
        field = '';
      } else if (ch === delimiter) {
        fields.push(field);
        field = '';
      } else if (ch === '\n') {
        break;
      } else if (ch !== '\r') {
        field += ch;
      }
    }
    fields.push(field);
    records.push({ line: startLine, fields: fields.map((f) => f.trim()) });
    i++; // past the newline
    line++;
  }
  return records;
}

function detectDelimiter(text: string): ',' | ';' | '\t' {
  const header = text.split('\n').find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  const unquoted = header.replace(/"[^"]*"/g, '');
  const counts = ([',', ';', '\t'] as const).map((d) => [d, unquoted.split(d).length - 1] as const);
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  return best[1] > 0 ? best[0] : ',';
}

const SIZE_SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9 };

/** Parses a data size: 60000, 6e4, "60K", "1.5M", "60,000" or "60_000". Returns null when invalid. */
export function parseSize(text: string): number | null {
  let t = text.trim().replace(/[_\s]/g, '');
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replace(/,/g, '');
  const match = /^(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?([kmb])?$/i.exec(t);
  if (!match) return null;
  const value = Number(`${match[1]}${match[2] !== undefined ? `e${match[2]}` : ''}`) * (match[3] ? SIZE_SUFFIX[match[3].toLowerCase()] : 1);
  return Number.isFinite(value) && value > 0 ? value : null;
}

interface NumberCell {
  value: number;
  percentSign: boolean;
}

function parseNumberCell(text: string): NumberCell | null {
  const t = text.trim();
  const percentSign = t.endsWith('%');
  const body = percentSign ? t.slice(0, -1).trim() : t;
  if (body === '' || !/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(body)) return null;
  const value = Number(body);
  return Number.isFinite(value) ? { value, percentSign } : null;
}

/** "45.2 ± 1.3" or "45.2 +/- 1.3" in one accuracy cell. */
function splitPlusMinus(text: string): [string, string] | null {
  const match = /^(.*?)\s*(?:±|\+\/-|\+-)\s*(.+)$/.exec(text);
  return match ? [match[1], match[2]] : null;
}

function mapColumns(header: string[]): { index: Partial<Record<Column, number>>; ignored: string[] } {
  const index: Partial<Record<Column, number>> = {};
  const ignored: string[] = [];
  header.forEach((name, i) => {
    const normalized = normalizeHeader(name);
    const column = (Object.keys(COLUMN_NAMES) as Column[]).find((c) => COLUMN_NAMES[c].includes(normalized) || COLUMN_NAMES[c].includes(name.trim()));
    if (column && index[column] === undefined) index[column] = i;
    else if (name.trim() !== '' && !KNOWN_EXTRA_COLUMNS.includes(normalized)) ignored.push(name.trim());
  });
  return { index, ignored };
}

interface RawRow {
  line: number;
  label: string;
  size: number;
  accuracy: NumberCell;
  low?: NumberCell;
  high?: NumberCell;
  halfWidth?: NumberCell;
  total?: number;
}

/** Reads one record into raw values, or returns the reason it cannot be used. */
function readRow(record: CsvRecord, index: Partial<Record<Column, number>>, headerLength: number, defaultLabel: string): RawRow | string {
  const { fields } = record;
  if (fields.length > headerLength && fields.slice(headerLength).some((f) => f !== '')) {
    return `has ${fields.length} fields but the header has ${headerLength}`;
  }
  const cell = (column: Column) => (index[column] === undefined ? '' : (fields[index[column] as number] ?? ''));

  const sizeText = cell('size');
  if (sizeText === '') return 'size is empty';
  const size = parseSize(sizeText);
  if (size === null) return `size "${sizeText}" is not a positive number (examples: 60000, 6e4, 60K, 1.5M)`;

  let accuracyText = cell('accuracy');
  let inlineHalfWidth: string | undefined;
  const plusMinus = splitPlusMinus(accuracyText);
  if (plusMinus) [accuracyText, inlineHalfWidth] = plusMinus;
  if (accuracyText === '') return 'accuracy is empty';
  const accuracy = parseNumberCell(accuracyText);
  if (!accuracy) return `accuracy "${accuracyText}" is not a number`;

  const row: RawRow = { line: record.line, label: cell('label') || defaultLabel, size, accuracy };
  const lowText = cell('low');
  const highText = cell('high');
  if (lowText !== '' || highText !== '') {
    if (lowText === '' || highText === '') return `interval needs both low and high, got low "${lowText}" and high "${highText}"`;
    const low = parseNumberCell(lowText);
    const high = parseNumberCell(highText);
    if (!low) return `interval low "${lowText}" is not a number`;
    if (!high) return `interval high "${highText}" is not a number`;
    row.low = low;
    row.high = high;
  }
  const halfWidthText = inlineHalfWidth ?? cell('halfWidth');
  if (halfWidthText !== '' && row.low === undefined) {
    const halfWidth = parseNumberCell(halfWidthText);
    if (!halfWidth || halfWidth.value < 0) return `± half-width "${halfWidthText}" is not a non-negative number`;
    row.halfWidth = halfWidth;
  }
  const totalText = cell('total');
  if (totalText !== '') {
    const total = Number(totalText);
    if (!Number.isInteger(total) || total < 1) return `total "${totalText}" is not a positive whole number of test problems`;
    row.total = total;
  }
  return row;
}

function chooseScale(rows: RawRow[], requested: CsvImportOptions['accuracyScale']): { scale: AccuracyScale; reason: string } {
  if (requested === 'fraction') return { scale: 'fraction', reason: 'Accuracy read as fractions (0–1), as chosen.' };
  if (requested === 'percent') return { scale: 'percent', reason: 'Accuracy read as percent (0–100), as chosen.' };
  const withSign = rows.find((r) => r.accuracy.percentSign);
  if (withSign) return { scale: 'percent', reason: `Accuracy read as percent (0–100): line ${withSign.line} has a "%" sign.` };
  const above = rows.find((r) => r.accuracy.value > 1);
  if (above) return { scale: 'percent', reason: `Accuracy read as percent (0–100): line ${above.line} has ${above.accuracy.value}, above 1.` };
  return { scale: 'fraction', reason: 'Accuracy read as fractions (0–1): every value is at most 1.' };
}

/** Converts a raw row to a point on the chosen scale, or returns the reason it is out of range. */
function toPoint(row: RawRow, scale: AccuracyScale): ScalingPoint | string {
  const range = scale === 'percent' ? '0–100 (percent)' : '0–1 (fraction)';
  // Rounding to 15 significant digits removes the binary noise of /100 (0.9 / 100 = 0.009000000000000001).
  const convert = (cell: NumberCell) => (scale === 'percent' || cell.percentSign ? Number((cell.value / 100).toPrecision(15)) : cell.value);
  const accuracy = convert(row.accuracy);
  if (!(accuracy >= 0 && accuracy <= 1)) return `accuracy ${row.accuracy.value}${row.accuracy.percentSign ? '%' : ''} is outside ${range}`;

  const point: ScalingPoint = { size: row.size, accuracy, note: `line ${row.line}` };
  if (row.low && row.high) {
    const low = convert(row.low);
    const high = convert(row.high);
    if (!(low >= 0 && high <= 1)) return `interval [${row.low.value}, ${row.high.value}] is outside ${range}`;
    const slack = 1e-9;
    if (!(low <= accuracy + slack && accuracy <= high + slack)) return `interval [${row.low.value}, ${row.high.value}] does not contain the accuracy ${row.accuracy.value}`;
    point.low = low;
    point.high = high;
  } else if (row.halfWidth) {
    const halfWidth = convert(row.halfWidth);
    point.low = Math.max(0, accuracy - halfWidth);
    point.high = Math.min(1, accuracy + halfWidth);
  }
  if (row.total !== undefined) {
    point.total = row.total;
    point.correct = Math.round(accuracy * row.total);
    if (point.low === undefined) {
      const { low, high } = wilsonInterval(point.correct, row.total);
      point.low = low;
      point.high = high;
      point.note = `line ${row.line}; Wilson interval from total ${row.total}`;
    }
  }
  return point;
}

/** Imports scaling points from CSV text. Raises CsvFormatError when the file as a whole is unusable; bad rows are returned in `rejected`. */
export function importScalingCsv(text: string, options: CsvImportOptions): CsvImport {
  if (text.length > MAX_CSV_CHARS) throw new CsvFormatError(`the file has ${text.length.toLocaleString('en-US')} characters; the limit is ${MAX_CSV_CHARS.toLocaleString('en-US')}. Split it into smaller files.`);
  const delimiter = detectDelimiter(text);
  const records = splitCsvRecords(text, delimiter);
  if (records.length === 0) throw new CsvFormatError('the file is empty: expected a header row such as "size,accuracy,label" and one row per point.');
  if (records.length - 1 > MAX_CSV_ROWS) throw new CsvFormatError(`the file has ${records.length - 1} rows; the limit is ${MAX_CSV_ROWS.toLocaleString('en-US')}. Split it into smaller files.`);

  const [header, ...body] = records;
  const { index, ignored } = mapColumns(header.fields);
  const missing = (['size', 'accuracy'] as const).filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    throw new CsvFormatError(
      `line ${header.line}: the header has no ${missing.join(' or ')} column (found: ${header.fields.map((f) => `"${f}"`).join(', ')}). ` +
        'The first line must name the columns, e.g. "size,accuracy,label,low,high".',
    );
  }
  if (body.length === 0) throw new CsvFormatError(`the file has a header on line ${header.line} but no data rows.`);

  const warnings: string[] = [];
  if (ignored.length > 0) warnings.push(`Ignored columns: ${ignored.join(', ')}.`);
  if (index.label === undefined) warnings.push(`No label column: every point belongs to the series "${options.defaultLabel}".`);
  if (index.low !== undefined && index.halfWidth !== undefined) warnings.push('Both low/high and ± columns exist: rows with low and high use those, the rest use ±.');

  const rejected: CsvRejectedRow[] = [];
  const rows: RawRow[] = [];
  for (const record of body) {
    const row = readRow(record, index, header.fields.length, options.defaultLabel);
    if (typeof row === 'string') rejected.push({ line: record.line, reason: row });
    else rows.push(row);
  }

  const { scale, reason } = chooseScale(rows, options.accuracyScale ?? 'auto');
  const points: CsvPoint[] = [];
  for (const row of rows) {
    const point = toPoint(row, scale);
    if (typeof point === 'string') rejected.push({ line: row.line, reason: point });
    else points.push({ label: row.label, line: row.line, point });
  }
  rejected.sort((a, b) => a.line - b.line);
  return { points, rejected, accuracyScale: scale, scaleReason: reason, warnings, delimiter };
}

/** Groups imported points into one series per label, in order of first appearance. */
export function csvSeries(points: readonly CsvPoint[], source: string, idPrefix: string): ScalingSeries[] {
  const byLabel = new Map<string, ScalingPoint[]>();
  for (const p of points) {
    const list = byLabel.get(p.label) ?? [];
    list.push(p.point);
    byLabel.set(p.label, list);
  }
  return [...byLabel.entries()].map(([label, list]) => ({ id: `${idPrefix}/${label}`, label, source, points: list }));
}

/** Formats one line per rejected row for reports: "line 4: size "abc" is not a positive number …". */
export function describeRejected(rejected: readonly CsvRejectedRow[]): string[] {
  return rejected.map((r) => `line ${r.line}: ${r.reason}`);
}

/** Summarizes an import in one line, e.g. "3 points in 1 series (60K–1M); 1 row skipped". */
export function summarizeImport(imported: CsvImport): string {
  const labels = new Set(imported.points.map((p) => p.label)).size;
  const sizes = imported.points.map((p) => p.point.size);
  const range = sizes.length > 0 ? ` (${formatSize(Math.min(...sizes))}–${formatSize(Math.max(...sizes))})` : '';
  const skipped = imported.rejected.length > 0 ? `; ${imported.rejected.length} row${imported.rejected.length === 1 ? '' : 's'} skipped` : '';
  return `${imported.points.length} point${imported.points.length === 1 ? '' : 's'} in ${labels} series${range}${skipped}`;
}
