/**
 * Loads a benchmark JSONL file into IndexedDB: streaming, one line at a time, written in batched
 * transactions. Bad lines are reported by number and reason while the good ones are imported. A file
 * whose first object lacks the chosen format's fields is rejected before anything is written.
 */
import type { BenchmarkKind, BenchmarkProblemRecord, BenchmarkRecord, FieldMapping } from '../db/eval.ts';
import type { WorkbenchDatabase } from '../db/database.ts';
import { isJsonlError, parseJsonl, type ByteSource } from '../util/jsonl.ts';
import { BENCHMARK_LABELS, missingFields, parseProblem, requiredFields } from './benchmarks.ts';
import { abandonFileImport } from './storage-errors.ts';

/** A line that was not imported. */
export interface LineIssue {
  line: number;
  error: string;
  /** The start of the line, for the message. */
  excerpt?: string;
}

/** At most this many line issues are kept for the report; the rest are only counted. */
export const MAX_REPORTED_ISSUES = 1000;

export interface LoadBenchmarkOptions {
  kind: BenchmarkKind;
  name: string;
  fileName: string;
  mapping?: FieldMapping;
  /** Problems per write transaction. */
  batchSize?: number;
  onProgress?(progress: { lines: number; imported: number; skipped: number }): void;
}

export interface LoadBenchmarkResult {
  benchmark: BenchmarkRecord;
  /** The first MAX_REPORTED_ISSUES bad lines, in file order. */
  issues: LineIssue[];
  /** All bad lines, including those beyond the report limit. */
  skippedLines: number;
}

/** Raised when a file does not have the chosen format's fields; nothing has been written then. */
export class BenchmarkShapeError extends Error {
  constructor(
    message: string,
    readonly missing: string[],
    readonly found: string[],
  ) {
    super(message);
    this.name = 'BenchmarkShapeError';
  }
}

function shapeError(options: LoadBenchmarkOptions, line: number, value: Record<string, unknown>): BenchmarkShapeError {
  const missing = missingFields(value, options.kind, options.mapping);
  const found = Object.keys(value);
  const label = BENCHMARK_LABELS[options.kind];
  const hint =
    options.kind === 'custom'
      ? 'Choose the field names that this file uses.'
      : 'Choose the format that matches the file, or "Custom JSONL" and map its fields.';
  return new BenchmarkShapeError(
    `${options.fileName} is not a ${label} file: line ${line} has no ${missing.map((f) => `"${f}"`).join(', ')} ` +
      `(expected fields: ${requiredFields(options.kind, options.mapping).join(', ')}; found: ${found.join(', ') || 'none'}). ${hint}`,
    missing,
    found,
  );
}

function count(map: Record<string, number>, key: string | number | undefined): void {
  if (key === undefined || key === '') return;
  const k = String(key);
  map[k] = (map[k] ?? 0) + 1;
}

async function removeBenchmark(db: WorkbenchDatabase, id: string): Promise<void> {
  await db.transaction('rw', db.benchmarks, db.benchmarkProblems, async () => {
    await db.benchmarkProblems.where('benchmarkId').equals(id).delete();
    await db.benchmarks.delete(id);
  });
}

/**
 * Streams `source` into a new benchmark. Throws BenchmarkShapeError for a file of the wrong shape,
 * an Error when no line could be imported, and StorageFullError when IndexedDB is full. In each of
 * those cases the partly written benchmark is removed, and everything stored before is untouched.
 */
