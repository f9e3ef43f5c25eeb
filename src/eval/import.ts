/**
 * Imports model outputs made elsewhere (for example on a large GPU with vLLM or
 * lm-evaluation-harness) as an evaluation run. Each line is matched to a problem of a loaded
 * benchmark, and each output is graded here with the same extraction and equivalence rules as local
 * runs. The results are stored in batched transactions.
 */
import type { WorkbenchDatabase } from '../db/database.ts';
import type { EvalResultRecord, EvalRunRecord } from '../db/eval.ts';
import { isJsonlError, parseJsonl, type ByteSource } from '../util/jsonl.ts';
import { benchmarkProblems, MAX_REPORTED_ISSUES, type LineIssue } from './benchmark-loader.ts';
import { detectFormat, OUTPUT_FORMAT_LABELS, readOutputLine, type OutputFormat } from './import-formats.ts';
import { ProblemMatcher, type MatchedBy } from './problem-matcher.ts';
import { gradeOutput, type GradeOutput } from './runs/grading.ts';
import { deleteRun } from './runs/store.ts';
import { abandonFileImport } from './storage-errors.ts';

export interface ImportOutputsOptions {
  benchmarkId: string;
  fileName: string;
  /** Run name; the file name when empty. */
  name?: string;
  /** Model that produced the outputs, for the runs list. */
  modelName?: string;
  /** 'auto' detects the format from the first valid line. */
  format: OutputFormat | 'auto';
  /** Results per write transaction. */
  batchSize?: number;
  onProgress?(progress: { lines: number; matched: number; skipped: number }): void;
  grade?: GradeOutput;
}

export interface ImportOutputsResult {
  run: EvalRunRecord;
  format: OutputFormat;
  issues: LineIssue[];
  skippedLines: number;
  /** How many lines were matched by id, by problem text and by prompt text. */
  matchedBy: Record<MatchedBy, number>;
  /** Benchmark problems without any imported output. */
  problemsWithoutOutput: number;
}

function formatError(fileName: string, line: number, value: Record<string, unknown>): Error {
  const expected = Object.values(OUTPUT_FORMAT_LABELS).join('; ');
  return new Error(
    `${fileName}: line ${line} is not in a known output format (its fields: ${Object.keys(value).join(', ') || 'none'}). ` +
      `Expected one of: ${expected}. A JSONL of {"id" or "problem", "output"} always works.`,
  );
}

/**
 * Streams an outputs file into a new imported run on a loaded benchmark. Throws when the format is
 * unknown or no line matches a problem, and StorageFullError when IndexedDB is full. The partly
 * written run is then removed, and everything stored before is untouched.
 */
