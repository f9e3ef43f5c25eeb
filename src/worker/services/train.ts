/**
 * Worker service for the Train page. A run is stored in IndexedDB (settings, live figures, loss
 * curves) and trained here, next to the GPU device; checkpoints go to OPFS under mwb-train/<run id>.
 * The page reads runs and curves straight from IndexedDB, so a reload loses nothing: runs still
 * marked "running" were interrupted, and the page calls runTraining again, which resumes from the
 * last checkpoint.
 */
import type { WorkbenchDatabase } from '../../db/database.ts';
import { getDatabase } from '../../db/database.ts';
import type { TrainRunRecord, TrainRunStatus } from '../../db/train.ts';
import { forEachPage } from '../../data/store/queries.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { acquireGpu } from '../../gpu/session.ts';
import { writableStreamSink, writeGguf } from '../../model/gguf/writer.ts';
import { asFloat32, CheckpointManager, CheckpointSaveError, type CheckpointStorage } from '../../train/checkpoint.ts';
import { opfsFolder, opfsStorage, removeOpfsFolder } from '../../train/checkpoint-opfs.ts';
import { trainedModelGguf, type ExportType } from '../../train/export.ts';
import { checkTrainingMemory, describeEstimate, estimateTrainingMemory } from '../../train/memory.ts';
import { parameterLayout } from '../../train/parameters.ts';
import { prepareTrainingData, type StageRecords } from '../../train/prepare.ts';
import type { SftRecord } from '../../train/sft-data.ts';
import { TrainingTokenizer } from '../../train/tokenizer.ts';
import { trainModel } from '../../train/train-model.ts';
import type { TrainerState } from '../../train/trainer.ts';
import type { TrainingConfig } from '../../train/training-config.ts';

export type NewTrainRun = Pick<TrainRunRecord, 'name' | 'preset' | 'config' | 'data'>;

export type TrainRunOutcome = { status: TrainRunStatus; error?: string } | { status: 'busy'; error: string };

export interface MemoryCheck {
  /** The estimate in one line. */
  description: string;
  /** The reason the adapter or the budget cannot fit it; null when it fits. */
  error: string | null;
}

export interface TrainService {
  /** Estimates the GPU memory of a config on this adapter, before anything is allocated. */
  checkTrainingMemory(config: TrainingConfig): Promise<MemoryCheck>;
  /** Stores a new run (status 'created') and returns its id; nothing is trained yet. */
  createTrainRun(run: NewTrainRun): Promise<string>;
  /** Trains a run from its last checkpoint (or the start) until it completes, is paused or fails. */
  runTraining(runId: string): Promise<TrainRunOutcome>;
  /** Asks a running run to stop after its current step, with a checkpoint. */
  pauseTraining(runId: string): Promise<void>;
  /** Writes the run's latest weights as a GGUF file in OPFS and returns it. */
  exportTrainedModel(runId: string, type: ExportType): Promise<File>;
  /** Deletes a run, its curves and its checkpoints (not while it trains). */
  deleteTrainRun(runId: string): Promise<void>;
}

export interface TrainServiceDeps {
  db: () => WorkbenchDatabase;
  gpu: () => Promise<GpuContext>;
  /** The checkpoint folder of a run. */
  checkpoints: (runId: string) => Promise<CheckpointStorage>;
  removeCheckpoints: (runId: string) => Promise<void>;
  /** Lets one tab at a time train a run; calls `work` with false when another tab has the lock. */
  withRunLock: <T>(runId: string, work: (acquired: boolean) => Promise<T>) => Promise<T>;
}

const SHARD_PAGE = 2000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Curve and progress writes do not hold up training; a failed one is logged and the next step writes again. */
function logWriteFailure(runId: string): (error: unknown) => void {
  return (error) => console.warn(`[train] run ${runId}: storing progress failed: ${message(error)}`);
}

async function loadStageRecords(db: WorkbenchDatabase, run: TrainRunRecord): Promise<StageRecords[]> {
  const stages: StageRecords[] = [];
  for (const stage of run.data.stages) {
    const records: SftRecord[] = [];
    for (const shard of stage.shards) {
      if (!(await db.synthShards.get(shard.shardId))) throw new Error(`Shard "${shard.shardName}" of stage ${stage.name} was deleted; this run cannot continue.`);
      await forEachPage(db, shard.shardId, SHARD_PAGE, (page) => {
        for (const p of page) records.push({ problem: p.problem, solution: p.solution, answer: p.answer, source: `${shard.shardName}#${p.index}` });
      });
    }
    stages.push({ name: stage.name, records, sourceName: stage.shards.map((s) => `shard "${s.shardName}"`).join(' + ') });
  }
  return stages;
}

