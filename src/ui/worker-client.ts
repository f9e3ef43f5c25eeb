/** The UI's handle on the GPU worker. React components call it; they never hold a GPUDevice. */
import * as Comlink from 'comlink';
import type { WorkerApi } from '../worker/api.ts';

let remote: Comlink.Remote<WorkerApi> | null = null;

export function gpuWorker(): Comlink.Remote<WorkerApi> {
  if (!remote) {
    const worker = new Worker(new URL('../worker/gpu.worker.ts', import.meta.url), { type: 'module', name: 'mwb-gpu' });
    remote = Comlink.wrap<WorkerApi>(worker);
  }
  return remote;
}

/** Wraps a callback so the worker can call it across the boundary. */
export const callback = Comlink.proxy;
