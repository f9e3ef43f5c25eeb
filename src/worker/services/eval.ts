/**
 * Worker service for the Evaluate page: loading benchmark files, importing outputs made elsewhere
 * (both parse and grade thousands of lines, so they run off the UI thread) and running evaluations
 * with a model. Files arrive as Blobs (a File is one), which cross the worker boundary by reference.
 */
import type { WorkbenchDatabase } from '../../db/database.ts';
import { getDatabase } from '../../db/database.ts';
import type { BenchmarkRecord, EvalRunRecord } from '../../db/eval.ts';
import { loadBenchmark, type LineIssue, type LoadBenchmarkOptions } from '../../eval/benchmark-loader.ts';
import { importOutputs, type ImportOutputsOptions, type ImportOutputsResult } from '../../eval/import.ts';
import type { Generator } from '../../eval/runs/generator.ts';
import { createEvalRun, runEval, type EvalProgress, type EvalRunConfig } from '../../eval/runs/orchestrator.ts';
import type { RenderChat } from '../../eval/templates.ts';
import { failureOf, throttle, type WorkerFailure, type WorkerOutcome } from './outcome.ts';

/** Error crossing the worker boundary as a plain object; `name` distinguishes StorageFullError and BenchmarkShapeError. */
export type EvalFailure = WorkerFailure;

export type Outcome<T> = WorkerOutcome<T>;

export type LoadBenchmarkReport = Outcome<{ benchmark: BenchmarkRecord; issues: LineIssue[]; skippedLines: number }>;
export type ImportOutputsReport = Outcome<ImportOutputsResult>;
export type EvalRunOutcome = Outcome<{ progress: EvalProgress }>;

export type LoadBenchmarkRequest = Omit<LoadBenchmarkOptions, 'onProgress' | 'batchSize'>;
export type ImportOutputsRequest = Omit<ImportOutputsOptions, 'onProgress' | 'grade' | 'batchSize'>;

const failure = (error: unknown, context: string) => failureOf('eval', error, context);

/** Progress messages per second sent to the UI at most; each is a postMessage. */
const PROGRESS_INTERVAL_MS = 200;

export interface EvalService {
  /** Streams a benchmark JSONL file into IndexedDB; bad lines come back in `issues` by number. */
  loadBenchmarkFile(file: Blob, request: LoadBenchmarkRequest, onProgress?: (progress: { lines: number; imported: number; skipped: number }) => void): Promise<LoadBenchmarkReport>;
  /** Matches, grades and stores an outputs file as a run on a loaded benchmark. */
  importOutputsFile(file: Blob, request: ImportOutputsRequest, onProgress?: (progress: { lines: number; matched: number; skipped: number }) => void): Promise<ImportOutputsReport>;
}

/**
 * Runs `work` with a throttled progress callback and returns its result as an Outcome; a thrown
 * error is logged with `context` and returned as a failure.
 */
async function withProgress<P, R extends object>(
  onProgress: ((progress: P) => void) | undefined,
  context: string,
  work: (report: (progress: P) => void) => Promise<R>,
): Promise<Outcome<R>> {
  const progress = throttle(onProgress, PROGRESS_INTERVAL_MS);
  try {
    const result = await work(progress.call);
    progress.flush();
    return { ok: true, ...result };
  } catch (error) {
    return failure(error, context);
  }
}

export function createEvalService(database: () => WorkbenchDatabase = getDatabase): EvalService {
  return {
    loadBenchmarkFile(file, request, onProgress) {
      return withProgress(onProgress, `loading benchmark file ${request.fileName}`, (report) =>
        loadBenchmark(database(), file.stream(), { ...request, onProgress: report }),
      );
    },

    importOutputsFile(file, request, onProgress) {
      return withProgress(onProgress, `importing outputs file ${request.fileName} on benchmark ${request.benchmarkId}`, (report) =>
        importOutputs(database(), file.stream(), { ...request, onProgress: report }),
      );
    },
  };
}

export const evalService: EvalService = createEvalService();

/** Engine objects for a loaded model: the batched generator and, for chat templates, its chat renderer. */
export interface OpenedGenerator {
  generator: Generator;
  renderChat?: RenderChat;
}

/**
 * Model runs. `M` is the engine's model handle; the worker builds this service with the engine's
 * `openGenerator` once the engine exists.
 */
export interface EvalRunService<M> {
  startEvalRun(config: EvalRunConfig, model: M, onProgress?: (progress: EvalProgress) => void): Promise<EvalRunOutcome & { runId?: string }>;
  resumeEvalRun(runId: string, model: M, onProgress?: (progress: EvalProgress) => void): Promise<EvalRunOutcome>;
  /** Pauses a run started by this worker; false when it is not running here. */
  stopEvalRun(runId: string): Promise<boolean>;
}

export function createEvalRunService<M>(openGenerator: (model: M) => Promise<OpenedGenerator>, database: () => WorkbenchDatabase = getDatabase): EvalRunService<M> {
  const active = new Map<string, AbortController>();

  const execute = async (run: EvalRunRecord, model: M, onProgress?: (progress: EvalProgress) => void): Promise<EvalRunOutcome> => {
    if (active.has(run.id)) return failure(new Error(`Run "${run.name}" is already running.`), `starting run ${run.id}`);
    const controller = new AbortController();
    active.set(run.id, controller);
    const progress = throttle(onProgress, PROGRESS_INTERVAL_MS);
    try {
      const { generator, renderChat } = await openGenerator(model);
      const final = await runEval(database(), run.id, { generator, renderChat, signal: controller.signal, onProgress: progress.call });
      progress.flush();
      return { ok: true, progress: final };
    } catch (error) {
      progress.flush();
      return failure(error, `run ${run.id}`);
    } finally {
      active.delete(run.id);
    }
  };

  return {
    async startEvalRun(config, model, onProgress) {
      let run: EvalRunRecord;
      try {
        run = await createEvalRun(database(), config);
      } catch (error) {
        return failure(error, `creating run "${config.name}" on benchmark ${config.benchmark.id}`);
      }
      return { ...(await execute(run, model, onProgress)), runId: run.id };
    },

    async resumeEvalRun(runId, model, onProgress) {
      const run = await database().evalRuns.get(runId);
      if (!run) return failure(new Error(`Run ${runId} not found: it may have been deleted.`), `resuming run ${runId}`);
      return execute(run, model, onProgress);
    },

    async stopEvalRun(runId) {
      const controller = active.get(runId);
      controller?.abort();
      return controller !== undefined;
    },
  };
}
