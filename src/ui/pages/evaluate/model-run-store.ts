/**
 * State of the Evaluate page's model runs (zustand) and the actions that call the GPU worker: load
 * the chosen cached model when it is not loaded with enough batch slots and context, then start,
 * stop or resume a run. Progress arrives through a comlink callback and stays here while the user
 * visits other pages.
 */
import { create } from 'zustand';
import type { EvalRunRecord } from '../../../db/eval.ts';
import type { LoadProgress } from '../../../engine/weights.ts';
import type { EvalProgress, EvalRunConfig } from '../../../eval/runs/orchestrator.ts';
import type { EvalRunOutcome } from '../../../worker/services/eval.ts';
import { callback, gpuWorker } from '../../worker-client.ts';

export interface ModelLoadState {
  name: string;
  loadedBytes: number;
  totalBytes: number;
}

export interface ModelRunState {
  /** The run this tab is generating, or null. */
  runId: string | null;
  loading: ModelLoadState | null;
  progress: EvalProgress | null;
  /** Outcome message of the last run ended in this tab. */
  message: { ok: boolean; text: string } | null;
  stopping: boolean;
  set(update: Partial<Omit<ModelRunState, 'set'>>): void;
}

export const useModelRunStore = create<ModelRunState>((set) => ({
  runId: null,
  loading: null,
  progress: null,
  message: null,
  stopping: false,
  set: (update) => set(update),
}));

const state = () => useModelRunStore.getState();

export interface EngineSettings {
  /** KV-cache positions per sequence. */
  contextLength: number;
  /** Sequences decoded together. */
  batch: number;
}

/** Loads `name` unless it is loaded already with at least the batch and context asked for. */
async function ensureModel(name: string, settings: EngineSettings): Promise<void> {
  const loaded = await gpuWorker().loadedModel();
  if (loaded && loaded.name === name && loaded.batch >= settings.batch && loaded.contextLength >= settings.contextLength) return;
  state().set({ loading: { name, loadedBytes: 0, totalBytes: 0 } });
  try {
    const result = await gpuWorker().loadModel(
      name,
      { contextLength: settings.contextLength, batch: settings.batch, memoryLimitMb: null },
      callback((p: LoadProgress) => state().set({ loading: { name, loadedBytes: p.loadedBytes, totalBytes: p.totalBytes } })),
    );
    if (!result.ok) throw new Error(`Loading ${name} failed: ${result.error.message}`);
  } finally {
    state().set({ loading: null });
  }
}

function finish(outcome: EvalRunOutcome, runName: string): void {
  if (!outcome.ok) {
    state().set({ message: { ok: false, text: `Run “${runName}” stopped: ${outcome.error.message}` } });
    return;
  }
  const p = outcome.progress;
  const text = p.status === 'finished' ? `Run “${runName}” finished: ${p.correct} of ${p.total} correct.` : `Run “${runName}” paused with ${p.finished} of ${p.total} samples stored; resume it below.`;
  state().set({ message: { ok: true, text }, progress: p });
}

async function execute(runName: string, work: (onProgress: (p: EvalProgress) => void) => Promise<EvalRunOutcome & { runId?: string }>): Promise<void> {
  state().set({ message: null, progress: null, stopping: false });
  // Progress comes over the callback's own message port, so a last report can arrive after the
  // outcome. The flag keeps it from marking the ended run as running again.
  let ended = false;
  const onProgress = (p: EvalProgress) => {
    if (!ended) state().set({ runId: p.runId, progress: p });
  };
  try {
    const outcome = await work(callback(onProgress));
    ended = true;
    finish(outcome, runName);
  } catch (error) {
    ended = true;
    state().set({ message: { ok: false, text: (error as Error).message } });
  } finally {
    ended = true;
    state().set({ runId: null, stopping: false });
  }
}

/** Loads the model when needed and starts a new run of `config` on it. */
export function startModelRun(config: EvalRunConfig, modelName: string, settings: EngineSettings): Promise<void> {
  return execute(config.name || `${modelName} on ${config.benchmark.name}`, async (onProgress) => {
    await ensureModel(modelName, settings);
    return gpuWorker().startEvalRun(config, modelName, onProgress);
  });
}

/** Loads the run's model when needed and continues the run from its stored results. */
export function resumeModelRun(run: EvalRunRecord, settings: EngineSettings): Promise<void> {
  return execute(run.name, async (onProgress) => {
    await ensureModel(run.model.name, settings);
    return gpuWorker().resumeEvalRun(run.id, run.model.name, onProgress);
  });
}

/** Asks the worker to pause the running run; its finished samples stay stored. */
export async function stopModelRun(): Promise<void> {
  const runId = state().runId;
  if (!runId) return;
  state().set({ stopping: true });
  await gpuWorker().stopEvalRun(runId);
}