/** Builds the service; the worker passes the browser's IndexedDB, GPU, OPFS and Web Locks. */
export function createTrainService(deps: TrainServiceDeps): TrainService {
  const active = new Map<string, AbortController>();

  async function update(runId: string, changes: Partial<TrainRunRecord>): Promise<void> {
    await deps.db().trainRuns.update(runId, { ...changes, updatedAt: Date.now() });
  }

  async function train(run: TrainRunRecord): Promise<TrainRunOutcome> {
    const db = deps.db();
    const controller = new AbortController();
    active.set(run.id, controller);
    await update(run.id, { status: 'running', error: undefined });
    try {
      const prepared = await prepareTrainingData({
        stages: await loadStageRecords(db, run),
        template: { prompt: run.data.prompt },
        tokenizer: run.data.tokenizer,
        seqLen: run.config.seqLen,
        overflow: run.data.overflow,
        heldOut: run.data.heldOut,
        seed: run.config.seed,
      });
      const config: TrainingConfig = { ...run.config, model: { ...run.config.model, vocabSize: prepared.data.tokenizer.vocabSize } };
      await update(run.id, { config, reports: prepared.reports });
      const checkpoints = new CheckpointManager(await deps.checkpoints(run.id));
      const ctx = await deps.gpu();
      const result = await trainModel(
        ctx,
        config,
        prepared.data,
        {
          onStart: async ({ plans, totalSteps, resumedFrom }) => {
            // Steps after the checkpoint were lost with the previous session; they are trained again.
            const after = resumedFrom?.step ?? 0;
            await db.transaction('rw', db.trainRuns, db.trainSteps, db.trainEvals, async () => {
              await db.trainSteps.where('[runId+step]').between([run.id, after + 1], [run.id, Infinity]).delete();
              await db.trainEvals.where('[runId+step]').between([run.id, after + 1], [run.id, Infinity]).delete();
              const stored = await db.trainRuns.get(run.id);
              const resumes = resumedFrom ? [...(stored?.resumes ?? []), { step: resumedFrom.step, at: Date.now() }] : stored?.resumes;
              await db.trainRuns.update(run.id, { plans, totalSteps, resumes, step: after, updatedAt: Date.now() });
            });
          },
          onStep: (point, progress) => {
            db.transaction('rw', db.trainRuns, db.trainSteps, async () => {
              await db.trainSteps.put({ runId: run.id, ...point });
              await db.trainRuns.update(run.id, {
                step: point.step,
                loss: point.loss,
                learningRate: point.learningRate,
                tokensPerSecond: progress.tokensPerSecond,
                etaMs: progress.etaMs,
                updatedAt: Date.now(),
              });
            }).catch(logWriteFailure(run.id));
          },
          onEval: (point) => {
            db.transaction('rw', db.trainRuns, db.trainEvals, async () => {
              await db.trainEvals.put({ runId: run.id, ...point });
              await db.trainRuns.update(run.id, { heldOutLoss: point.loss, updatedAt: Date.now() });
            }).catch(logWriteFailure(run.id));
          },
          onCheckpoint: (saved, state: TrainerState) => {
            update(run.id, { lastCheckpoint: saved, step: state.step, tokens: state.tokens, elapsedMs: state.elapsedMs }).catch(logWriteFailure(run.id));
          },
        },
        controller.signal,
        { checkpoints },
      );
      await update(run.id, {
        status: result.status,
        step: result.steps,
        tokens: result.tokens,
        elapsedMs: result.elapsedMs,
        etaMs: 0,
        lastCheckpoint: result.lastCheckpoint ?? undefined,
        ...(result.finalHeldOutLoss === null ? {} : { heldOutLoss: result.finalHeldOutLoss }),
      });
      return { status: result.status };
    } catch (error) {
      // A failed checkpoint write leaves the previous checkpoint valid, so the run can resume once space is freed.
      const status: TrainRunStatus = error instanceof CheckpointSaveError ? 'paused' : 'failed';
      console.warn(`[train] run ${run.id} stopped (${status}): ${message(error)}`);
      await update(run.id, { status, error: message(error) });
      return { status, error: message(error) };
    } finally {
      active.delete(run.id);
    }
  }

  return {
    async checkTrainingMemory(config) {
      const ctx = await deps.gpu();
      const estimate = estimateTrainingMemory(config.model, config.microBatch, config.seqLen, ctx.limits, undefined, ctx.tuning);
      try {
        checkTrainingMemory(estimate, ctx.limits, config.memoryBudget);
        return { description: describeEstimate(estimate), error: null };
      } catch (error) {
        return { description: describeEstimate(estimate), error: message(error) };
      }
    },

    async createTrainRun(spec) {
      const now = Date.now();
      const id = crypto.randomUUID();
      await deps.db().trainRuns.add({ ...spec, id, status: 'created', step: 0, tokens: 0, elapsedMs: 0, createdAt: now, updatedAt: now });
      return id;
    },

    async runTraining(runId) {
      if (active.has(runId)) return { status: 'busy', error: 'This run is already training in this tab.' };
      return deps.withRunLock(runId, async (acquired) => {
        if (!acquired) return { status: 'busy', error: 'This run is training in another tab.' };
        const run = await deps.db().trainRuns.get(runId);
        if (!run) throw new Error(`Training run ${runId} was not found; it may have been deleted.`);
        if (run.status === 'completed') return { status: 'completed' };
        return train(run);
      });
    },

    async pauseTraining(runId) {
      active.get(runId)?.abort();
    },

    async exportTrainedModel(runId, type) {
      const db = deps.db();
      const run = await db.trainRuns.get(runId);
      if (!run) throw new Error(`Training run ${runId} was not found.`);
      const checkpoint = await new CheckpointManager(await deps.checkpoints(runId)).loadLatest<TrainerState>();
      if (!checkpoint) throw new Error(`Run "${run.name}" has no checkpoint yet; export needs at least one saved step.`);
      const tokenizerBytes = checkpoint.sections.get('tokenizer');
      const parameters = checkpoint.sections.get('parameters');
      if (!tokenizerBytes || !parameters) throw new Error(`The checkpoint of run "${run.name}" lacks its tokenizer or weights.`);
      const tokenizer = await TrainingTokenizer.fromGguf(tokenizerBytes, run.data.tokenizer.kind);
      const model = { config: run.config.model, tokenizer, layout: parameterLayout(run.config.model), parameters: asFloat32(parameters) };
      const fileName = `${run.name.replace(/[^\w.-]+/g, '_')}-step${checkpoint.header.step}-${type}.gguf`;
      const folder = await opfsFolder(['mwb-train', runId, 'exports']);
      const handle = await folder.getFileHandle(fileName, { create: true });
      await writeGguf(writableStreamSink(await handle.createWritable()), trainedModelGguf(model, { type, name: run.name, description: `Trained in the Math Reasoning Workbench, run "${run.name}", step ${checkpoint.header.step}.` }));
      const file = await handle.getFile();
      const exports = (run.exports ?? []).filter((e) => e.fileName !== fileName);
      await update(runId, { exports: [...exports, { type, fileName, bytes: file.size, at: Date.now() }] });
      return file;
    },

    async deleteTrainRun(runId) {
      if (active.has(runId)) throw new Error('Pause the run before deleting it.');
      const db = deps.db();
      await db.transaction('rw', db.trainRuns, db.trainSteps, db.trainEvals, async () => {
        await db.trainSteps.where('runId').equals(runId).delete();
        await db.trainEvals.where('runId').equals(runId).delete();
        await db.trainRuns.delete(runId);
      });
      await deps.removeCheckpoints(runId);
    },
  };
}

/** The service as the GPU worker runs it: IndexedDB, the shared GPU device, OPFS and Web Locks. */
export const trainService: TrainService = createTrainService({
  db: getDatabase,
  gpu: () => acquireGpu(),
  checkpoints: async (runId) => opfsStorage(await opfsFolder(['mwb-train', runId]), `OPFS mwb-train/${runId}`),
  removeCheckpoints: (runId) => removeOpfsFolder(['mwb-train', runId]),
  withRunLock: <T>(runId: string, work: (acquired: boolean) => Promise<T>) =>
    navigator.locks.request(`mwb-train-${runId}`, { ifAvailable: true }, (lock) => work(lock !== null)) as Promise<T>,
});
