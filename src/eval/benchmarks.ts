/**
 * Benchmark file formats: which fields each JSONL line needs and how one line becomes a problem with
 * its gold answer.
 * - GSM8K: `question`, `answer` (worked solution whose last line is `#### N`; the gold answer is N).
 * - MATH: `problem`, `solution` (the gold answer is the last \boxed{} of the solution); `type`
 *   (subject), `level` ("Level 3") and `unique_id` are read when present.
 * - MATH-500: `problem`, `answer`; `subject`, `level` (integer), `unique_id` and `solution` when present.
 * - Custom: any JSONL, with the problem, answer, id, subject and level fields chosen by the user.
 */
import type { BenchmarkKind, BenchmarkProblemRecord, FieldMapping, GoldFormat } from '../db/eval.ts';
import { lastBoxed } from './extract.ts';

export interface BenchmarkFormat {
  kind: BenchmarkKind;
  label: string;
  /** Fields every line must have. */
  required: string[];
  /** Fields read when present. */
  optional: string[];
}

export const BENCHMARK_FORMATS: Record<Exclude<BenchmarkKind, 'custom'>, BenchmarkFormat> = {
  gsm8k: { kind: 'gsm8k', label: 'GSM8K', required: ['question', 'answer'], optional: [] },
  math: { kind: 'math', label: 'MATH', required: ['problem', 'solution'], optional: ['type', 'level', 'unique_id'] },
  math500: { kind: 'math500', label: 'MATH-500', required: ['problem', 'answer'], optional: ['subject', 'level', 'unique_id', 'solution'] },
};

export const BENCHMARK_LABELS: Record<BenchmarkKind, string> = {
  gsm8k: 'GSM8K',
  math: 'MATH',
  math500: 'MATH-500',
  custom: 'Custom JSONL',
};

/** A problem read from one line, before it is given its benchmark id and position. */
export type ParsedProblem = Omit<BenchmarkProblemRecord, 'benchmarkId' | 'index' | 'problemId'> & { problemId?: string };

export type ParseResult = { ok: true; problem: ParsedProblem } | { ok: false; error: string };

/** Returns the fields a line must have for this kind (for custom files, the mapped problem and answer fields). */
export function requiredFields(kind: BenchmarkKind, mapping?: FieldMapping): string[] {
  if (kind === 'custom') {
    if (!mapping) throw new Error('A custom JSONL benchmark needs a field mapping (at least the problem and answer fields).');
    return [mapping.problem, mapping.answer];
  }
  return BENCHMARK_FORMATS[kind].required;
}

export function missingFields(value: Record<string, unknown>, kind: BenchmarkKind, mapping?: FieldMapping): string[] {
  return requiredFields(kind, mapping).filter((field) => value[field] === undefined || value[field] === null);
}

/** Returns the number after the last `####` of a GSM8K answer, without thousands separators; null when absent. */
export function gsm8kGold(answer: string): string | null {
  const at = answer.lastIndexOf('####');
  if (at < 0) return null;
  const gold = answer.slice(at + 4).trim().replace(/,(?=\d{3}\b)/g, '');
  return gold === '' ? null : gold;
}

/** Reads a level given as 3, "3" or "Level 3"; undefined for "Level ?" and other text. */
export function parseLevel(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(?:level\s*)?(\d+)\s*$/i.exec(value);
  return match ? Number(match[1]) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

function goldFrom(raw: string, format: GoldFormat, field: string): { gold: string } | { error: string } {
  if (format === 'gsm8k') {
    const gold = gsm8kGold(raw);
    return gold === null ? { error: `"${field}" has no "#### N" final answer` } : { gold };
  }
  if (format === 'boxed') {
    const gold = lastBoxed(raw);
    return gold === null || gold.trim() === '' ? { error: `"${field}" has no \\boxed{…} answer (or its braces are unbalanced)` } : { gold: gold.trim() };
  }
  const gold = raw.trim();
  return gold === '' ? { error: `"${field}" is empty` } : { gold };
}

/** Returns the field mapping of a built-in format (or the custom one), so every kind goes through one parser. */
export function formatMapping(kind: BenchmarkKind, mapping?: FieldMapping): FieldMapping {
  switch (kind) {
    case 'gsm8k':
      return { problem: 'question', answer: 'answer', goldFormat: 'gsm8k', solution: 'answer' };
    case 'math':
      return { problem: 'problem', answer: 'solution', goldFormat: 'boxed', solution: 'solution', subject: 'type', level: 'level', id: 'unique_id' };
    case 'math500':
      return { problem: 'problem', answer: 'answer', goldFormat: 'plain', solution: 'solution', subject: 'subject', level: 'level', id: 'unique_id' };
    case 'custom':
      if (!mapping) throw new Error('A custom JSONL benchmark needs a field mapping (at least the problem and answer fields).');
      return mapping;
  }
}

/** Turns one JSONL object into a problem, or returns an error that names the invalid field. */
export function parseProblem(value: Record<string, unknown>, line: number, kind: BenchmarkKind, mapping?: FieldMapping): ParseResult {
  const fields = formatMapping(kind, mapping);
  const missing = missingFields(value, kind, mapping);
  if (missing.length > 0) return { ok: false, error: `missing field${missing.length > 1 ? 's' : ''} ${missing.map((f) => `"${f}"`).join(', ')}` };

  const problem = text(value[fields.problem]);
  if (problem === undefined || problem.trim() === '') return { ok: false, error: `"${fields.problem}" must be a non-empty string` };
  const answer = text(value[fields.answer]);
  if (answer === undefined) return { ok: false, error: `"${fields.answer}" must be a string or a number` };
  const gold = goldFrom(answer, fields.goldFormat, fields.answer);
  if ('error' in gold) return { ok: false, error: gold.error };

  const parsed: ParsedProblem = { line, problem, gold: gold.gold };
  const solution = fields.solution ? text(value[fields.solution]) : undefined;
  if (solution) parsed.solution = solution;
  const subject = fields.subject ? text(value[fields.subject]) : undefined;
  if (subject) parsed.subject = subject;
  const level = fields.level ? parseLevel(value[fields.level]) : undefined;
  if (level !== undefined) parsed.level = level;
  const id = fields.id ? text(value[fields.id]) : undefined;
  if (id) parsed.problemId = id;
  return { ok: true, problem: parsed };
}
