/**
 * State of the Scaling page's experiment runs (zustand) and the actions that call the GPU worker:
 * start a sweep from the form, pause it, resume it after a reload. The form and the live progress
 * stay here while the user visits other pages.
 */
import { create } from 'zustand';
import { DEMO_SPEC } from '../../../scaling/experiment/demo.ts';
import type { ExperimentProgress } from '../../../scaling/experiment/runner.ts';
import type { ExperimentOutcome } from '../../../worker/services/experiments.ts';
import { callback, gpuWorker } from '../../worker-client.ts';
import { formFromSpec, type ExperimentForm } from './experiment-form.ts';
import { useScalingView } from './scaling-store.ts';

export interface ExperimentRunState {
  form: ExperimentForm;
  /** The experiment this tab is running, or null. */
  runningId: string | null;
  progress: ExperimentProgress | null;
  pausing: boolean;
  message: { ok: boolean; text: string } | null;
  set(update: Partial<Omit<ExperimentRunState, 'set'>>): void;
}

export const useExperimentRun = create<ExperimentRunState>((set) => ({
  form: formFromSpec(DEMO_SPEC),
  runningId: null,
  progress: null,
  pausing: false,
  message: null,
  set: (update) => set(update),
}));

const state = () => useExperimentRun.getState();

function report(outcome: ExperimentOutcome): void {
  if (!outcome.ok) {
    state().set({ message: { ok: false, text: outcome.error.message } });
    return;
  }
  const counts = `${outcome.done} cells done, ${outcome.failed} failed, ${outcome.remaining} to run`;
  const text = outcome.status === 'finished' ? `Experiment finished: ${counts}.` : `Experiment paused: ${counts}. Resume continues the interrupted cell from its last checkpoint.`;
  state().set({ message: { ok: true, text } });
}

async function execute(work: (onProgress: (p: ExperimentProgress) => void) => Promise<ExperimentOutcome>, experimentId?: string): Promise<void> {
  state().set({ message: null, progress: null, pausing: false, runningId: experimentId ?? 'starting' });
  // A last progress report can arrive after the outcome, over the callback's own message port.
  let ended = false;
  try {
    const outcome = await work((p: ExperimentProgress) => {
      if (!ended) state().set({ progress: p });
    });
    ended = true;
    report(outcome);
  } catch (error) {
    state().set({ message: { ok: false, text: (error as Error).message } });
  } finally {
    ended = true;
    state().set({ runningId: null, pausing: false, progress: null });
  }
}

/** Stores a new experiment for the spec, selects it on the page and runs it in the worker. */
export function startExperiment(spec: Record<string, unknown>): Promise<void> {
  return execute(async (onProgress) => {
    const outcome = await gpuWorker().startExperiment(
      spec,
      callback((p: ExperimentProgress) => {
        onProgress(p);
        if (state().runningId !== 'starting') return;
        // The worker stores the experiment before its first progress report, so it can be selected now.
        void gpuWorker()
          .runningExperiment()
          .then((id) => {
            if (!id || state().runningId !== 'starting') return;
            state().set({ runningId: id });
            useScalingView.getState().set({ selectedExperiment: id });
          });
      }),
    );
    if (outcome.experimentId) useScalingView.getState().set({ selectedExperiment: outcome.experimentId });
    return outcome;
  });
}

/** Runs the unfinished cells of a stored experiment (and its failed ones with `retryFailed`). */
export function resumeExperiment(experimentId: string, retryFailed = false): Promise<void> {
  return execute((onProgress) => gpuWorker().resumeExperiment(experimentId, callback(onProgress), { retryFailed }), experimentId);
}

/** Asks the worker to pause the running experiment after its current training step or generation batch. */
export async function pauseExperiment(): Promise<void> {
  const id = state().runningId;
  if (!id || id === 'starting') return;
  state().set({ pausing: true });
  await gpuWorker().pauseExperiment(id);
}
