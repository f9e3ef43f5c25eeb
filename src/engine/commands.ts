/**
 * Submitting a prepared step: a list of dispatches and buffer copies encoded into one command
 * buffer, optionally followed by a copy of a few result bytes into a mappable buffer that is read
 * once the step finishes. Encoding reuses the prepared pipelines and bind groups; nothing is
 * created per step except the command encoder and its command buffer.
 */
import type { GpuContext } from '../gpu/context.ts';
import type { KernelCall } from '../kernels/common.ts';

export interface CopyCommand {
  copy: { source: GPUBuffer; sourceOffset: number; destination: GPUBuffer; destinationOffset: number; size: number };
}

export type StepCommand = KernelCall | CopyCommand;

function isCopy(command: StepCommand): command is CopyCommand {
  return 'copy' in command;
}

/** A mappable buffer that receives a step's result (sampled ids or logits), reused across steps. */
export class Readback {
  readonly buffer: GPUBuffer;

  constructor(
    private readonly ctx: GpuContext,
    readonly size: number,
    label = 'readback',
  ) {
    this.buffer = ctx.createBuffer(size, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label);
  }

  /** Waits for the submitted step and copies `bytes` bytes out of the mapped buffer. */
  async read(bytes: number): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    try {
      await this.buffer.mapAsync(GPUMapMode.READ, 0, size);
    } catch (error) {
      // A lost device fails the map first and resolves device.lost soon after; report the loss.
      await Promise.race([this.ctx.device.lost, new Promise((resolve) => setTimeout(resolve, 200))]);
      await Promise.resolve();
      if (this.ctx.lostError) throw this.ctx.lostError;
      throw error;
    }
    const result = this.buffer.getMappedRange(0, size).slice(0, bytes);
    this.buffer.unmap();
    return result;
  }

  release(): void {
    this.ctx.release(this.buffer);
  }
}

export interface ReadbackRequest {
  source: GPUBuffer;
  sourceOffset?: number;
  bytes: number;
  into: Readback;
}

/**
 * Encodes the commands in order (consecutive dispatches share one compute pass) and submits them.
 * With `readback`, the result bytes are copied into its buffer in the same submission; await
 * `readback.into.read(bytes)` afterwards.
 */
export function submitStep(ctx: GpuContext, commands: readonly StepCommand[], readback?: ReadbackRequest, label = 'step'): void {
  if (ctx.lostError) throw ctx.lostError;
  const encoder = ctx.device.createCommandEncoder({ label });
  let pass: GPUComputePassEncoder | null = null;
  for (const command of commands) {
    if (isCopy(command)) {
      pass?.end();
      pass = null;
      const { source, sourceOffset, destination, destinationOffset, size } = command.copy;
      encoder.copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, size);
      continue;
    }
    pass ??= encoder.beginComputePass({ label });
    pass.setPipeline(command.pipeline);
    command.bindGroups.forEach((group, index) => pass!.setBindGroup(index, group));
    pass.dispatchWorkgroups(command.grid[0], command.grid[1], command.grid[2]);
  }
  pass?.end();
  if (readback) {
    const size = Math.ceil(readback.bytes / 4) * 4;
    encoder.copyBufferToBuffer(readback.source, readback.sourceOffset ?? 0, readback.into.buffer, 0, size);
  }
  ctx.device.queue.submit([encoder.finish()]);
}

/** Waits until the GPU has finished everything submitted so far; raises the device-lost error if that happened. */
export async function waitForQueue(ctx: GpuContext): Promise<void> {
  await ctx.device.queue.onSubmittedWorkDone();
  if (ctx.lostError) throw ctx.lostError;
}
