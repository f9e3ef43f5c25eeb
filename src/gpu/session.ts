/**
 * The process-wide GPU session: one GpuContext shared by every caller, re-created on the next
 * request after the device is lost or disposed. Hosts register how to reach a GPU object.
 */
import { GpuContext, type GpuRequest } from './context.ts';

export type GpuProvider = () => GPU | undefined | Promise<GPU | undefined>;

let provider: GpuProvider | null = null;
let hostTraits: Pick<GpuRequest, 'busyPollingHost'> = {};
let current: Promise<GpuContext> | null = null;

/** Registers how to reach a GPU object and how its host waits for the GPU (see GpuRequest.busyPollingHost). */
export function setGpuProvider(next: GpuProvider, traits: Pick<GpuRequest, 'busyPollingHost'> = {}): void {
  provider = next;
  hostTraits = traits;
}

/** Returns the shared context, creating it (again) when there is none or the last one was lost. */
export async function acquireGpu(request: GpuRequest = {}): Promise<GpuContext> {
  if (current) {
    const ctx = await current.catch(() => null);
    if (ctx && !ctx.lostError) return ctx;
    ctx?.dispose();
    current = null;
  }
  if (!provider) throw new Error('No GPU provider is registered. Call useNodeGpu() or useBrowserGpu() first.');
  const attempt = (async () => GpuContext.create(await provider!(), { ...hostTraits, ...request }))();
  current = attempt;
  attempt.catch(() => {
    if (current === attempt) current = null;
  });
  return attempt;
}

/** Disposes the shared context, if any. */
export async function releaseGpu(): Promise<void> {
  const pending = current;
  current = null;
  if (pending) (await pending.catch(() => null))?.dispose();
}
