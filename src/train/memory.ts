/**
 * Memory needed to train a model at a batch shape, checked before anything is allocated.
 * WebGPU reports per-buffer limits but not the device's total memory, so the total is compared with a
 * budget the caller sets.
 */
import type { KernelTuning } from '../gpu/context.ts';
import { NORM_PARTIALS_PER_RANGE } from '../kernels/optimizer.ts';
import { headDim, type LlamaConfig } from './config.ts';
import { parameterLayout } from './parameters.ts';
import { logitsChunkRows, workspaceSpecs, type BufferRole } from './workspace.ts';

/**
 * Default total budget: 2 GiB.
 * NOTE: this is an assumption, not a measurement, because WebGPU cannot report device memory. 2 GiB is
 * meant to be safe on integrated GPUs; pass a larger memoryBudget for a GPU known to have more.
 */
export const DEFAULT_MEMORY_BUDGET = 2 * 2 ** 30;

export interface DeviceBufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface MemoryEstimate {
  /** Weights, gradients and both Adam moments: four arenas of this many bytes each. */
  arenaBytes: number;
  modelBytes: number;
  /** Batch inputs, saved activations, logits and gradient scratch, by role. */
  workspaceBytes: Record<BufferRole, number>;
  totalBytes: number;
  /** The largest single binding and its name. */
  largestBinding: { name: string; bytes: number };
  logitsChunkRows: number;
}

export function estimateTrainingMemory(
  config: LlamaConfig,
  batchSize: number,
  seqLen: number,
  limits: DeviceBufferLimits,
  maxLogitsBytes?: number,
  tuning: KernelTuning = 'hardware',
): MemoryEstimate {
  const layout = parameterLayout(config);
  const arenaBytes = layout.totalElements * 4;
  const ropeTableBytes = config.contextLength * headDim(config) * 4;
  const ranges = Math.ceil(arenaBytes / limits.maxStorageBufferBindingSize) + 1;
  const modelBytes = 4 * arenaBytes + ropeTableBytes + ranges * NORM_PARTIALS_PER_RANGE * 4 + 64;

  const chunkRows = logitsChunkRows(config, batchSize * seqLen, limits.maxStorageBufferBindingSize, maxLogitsBytes);
  const workspaceBytes: Record<BufferRole, number> = { input: 0, activation: 0, logits: 0, scratch: 0 };
  let largestBinding = { name: 'none', bytes: 0 };
  for (const spec of workspaceSpecs(config, batchSize, seqLen, chunkRows, tuning)) {
    workspaceBytes[spec.role] += spec.bytes;
    if (spec.bytes > largestBinding.bytes) largestBinding = { name: spec.name, bytes: spec.bytes };
  }
  for (const tensor of layout.tensors) {
    if (tensor.count * 4 > largestBinding.bytes) largestBinding = { name: tensor.name, bytes: tensor.count * 4 };
  }
  const workspaceTotal = Object.values(workspaceBytes).reduce((a, b) => a + b, 0);
  return { arenaBytes, modelBytes, workspaceBytes, totalBytes: modelBytes + workspaceTotal, largestBinding, logitsChunkRows: chunkRows };
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Describes the total and its parts in one line, for messages and logs. */
export function describeEstimate(estimate: MemoryEstimate): string {
  const w = estimate.workspaceBytes;
  return (
    `${mib(estimate.totalBytes)} in total: weights, gradients and Adam moments ${mib(estimate.modelBytes)}, ` +
    `saved activations ${mib(w.activation)}, logits ${mib(w.logits)}, gradient scratch ${mib(w.scratch)}, batch inputs ${mib(w.input)}`
  );
}

/** The model or batch shape does not fit the adapter or the memory budget; nothing was allocated. */
export class TrainingMemoryError extends Error {
  constructor(
    message: string,
    readonly estimate: MemoryEstimate,
  ) {
    super(message);
    this.name = 'TrainingMemoryError';
  }
}

/** Raises TrainingMemoryError naming what is needed and what is available when the estimate does not fit. */
export function checkTrainingMemory(estimate: MemoryEstimate, limits: DeviceBufferLimits, budgetBytes = DEFAULT_MEMORY_BUDGET): void {
  const advice = 'Use fewer layers, a narrower model, a smaller vocabulary, a shorter sequence or a smaller batch.';
  const { largestBinding } = estimate;
  if (largestBinding.bytes > limits.maxStorageBufferBindingSize) {
    throw new TrainingMemoryError(
      `Training buffer "${largestBinding.name}" needs ${mib(largestBinding.bytes)} in one binding, but the adapter's ` +
        `maxStorageBufferBindingSize is ${mib(limits.maxStorageBufferBindingSize)}. ${advice}`,
      estimate,
    );
  }
  if (estimate.arenaBytes > limits.maxBufferSize) {
    throw new TrainingMemoryError(
      `The parameter arena needs ${mib(estimate.arenaBytes)} in one buffer, but the adapter's maxBufferSize is ${mib(limits.maxBufferSize)}. ${advice}`,
      estimate,
    );
  }
  if (estimate.totalBytes > budgetBytes) {
    throw new TrainingMemoryError(`Training needs ${describeEstimate(estimate)}; the memory budget is ${mib(budgetBytes)}. ${advice} Or raise memoryBudget if the GPU has more memory.`, estimate);
  }
}
