/**
 * Kernel checks' buffer bookkeeping: uploads inputs, runs prepared calls, reads results back as
 * numbers, and frees everything it made in dispose(). Used by the kernel and training tests.
 */
import type { GpuContext } from '../gpu/context.ts';
import { runCalls, type KernelCall } from './common.ts';

export class Scratch {
  private readonly buffers: GPUBuffer[] = [];

  constructor(readonly ctx: GpuContext) {}

  /** Creates a storage buffer holding `values` as f32. */
  f32(values: ArrayLike<number>, label = 'f32'): GPUBuffer {
    return this.keep(this.ctx.createStorage(Float32Array.from(values), label));
  }

  /** Creates a storage buffer holding `values` as u32. */
  u32(values: ArrayLike<number>, label = 'u32'): GPUBuffer {
    return this.keep(this.ctx.createStorage(Uint32Array.from(values), label));
  }

  /** Creates a zero-filled storage buffer of `count` 32-bit elements. */
  zeros(count: number, label = 'zeros'): GPUBuffer {
    return this.keep(this.ctx.createStorage(Math.max(1, count) * 4, label));
  }

  async read(buffer: GPUBuffer, count: number): Promise<Float32Array> {
    return this.ctx.readF32(buffer, count);
  }

  /** Runs the calls in one submission and frees their uniforms. */
  async run(calls: KernelCall | KernelCall[]): Promise<void> {
    await runCalls(this.ctx, Array.isArray(calls) ? calls : [calls]);
  }

  dispose(): void {
    for (const buffer of this.buffers) this.ctx.release(buffer);
    this.buffers.length = 0;
  }

  private keep(buffer: GPUBuffer): GPUBuffer {
    this.buffers.push(buffer);
    return buffer;
  }
}
