/**
 * Test access to the real WebGPU adapter (Dawn on Mesa lavapipe in Node). A missing adapter fails
 * the test with the packages to install; it is never a skip.
 */
import { afterAll, beforeAll } from 'vitest';
import { GpuContext, type KernelTuning } from '../src/gpu/context.ts';
import { GpuUnavailableError } from '../src/gpu/errors.ts';
import { useNodeGpu } from '../src/gpu/host-node.ts';
import { acquireGpu } from '../src/gpu/session.ts';

export const ADAPTER_HELP =
  'Node tests need a WebGPU adapter: on Debian 12 install Mesa 25 lavapipe from bookworm-backports ' +
  '(`sudo bash scripts/install-system-deps.sh` does it, or see README "Running on a software adapter").';

export async function testGpu(): Promise<GpuContext> {
  useNodeGpu();
  try {
    return await acquireGpu();
  } catch (error) {
    if (error instanceof GpuUnavailableError) {
      const where = process.env.CI ? 'CI has no WebGPU adapter, which is a failure.' : 'No WebGPU adapter was found.';
      throw new Error(`${where} ${ADAPTER_HELP}\n${error.message}`);
    }
    throw error;
  }
}

/** Both kernel tunings: tests of kernels with per-adapter variants run each on the one test device. */
export const KERNEL_TUNINGS: readonly KernelTuning[] = ['software', 'hardware'];

/**
 * Sets ctx.tuning for the tests of the enclosing describe block and restores the previous one afterwards.
 * `context` returns the test's context, which a file-level beforeAll creates first.
 */
export function useTuning(context: () => GpuContext, tuning: KernelTuning): void {
  let previous: KernelTuning | null = null;
  beforeAll(() => {
    previous = context().tuning;
    context().tuning = tuning;
  });
  afterAll(() => {
    if (previous) context().tuning = previous;
  });
}

/** Runs `body` with ctx.tuning set to `tuning` and restores the previous tuning afterwards. */
export async function withTuning<T>(ctx: GpuContext, tuning: KernelTuning, body: () => Promise<T>): Promise<T> {
  const previous = ctx.tuning;
  ctx.tuning = tuning;
  try {
    return await body();
  } finally {
    ctx.tuning = previous;
  }
}
