/**
 * Worker service for the Scaling page's experiments: a sweep runs here, next to the GPU device. The
 * spec and every cell are stored in IndexedDB (scalingExperiments, scalingCells) as soon as they
 * change, evaluations are eval runs (Evaluate and Inspect pages), and training checkpoints go to
 * OPFS under mwb-experiments/<experiment id>/<cell id>. After a reload the page calls
 * resumeExperiment, which skips finished cells and continues the interrupted one.
 */
import type { WorkbenchDatabase } from '../../db/database.ts';
import { getDatabase } from '../../db/database.ts';
import { putExperimentCell, saveExperimentResults } from '../../db/scaling.ts';
import { GpuModel } from '../../engine/model.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { acquireGpu } from '../../gpu/session.ts';
import { GgufTokenizer } from '../../model/tokenizer/tokenizer.ts';
import { generateTestSets, type TestSet } from '../../scaling/experiment/data.ts';
import { runExperiment, type ExperimentHost, type ExperimentProgress, type ExperimentSummary } from '../../scaling/experiment/runner.ts';
import { resolveSpec, type ExperimentSpec } from '../../scaling/experiment/spec.ts';
import { benchmarkTestSet, evaluateStored, storeTestSetBenchmark } from '../../scaling/experiment/stored-eval.ts';
import { RESULTS_FORMAT, RESULTS_VERSION } from '../../scaling/results.ts';
import type { BenchmarkRecord } from '../../db/eval.ts';
import { CheckpointManager, type CheckpointStorage } from '../../train/checkpoint.ts';
import { opfsFolder, opfsStorage, removeOpfsFolder } from '../../train/checkpoint-opfs.ts';
import { LocalGenerator } from './local-model.ts';
import { failureOf, type WorkerFailure } from './outcome.ts';

export type ExperimentFailure = WorkerFailure;

export type ExperimentOutcome =
  | { ok: true; experimentId: string; status: ExperimentSummary['status']; done: number; failed: number; remaining: number }
  | { ok: false; experimentId?: string; error: ExperimentFailure };

export interface ExperimentsService {
  /** Stores a new experiment for the spec (raising ExperimentSpecError for invalid values) and runs it. */
  startExperiment(spec: unknown, onProgress?: (progress: ExperimentProgress) => void): Promise<ExperimentOutcome>;
  /** Runs the unfinished cells of a stored experiment (failed ones too with `retryFailed`). */
  resumeExperiment(experimentId: string, onProgress?: (progress: ExperimentProgress) => void, options?: { retryFailed?: boolean }): Promise<ExperimentOutcome>;
  /** Stops the running sweep after the current training step or generation batch; false when it does not run here. */
  pauseExperiment(experimentId: string): Promise<boolean>;
  /** The experiment this worker is running, or null. */
  runningExperiment(): Promise<string | null>;
  /** Deletes an experiment's checkpoints (the page deletes its records). */
  removeExperimentFiles(experimentId: string): Promise<void>;
}

export interface ExperimentsDeps {
  db: () => WorkbenchDatabase;
  gpu: () => Promise<GpuContext>;
  checkpoints: (experimentId: string, cellId: string) => Promise<CheckpointStorage>;
  removeCheckpoints: (experimentId: string) => Promise<void>;
  /** Lets one tab at a time run an experiment; calls `work` with false when another tab has it. */
  withLock: <T>(experimentId: string, work: (acquired: boolean) => Promise<T>) => Promise<T>;
}

function failure(error: unknown, context: string, experimentId?: string): ExperimentOutcome {
  return { ...failureOf('experiments', error, context), ...(experimentId ? { experimentId } : {}) };
}

function newExperimentId(): string {
  return `exp-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 13)}-${crypto.randomUUID().slice(0, 4)}`;
}