export async function loadBenchmark(db: WorkbenchDatabase, source: ByteSource, options: LoadBenchmarkOptions): Promise<LoadBenchmarkResult> {
  const batchSize = options.batchSize ?? 500;
  const benchmark: BenchmarkRecord = {
    id: crypto.randomUUID(),
    name: options.name.trim() || options.fileName,
    kind: options.kind,
    fileName: options.fileName,
    createdAt: Date.now(),
    status: 'loading',
    problemCount: 0,
    subjects: {},
    levels: {},
    skippedLines: 0,
    ...(options.mapping ? { mapping: options.mapping } : {}),
  };
  const issues: LineIssue[] = [];
  const firstLineOfId = new Map<string, number>();
  let batch: BenchmarkProblemRecord[] = [];
  let written = false;
  let checkedShape = false;
  let lines = 0;

  const report = (issue: LineIssue) => {
    benchmark.skippedLines++;
    if (issues.length < MAX_REPORTED_ISSUES) issues.push(issue);
  };

  const flush = async (final: boolean) => {
    if (final) benchmark.status = 'ready';
    const rows = batch;
    batch = [];
    await db.transaction('rw', db.benchmarks, db.benchmarkProblems, async () => {
      if (rows.length > 0) await db.benchmarkProblems.bulkAdd(rows);
      await db.benchmarks.put(benchmark);
    });
    written = true;
    options.onProgress?.({ lines, imported: benchmark.problemCount, skipped: benchmark.skippedLines });
  };

  try {
    for await (const item of parseJsonl(source)) {
      lines = item.line;
      if (isJsonlError(item)) {
        report({ line: item.line, error: item.error, excerpt: item.excerpt });
        continue;
      }
      if (!checkedShape) {
        if (missingFields(item.value, options.kind, options.mapping).length > 0) throw shapeError(options, item.line, item.value);
        checkedShape = true;
      }
      const parsed = parseProblem(item.value, item.line, options.kind, options.mapping);
      if (!parsed.ok) {
        report({ line: item.line, error: parsed.error });
        continue;
      }
      const index = benchmark.problemCount;
      const problemId = parsed.problem.problemId ?? String(index);
      const earlier = firstLineOfId.get(problemId);
      if (earlier !== undefined) {
        report({ line: item.line, error: `duplicate id "${problemId}" (first on line ${earlier})` });
        continue;
      }
      firstLineOfId.set(problemId, item.line);
      batch.push({ ...parsed.problem, benchmarkId: benchmark.id, index, problemId });
      benchmark.problemCount++;
      count(benchmark.subjects, parsed.problem.subject);
      count(benchmark.levels, parsed.problem.level);
      if (batch.length >= batchSize) await flush(false);
    }
    if (benchmark.problemCount === 0) {
      const first = issues[0];
      const detail = first ? ` The first problem is on line ${first.line}: ${first.error}.` : ' The file is empty.';
      throw new Error(`${options.fileName}: no problem could be imported (${benchmark.skippedLines} bad lines).${detail}`);
    }
    await flush(true);
  } catch (error) {
    throw await abandonFileImport(error, {
      written,
      remove: () => removeBenchmark(db, benchmark.id),
      partial: `benchmark ${benchmark.id}`,
      activity: 'loading',
      fileName: options.fileName,
      line: lines,
      outcome: 'The benchmark was not loaded',
    });
  }
  return { benchmark, issues, skippedLines: benchmark.skippedLines };
}

/** Reads all problems of a benchmark in file order. */
export function benchmarkProblems(db: WorkbenchDatabase, benchmarkId: string): Promise<BenchmarkProblemRecord[]> {
  return db.benchmarkProblems.where('[benchmarkId+index]').between([benchmarkId, -Infinity], [benchmarkId, Infinity]).toArray();
}

/** Deletes a benchmark, its problems and every run on it (with their results), in one transaction. */
export async function deleteBenchmark(db: WorkbenchDatabase, benchmarkId: string): Promise<void> {
  await db.transaction('rw', [db.benchmarks, db.benchmarkProblems, db.evalRuns, db.evalResults], async () => {
    const runIds = (await db.evalRuns.where('benchmarkId').equals(benchmarkId).primaryKeys()) as string[];
    for (const runId of runIds) await db.evalResults.where('runId').equals(runId).delete();
    await db.evalRuns.bulkDelete(runIds);
    await db.benchmarkProblems.where('benchmarkId').equals(benchmarkId).delete();
    await db.benchmarks.delete(benchmarkId);
  });
}
