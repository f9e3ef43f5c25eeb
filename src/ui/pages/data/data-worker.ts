/** The Data page's handle on the data worker, and the page's shared state (runs in progress, endpoint). */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import type { ShardRecord } from '../../../db/data.ts';
import type { RemoteEndpoint } from '../../../data/remote.ts';
import type { DataOutcome, DataService, ShardProgress } from '../../../worker/services/data.ts';
import { gpuWorker } from '../../worker-client.ts';

let remote: Comlink.Remote<DataService> | null = null;

export function dataWorker(): Comlink.Remote<DataService> {
  if (!remote) {
    const worker = new Worker(new URL('../../../worker/data.worker.ts', import.meta.url), { type: 'module', name: 'mwb-data' });
    remote = Comlink.wrap<DataService>(worker);
  }
  return remote;
}

export const proxy = Comlink.proxy;

export interface EndpointSettings extends RemoteEndpoint {
  /** Whether the API key is saved in this browser; otherwise it lives only in this tab's memory. */
  storeKey: boolean;
}

interface DataUiState {
  /** Runs started from this tab, by shard id, with their latest progress. */
  running: Record<string, ShardProgress | null>;
  /** The last error of a run, by shard id. */
  runErrors: Record<string, string>;
  selectedShard: string | null;
  endpoint: EndpointSettings;
  setRunning(id: string, progress: ShardProgress | null | undefined): void;
  setRunError(id: string, message: string | undefined): void;
  select(id: string | null): void;
  setEndpoint(update: Partial<EndpointSettings>): void;
}

export const useDataUi = create<DataUiState>((set) => ({
  running: {},
  runErrors: {},
  selectedShard: null,
  endpoint: { baseUrl: 'http://127.0.0.1:8000/v1', model: '', apiKey: '', storeKey: false },
  setRunning: (id, progress) =>
    set((s) => {
      const running = { ...s.running };
      if (progress === undefined) delete running[id];
      else running[id] = progress;
      return { running };
    }),
  setRunError: (id, message) =>
    set((s) => {
      const runErrors = { ...s.runErrors };
      if (message === undefined) delete runErrors[id];
      else runErrors[id] = message;
      return { runErrors };
    }),
  select: (id) => set({ selectedShard: id }),
  setEndpoint: (update) => set((s) => ({ endpoint: { ...s.endpoint, ...update } })),
}));

/**
 * Tracks one run in the page state while `start` runs it in a worker with a progress callback.
 * Progress comes over the callback's own message port, so a last report can arrive after the
 * outcome, and the flag keeps such a report from marking the ended shard as running again.
 */
async function trackRun(shardId: string, start: (onProgress: (progress: ShardProgress) => void) => Promise<DataOutcome<object>>): Promise<void> {
  const { setRunning, setRunError } = useDataUi.getState();
  setRunning(shardId, null);
  setRunError(shardId, undefined);
  let finished = false;
  const outcome = await start((progress) => {
    if (!finished) setRunning(shardId, progress);
  });
  finished = true;
  setRunning(shardId, undefined);
  if (!outcome.ok) setRunError(shardId, outcome.error.message);
}

/** Runs a shard in the data worker; resolves when it completes, pauses or fails. */
export function runShard(shardId: string, endpoint?: RemoteEndpoint): Promise<void> {
  return trackRun(shardId, (onProgress) => dataWorker().runShard(shardId, endpoint, proxy(onProgress)));
}

/** Tells whether a model-driven shard runs on the model loaded in the GPU worker rather than on an endpoint. */
export function runsLocally(shard: Pick<ShardRecord, 'generator' | 'model'>): boolean {
  return shard.generator === 'model' && shard.model?.backend === 'local';
}

/**
 * Runs a model-driven shard on the model loaded on the Models page. The GPU worker owns that model,
 * so the run happens there; the shard, its seeds and its items live in the same IndexedDB database.
 */
export function runLocalShard(shardId: string): Promise<void> {
  const started = performance.now();
  return trackRun(shardId, (onProgress) =>
    gpuWorker().runModelShardLocally(
      shardId,
      proxy((shard: ShardRecord) => {
        const seconds = Math.max(1e-3, (performance.now() - started) / 1000);
        onProgress({ stored: shard.stored, rejected: shard.rejected, count: shard.count, rate: shard.stored / seconds });
      }),
    ),
  );
}

/** Asks whichever worker runs the shard to pause it after its current batch. */
export async function pauseShard(shard: Pick<ShardRecord, 'id' | 'generator' | 'model'>): Promise<boolean> {
  return runsLocally(shard) ? gpuWorker().pauseLocalShard(shard.id) : dataWorker().pauseShard(shard.id);
}

/** Resumes a shard where it stopped, on the backend it was created for. */
export function resumeShard(shard: Pick<ShardRecord, 'id' | 'generator' | 'model'>, endpoint: RemoteEndpoint): Promise<void> {
  if (runsLocally(shard)) return runLocalShard(shard.id);
  return runShard(shard.id, shard.generator === 'model' ? endpoint : undefined);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
