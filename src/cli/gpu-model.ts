/** Loading a GGUF model onto the GPU from the command line: memory budget, warnings and progress on standard error. */
import { freemem } from 'node:os';
import type { GpuContext } from '../gpu/context.ts';
import { acquireGpu } from '../gpu/session.ts';
import type { MemoryBudget } from '../engine/memory.ts';
import { GpuModel, type LoadModelOptions } from '../engine/model.ts';
import type { GgufFile } from '../model/gguf/file.ts';

/**
 * Returns the GPU memory a model may use. That is `--gpu-memory` when given, else free system
 * memory on a software adapter, whose buffers live in RAM. Otherwise it is null, because WebGPU
 * does not report a GPU's memory, and only the device's buffer limits and allocation errors apply.
 */
export function memoryBudget(ctx: GpuContext, gpuMemoryMb?: number): MemoryBudget | null {
  if (gpuMemoryMb !== undefined) return { bytes: gpuMemoryMb * 1024 * 1024, source: 'set by --gpu-memory' };
  if (ctx.summary.isFallbackAdapter) return { bytes: freemem(), source: 'free system memory, which the software adapter allocates its buffers from' };
  return null;
}

export interface CliModelOptions extends Pick<LoadModelOptions, 'contextLength' | 'batch' | 'prefillChunk'> {
  gpuMemoryMb?: number;
}

/** Loads `file` on the shared GPU context; warnings (a clamped context) go to standard error. */
export async function loadCliModel(file: GgufFile, options: CliModelOptions): Promise<GpuModel> {
  const ctx = await acquireGpu();
  return GpuModel.load(ctx, file, {
    contextLength: options.contextLength,
    batch: options.batch,
    prefillChunk: options.prefillChunk,
    memoryBudget: memoryBudget(ctx, options.gpuMemoryMb),
    onWarning: (message) => console.error(`warning: ${message}`),
  });
}
