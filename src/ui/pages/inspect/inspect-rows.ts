/** Rows of the Inspect table (one per problem of a run) and their filters. */
import type { BenchmarkProblemRecord, EvalResultRecord, Verdict } from '../../../db/eval.ts';

export interface InspectRow {
  problemIndex: number;
  problemId: string;
  subject?: string;
  level?: number;
  /** The problem text; empty when the benchmark was deleted. */
  problem: string;
  /** All samples of the problem, by sample number. */
  samples: EvalResultRecord[];
  /** The first sample, whose verdict the row shows and filters on. */
  first: EvalResultRecord;
  correctSamples: number;
  /** Lower-cased id, problem, answers and outputs, for the text search. */
  haystack: string;
}

export function buildRows(results: readonly EvalResultRecord[], problems: ReadonlyMap<number, BenchmarkProblemRecord>): InspectRow[] {
  const grouped = new Map<number, EvalResultRecord[]>();
  for (const result of results) {
    const list = grouped.get(result.problemIndex);
    if (list) list.push(result);
    else grouped.set(result.problemIndex, [result]);
  }
  const rows: InspectRow[] = [];
  for (const [problemIndex, samples] of grouped) {
    samples.sort((a, b) => a.sample - b.sample);
    const first = samples[0];
    const problem = problems.get(problemIndex)?.problem ?? '';
    const haystack = [first.problemId, problem, first.gold, ...samples.flatMap((s) => [s.extracted ?? '', s.output])].join('\n').toLowerCase();
    rows.push({
      problemIndex,
      problemId: first.problemId,
      ...(first.subject !== undefined ? { subject: first.subject } : {}),
      ...(first.level !== undefined ? { level: first.level } : {}),
      problem,
      samples,
      first,
      correctSamples: samples.filter((s) => s.verdict === 'correct').length,
      haystack,
    });
  }
  return rows.sort((a, b) => a.problemIndex - b.problemIndex);
}

export interface InspectFilter {
  verdict: Verdict | 'all';
  /** '' for every subject. */
  subject: string;
  /** null for every level. */
  level: number | null;
  /** Case-insensitive text that the problem, an answer or an output must contain. */
  search: string;
}

export const NO_FILTER: InspectFilter = { verdict: 'all', subject: '', level: null, search: '' };

export function filterRows(rows: readonly InspectRow[], filter: InspectFilter): InspectRow[] {
  const needle = filter.search.trim().toLowerCase();
  return rows.filter(
    (row) =>
      (filter.verdict === 'all' || row.first.verdict === filter.verdict) &&
      (filter.subject === '' || row.subject === filter.subject) &&
      (filter.level === null || row.level === filter.level) &&
      (needle === '' || row.haystack.includes(needle)),
  );
}

/** Collects the subjects and levels present in the rows, sorted, for the filter menus. */
export function facets(rows: readonly InspectRow[]): { subjects: string[]; levels: number[] } {
  const subjects = new Set<string>();
  const levels = new Set<number>();
  for (const row of rows) {
    if (row.subject !== undefined) subjects.add(row.subject);
    if (row.level !== undefined) levels.add(row.level);
  }
  return { subjects: [...subjects].sort(), levels: [...levels].sort((a, b) => a - b) };
}
