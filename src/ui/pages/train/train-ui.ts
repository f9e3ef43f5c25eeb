/** The Train page's shared state: the selected run and the runs this tab is training, with their worker calls. */
import { create } from 'zustand';
import type { ExportType } from '../../../train/export.ts';
import { gpuWorker } from '../../worker-client.ts';

interface TrainUiState {
  selectedRun: string | null;
  /** Runs whose runTraining call this tab is waiting for. */
  running: Record<string, true>;
  /** The last message from the worker per run (a finished export, a refusal). */
  notes: Record<string, string>;
  select(runId: string | null): void;
}

export const useTrainUi = create<TrainUiState>((set) => ({
  selectedRun: null,
  running: {},
  notes: {},
  select: (selectedRun) => set({ selectedRun }),
}));

function setNote(runId: string, note: string | null): void {
  useTrainUi.setState((s) => {
    const notes = { ...s.notes };
    if (note === null) delete notes[runId];
    else notes[runId] = note;
    return { notes };
  });
}

/** Trains a run in the worker (from its last checkpoint) and tracks it until it stops. */
export async function runTraining(runId: string): Promise<void> {
  if (useTrainUi.getState().running[runId]) return;
  useTrainUi.setState((s) => ({ running: { ...s.running, [runId]: true } }));
  setNote(runId, null);
  try {
    const outcome = await gpuWorker().runTraining(runId);
    if (outcome.status === 'busy') setNote(runId, outcome.error);
  } catch (error) {
    setNote(runId, `Training failed: ${(error as Error).message}`);
  } finally {
    useTrainUi.setState((s) => {
      const running = { ...s.running };
      delete running[runId];
      return { running };
    });
  }
}

export function pauseTraining(runId: string): void {
  void gpuWorker().pauseTraining(runId);
}

/** Exports the run's latest weights as GGUF and offers the file as a download. */
export async function exportRun(runId: string, type: ExportType): Promise<void> {
  setNote(runId, `Writing the ${type} GGUF file…`);
  try {
    const file = await gpuWorker().exportTrainedModel(runId, type);
    const url = URL.createObjectURL(file);
    const link = document.createElement('a');
    link.href = url;
    link.download = file.name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setNote(runId, `Exported ${file.name} (${(file.size / 2 ** 20).toFixed(2)} MiB); it is also kept in the browser's storage.`);
  } catch (error) {
    setNote(runId, `Export failed: ${(error as Error).message}`);
  }
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
