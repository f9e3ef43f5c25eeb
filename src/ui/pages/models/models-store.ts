/**
 * State of the Models page (zustand) and the actions that call the GPU worker: the model cache,
 * transfers with their rate, the loaded model and the Solve panel's streamed output.
 */
import { create } from 'zustand';
import type { LoadProgress } from '../../../engine/weights.ts';
import type { ModelFileSummary } from '../../../model/summary.ts';
import type {
  CachedModelFile,
  EngineCheckRow,
  LoadedModelView,
  LoadSettings,
  ModelsFailure,
  SolveRequest,
  SolveResult,
  TransferProgress,
} from '../../../worker/services/models.ts';
import { callback, gpuWorker } from '../../worker-client.ts';

export interface Transfer {
  /** File name or URL. */
  source: string;
  bytes: number;
  total: number | null;
  startedAt: number;
  /** Milliseconds since the start at the last progress report. */
  elapsedMs: number;
}

export interface LoadState {
  name: string;
  loadedBytes: number;
  totalBytes: number;
  startedAt: number;
  elapsedMs: number;
}

export interface SolveState {
  running: boolean;
  prompt: string;
  text: string;
  pieces: number;
  startedAt: number;
  result: SolveResult | null;
  error: ModelsFailure | null;
}

interface ModelsState {
  cached: CachedModelFile[] | null;
  storage: { usage: number; quota: number } | null;
  listError: ModelsFailure | null;
  transfer: Transfer | null;
  transferMessage: { ok: boolean; text: string } | null;
  selected: string | null;
  summary: { name: string; summary: ModelFileSummary } | { name: string; error: ModelsFailure } | null;
  loaded: LoadedModelView | null;
  loading: LoadState | null;
  loadError: ModelsFailure | null;
  settings: LoadSettings;
  solve: SolveState;
  check: { running: boolean; rows: EngineCheckRow[]; error: ModelsFailure | null };
  set(update: Partial<ModelsState>): void;
}

export const DEFAULT_LOAD_SETTINGS: LoadSettings = { contextLength: 4096, batch: 1, memoryLimitMb: null };

const EMPTY_SOLVE: SolveState = { running: false, prompt: '', text: '', pieces: 0, startedAt: 0, result: null, error: null };

export const useModelsStore = create<ModelsState>((set) => ({
  cached: null,
  storage: null,
  listError: null,
  transfer: null,
  transferMessage: null,
  selected: null,
  summary: null,
  loaded: null,
  loading: null,
  loadError: null,
  settings: DEFAULT_LOAD_SETTINGS,
  solve: EMPTY_SOLVE,
  check: { running: false, rows: [], error: null },
  set: (update) => set(update),
}));

const state = () => useModelsStore.getState();

function asFailure(error: unknown): ModelsFailure {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message };
}

export async function refreshCache(): Promise<void> {
  const result = await gpuWorker().listCachedModels();
  if (result.ok) state().set({ cached: result.models, storage: result.storage, listError: null });
  else state().set({ listError: result.error });
}

export async function refreshLoaded(): Promise<void> {
  state().set({ loaded: await gpuWorker().loadedModel() });
}

async function runTransfer(source: string, start: (onProgress: (progress: TransferProgress) => void) => Promise<{ ok: true; model: CachedModelFile } | { ok: false; error: ModelsFailure }>): Promise<void> {
  const startedAt = performance.now();
  state().set({ transfer: { source, bytes: 0, total: null, startedAt, elapsedMs: 0 }, transferMessage: null });
  try {
    const result = await start((progress) => state().set({ transfer: { source, ...progress, startedAt, elapsedMs: performance.now() - startedAt } }));
    state().set({ transferMessage: result.ok ? { ok: true, text: `Added ${result.model.name} to the cache.` } : { ok: false, text: result.error.message } });
  } catch (error) {
    state().set({ transferMessage: { ok: false, text: asFailure(error).message } });
  } finally {
    state().set({ transfer: null });
    await refreshCache();
  }
}

export function importFile(file: File): Promise<void> {
  return runTransfer(file.name, (onProgress) => gpuWorker().importModelFile(file, callback(onProgress)));
}

export function downloadUrl(url: string): Promise<void> {
  return runTransfer(url, (onProgress) => gpuWorker().downloadModel(url, callback(onProgress)));
}

export async function cancelTransfer(): Promise<void> {
  await gpuWorker().cancelTransfer();
}

export async function removeCached(name: string): Promise<void> {
  const result = await gpuWorker().deleteCachedModel(name);
  if (!result.ok) state().set({ listError: result.error });
  if (state().selected === name) state().set({ selected: null, summary: null });
  await refreshCache();
}

export async function showInfo(name: string): Promise<void> {
  state().set({ selected: name, summary: null });
  const result = await gpuWorker().describeCachedModel(name);
  state().set({ summary: result.ok ? { name, summary: result.summary } : { name, error: result.error } });
}

export async function loadModel(name: string): Promise<void> {
  const startedAt = performance.now();
  state().set({ loading: { name, loadedBytes: 0, totalBytes: 0, startedAt, elapsedMs: 0 }, loadError: null, loaded: null });
  try {
    const result = await gpuWorker().loadModel(
      name,
      state().settings,
      callback((progress: LoadProgress) => state().set({ loading: { name, ...progress, startedAt, elapsedMs: performance.now() - startedAt } })),
    );
    if (result.ok) state().set({ loaded: result.loaded });
    else state().set({ loadError: result.error });
  } catch (error) {
    state().set({ loadError: asFailure(error) });
  } finally {
    state().set({ loading: null });
  }
}

export async function unloadModel(): Promise<void> {
  const result = await gpuWorker().unloadModel();
  if (result.ok) state().set({ loaded: null, solve: EMPTY_SOLVE, loadError: null });
  else state().set({ loadError: result.error });
}

export async function solve(request: SolveRequest): Promise<void> {
  const startedAt = performance.now();
  state().set({ solve: { ...EMPTY_SOLVE, running: true, prompt: request.prompt, startedAt } });
  try {
    const result = await gpuWorker().solve(
      request,
      callback((piece: string) => {
        const current = state().solve;
        state().set({ solve: { ...current, text: current.text + piece, pieces: current.pieces + 1 } });
      }),
    );
    const current = state().solve;
    if (result.ok) state().set({ solve: { ...current, running: false, text: result.result.text, result: result.result } });
    else state().set({ solve: { ...current, running: false, error: result.error } });
  } catch (error) {
    state().set({ solve: { ...state().solve, running: false, error: asFailure(error) } });
  } finally {
    // A lost device unloads the model in the worker; show that, so the user can load it again.
    await refreshLoaded();
  }
}

export async function stopSolve(): Promise<void> {
  await gpuWorker().stopSolve();
}

export async function runEngineCheck(): Promise<void> {
  state().set({ check: { running: true, rows: [], error: null } });
  const rows: EngineCheckRow[] = [];
  const result = await gpuWorker().runEngineCheck(
    callback((row: EngineCheckRow) => {
      rows.push(row);
      state().set({ check: { running: true, rows: [...rows], error: null } });
    }),
  );
  state().set({ check: { running: false, rows: result.ok ? result.rows : rows, error: result.ok ? null : result.error } });
}