export async function importOutputs(db: WorkbenchDatabase, source: ByteSource, options: ImportOutputsOptions): Promise<ImportOutputsResult> {
  const benchmark = await db.benchmarks.get(options.benchmarkId);
  if (!benchmark) throw new Error(`Benchmark ${options.benchmarkId} not found: load the benchmark file first.`);
  if (benchmark.status !== 'ready') throw new Error(`Benchmark "${benchmark.name}" did not finish loading; load its file again.`);
  const matcher = new ProblemMatcher(await benchmarkProblems(db, benchmark.id));
  const grade = options.grade ?? gradeOutput;
  const batchSize = options.batchSize ?? 500;

  const now = Date.now();
  const run: EvalRunRecord = {
    id: crypto.randomUUID(),
    name: options.name?.trim() || options.fileName,
    benchmarkId: benchmark.id,
    benchmarkName: benchmark.name,
    benchmarkKind: benchmark.kind,
    source: 'import',
    model: { name: options.modelName?.trim() || 'unknown model (imported outputs)' },
    template: null,
    exemplars: [],
    sampling: null,
    samplesPerProblem: 1,
    problemIndices: [],
    status: 'running',
    createdAt: now,
    updatedAt: now,
    generationMs: 0,
    importInfo: { fileName: options.fileName, format: options.format, skippedLines: 0 },
  };
  const issues: LineIssue[] = [];
  const lineOfProblem = new Map<number, { line: number; docId?: number }>();
  const matchedBy: Record<MatchedBy, number> = { id: 0, problem: 0, prompt: 0 };
  let format: OutputFormat | null = options.format === 'auto' ? null : options.format;
  let batch: EvalResultRecord[] = [];
  let written = false;
  let lines = 0;

  const report = (issue: LineIssue) => {
    run.importInfo!.skippedLines++;
    if (issues.length < MAX_REPORTED_ISSUES) issues.push(issue);
  };

  const flush = async (final: boolean) => {
    if (final) {
      run.status = 'finished';
      run.problemIndices = [...lineOfProblem.keys()].sort((a, b) => a - b);
    }
    run.updatedAt = Date.now();
    const rows = batch;
    batch = [];
    await db.transaction('rw', db.evalRuns, db.evalResults, async () => {
      if (rows.length > 0) await db.evalResults.bulkPut(rows);
      await db.evalRuns.put(run);
    });
    written = true;
    options.onProgress?.({ lines, matched: lineOfProblem.size, skipped: run.importInfo!.skippedLines });
  };

  try {
    for await (const item of parseJsonl(source)) {
      lines = item.line;
      if (isJsonlError(item)) {
        report({ line: item.line, error: item.error, excerpt: item.excerpt });
        continue;
      }
      if (format === null) {
        format = detectFormat(item.value);
        if (format === null) throw formatError(options.fileName, item.line, item.value);
        run.importInfo!.format = format;
      }
      const read = readOutputLine(item.value, format);
      if (!read.ok) {
        report({ line: item.line, error: read.error });
        continue;
      }
      const found = matcher.match(read.line.keys);
      if (!found) {
        report({ line: item.line, error: `matches no problem of "${benchmark.name}" by id, problem text or prompt` });
        continue;
      }
      const { problem } = found;
      const earlier = lineOfProblem.get(problem.index);
      if (earlier) {
        const sameDoc = read.line.keys.docId !== undefined && read.line.keys.docId === earlier.docId;
        report({
          line: item.line,
          error: sameDoc
            ? `same document as line ${earlier.line} (logged once per filter); skipped`
            : `problem ${problem.problemId} already has outputs from line ${earlier.line}; skipped`,
        });
        continue;
      }
      lineOfProblem.set(problem.index, { line: item.line, docId: read.line.keys.docId });
      matchedBy[found.by]++;
      run.samplesPerProblem = Math.max(run.samplesPerProblem, read.line.outputs.length);

      read.line.outputs.forEach((output, sample) => {
        const graded = grade(output.text, problem.gold, benchmark.kind, problem.problem);
        batch.push({
          runId: run.id,
          problemIndex: problem.index,
          sample,
          problemId: problem.problemId,
          ...(problem.subject !== undefined ? { subject: problem.subject } : {}),
          ...(problem.level !== undefined ? { level: problem.level } : {}),
          prompt: read.line.prompt,
          output: output.text,
          extracted: graded.extracted,
          rule: graded.rule,
          gold: problem.gold,
          verdict: graded.verdict,
          method: graded.method,
          tokens: output.tokens,
          ms: read.line.ms,
          stopReason: output.stopReason,
          finishedAt: Date.now(),
        });
      });
      if (batch.length >= batchSize) await flush(false);
    }
    if (lineOfProblem.size === 0) {
      const first = issues[0];
      throw new Error(
        `${options.fileName}: no output could be matched to a problem of "${benchmark.name}" (${run.importInfo!.skippedLines} lines skipped` +
          `${first ? `; line ${first.line}: ${first.error}` : ''}). Check that you chose the benchmark these outputs were made on.`,
      );
    }
    await flush(true);
  } catch (error) {
    throw await abandonFileImport(error, {
      written,
      remove: () => deleteRun(db, run.id),
      partial: `run ${run.id}`,
      activity: 'importing',
      fileName: options.fileName,
      line: lines,
      outcome: 'The import was not kept',
    });
  }
  return {
    run,
    format: format!,
    issues,
    skippedLines: run.importInfo!.skippedLines,
    matchedBy,
    problemsWithoutOutput: benchmark.problemCount - lineOfProblem.size,
  };
}