export function createExperimentsService(deps: ExperimentsDeps): ExperimentsService {
  let running: { id: string; controller: AbortController } | null = null;

  const run = async (experimentId: string, spec: ExperimentSpec, onProgress: ((progress: ExperimentProgress) => void) | undefined, retryFailed: boolean): Promise<ExperimentOutcome> => {
    if (running) return failure(new Error(`Experiment ${running.id} is running; pause it first.`), `running experiment ${experimentId}`, experimentId);
    const controller = new AbortController();
    running = { id: experimentId, controller };
    try {
      return await deps.withLock(experimentId, async (acquired) => {
        if (!acquired) return failure(new Error('This experiment is running in another tab.'), `running experiment ${experimentId}`, experimentId);
        const db = deps.db();
        const experiment = { id: experimentId, name: spec.name };
        const benchmarks = new Map<string, BenchmarkRecord>();
        const extraTestSets: TestSet[] = [];
        for (const testSet of generateTestSets(spec)) benchmarks.set(testSet.key, await storeTestSetBenchmark(db, experiment, testSet));
        if (spec.benchmark) {
          if (!spec.benchmark.id) throw new Error('The spec\'s benchmark names a file (path) but no loaded benchmark (id); in the browser, load the file on the Evaluate page and choose it.');
          const loaded = await benchmarkTestSet(db, spec.benchmark.id, spec.benchmark.limit);
          benchmarks.set('benchmark', loaded.benchmark);
          extraTestSets.push(loaded.testSet);
        }

        const host: ExperimentHost = {
          gpu: deps.gpu,
          loadCells: async () => (await db.scalingCells.where('experimentId').equals(experimentId).toArray()).map(({ experimentId: _id, order: _order, ...cell }) => cell),
          putCell: (cell) => putExperimentCell(db, experimentId, cell),
          checkpoints: async (cellId) => new CheckpointManager(await deps.checkpoints(experimentId, cellId), 1),
          async openModel(ctx, file, settings) {
            const model = await GpuModel.load(ctx, file, { contextLength: settings.contextLength, batch: settings.batch });
            const generator = new LocalGenerator({ model, tokenizer: GgufTokenizer.fromGguf(file), name: file.name, detail: model.describe() });
            return { generator, close: async () => model.dispose() };
          },
          evaluate: (request) => evaluateStored(db, spec.name, benchmarks.get(request.testSet.key)!, request),
        };
        const summary = await runExperiment(host, spec, { signal: controller.signal, onProgress, retryFailed, extraTestSets });
        if (summary.status === 'finished') await deps.removeCheckpoints(experimentId);
        return { ok: true, experimentId, status: summary.status, done: summary.done, failed: summary.failed, remaining: summary.remaining };
      });
    } catch (error) {
      return failure(error, `experiment ${experimentId}`, experimentId);
    } finally {
      running = null;
    }
  };

  return {
    async startExperiment(value, onProgress) {
      let spec: ExperimentSpec;
      try {
        spec = resolveSpec(value);
      } catch (error) {
        return failure(error, 'checking the experiment spec');
      }
      const id = newExperimentId();
      try {
        await saveExperimentResults(deps.db(), { format: RESULTS_FORMAT, version: RESULTS_VERSION, experiment: { id, name: spec.name, createdAt: new Date().toISOString(), spec }, cells: [] });
      } catch (error) {
        return failure(error, `storing experiment "${spec.name}"`);
      }
      return run(id, spec, onProgress, false);
    },

    async resumeExperiment(experimentId, onProgress, options = {}) {
      const record = await deps.db().scalingExperiments.get(experimentId);
      if (!record) return failure(new Error(`Experiment ${experimentId} is not stored in this browser.`), `resuming experiment ${experimentId}`, experimentId);
      let spec: ExperimentSpec;
      try {
        spec = resolveSpec(record.spec, `spec of experiment "${record.name}"`);
      } catch (error) {
        return failure(error, `resuming experiment ${experimentId}`, experimentId);
      }
      return run(experimentId, spec, onProgress, options.retryFailed ?? false);
    },

    async pauseExperiment(experimentId) {
      if (running?.id !== experimentId) return false;
      running.controller.abort();
      return true;
    },

    async runningExperiment() {
      return running?.id ?? null;
    },

    async removeExperimentFiles(experimentId) {
      if (running?.id === experimentId) throw new Error('Pause the experiment before deleting it.');
      await deps.removeCheckpoints(experimentId);
    },
  };
}

const CHECKPOINT_ROOT = 'mwb-experiments';

export const experimentsService: ExperimentsService = createExperimentsService({
  db: getDatabase,
  gpu: () => acquireGpu(),
  checkpoints: async (experimentId, cellId) => opfsStorage(await opfsFolder([CHECKPOINT_ROOT, experimentId, cellId]), `OPFS ${CHECKPOINT_ROOT}/${experimentId}/${cellId}`),
  removeCheckpoints: (experimentId) => removeOpfsFolder([CHECKPOINT_ROOT, experimentId]),
  withLock: <T>(experimentId: string, work: (acquired: boolean) => Promise<T>) =>
    navigator.locks.request(`mwb-experiment-${experimentId}`, { ifAvailable: true }, (lock) => work(lock !== null)) as Promise<T>,
});
