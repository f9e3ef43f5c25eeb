/** Shared types for kernel wrappers: a prepared dispatch owns its uniform buffers and knows its work. */
import type { DispatchCommand, GpuContext, RunResult } from '../gpu/context.ts';
import { splitWorkgroups, type Grid } from '../gpu/dispatch.ts';
import type { ShaderDefines } from '../gpu/shader-source.ts';

export type DType = 'f32' | 'f16';

/** A whole buffer, or a range of one (offsets must be multiples of minStorageBufferOffsetAlignment). */
export type StorageBinding = GPUBuffer | GPUBufferBinding;

export const BYTES_PER_ELEMENT: Record<DType, number> = { f32: 4, f16: 2 };

/** A dispatch ready to run, with the uniform buffers it owns and its arithmetic and memory traffic. */
export interface KernelCall extends DispatchCommand {
  uniforms: GPUBuffer[];
  /** Floating-point operations, counting a fused multiply-add as 2. */
  flops: number;
  /** Bytes read plus bytes written, at least once each. */
  bytes: number;
}

/** Invocations in one SIMD vector of a software adapter (AVX2: 8 f32 lanes). */
export const SOFTWARE_LANES = 8;

/**
 * Returns the workgroup size of a kernel whose invocations cooperate on one row: `hardware` on GPUs, one SIMD
 * vector on software adapters, where each workgroupBarrier switches coroutines per vector.
 */
export function rowWorkgroup(ctx: GpuContext, hardware: number): number {
  return ctx.tuning === 'software' ? SOFTWARE_LANES : hardware;
}

/** Returns the bytes a binding exposes to a shader. */
export function bindingBytes(binding: StorageBinding): number {
  if (!('buffer' in binding)) return binding.size;
  return binding.size ?? binding.buffer.size - (binding.offset ?? 0);
}

/**
 * Returns whether `count` elements and every given binding split into whole vec4 elements, so a kernel may
 * read and write them as vec4 (a quarter of the loads, which matters most on software adapters).
 */
export function fitsVec4(count: number, bindings: (StorageBinding | null | undefined)[], elementBytes = 4): boolean {
  return count % 4 === 0 && bindings.every((binding) => !binding || bindingBytes(binding) % (4 * elementBytes) === 0);
}

export function dtypeDefines(dtype: DType): ShaderDefines {
  return dtype === 'f16' ? { F16: true, T: 'f16' } : { F16: false, T: 'f32' };
}

export function checkDType(ctx: GpuContext, dtype: DType, kernel: string): void {
  if (dtype === 'f16' && !ctx.hasF16) {
    throw new Error(`${kernel}: f16 buffers need the shader-f16 feature, which this adapter does not offer. Use dtype "f32".`);
  }
}

/** Packs 32-bit uniform fields; `f` marks the ones stored as f32 rather than u32. */
export function packUniform(values: number[], floatIndices: number[] = []): ArrayBuffer {
  const words = Math.max(4, Math.ceil(values.length / 4) * 4);
  const buffer = new ArrayBuffer(words * 4);
  const u32 = new Uint32Array(buffer);
  const f32 = new Float32Array(buffer);
  values.forEach((value, i) => {
    if (floatIndices.includes(i)) f32[i] = value;
    else u32[i] = value;
  });
  return buffer;
}

/** Runs prepared calls in one submission, then frees their uniform buffers. */
export async function runCalls(ctx: GpuContext, calls: KernelCall[], options: { timing?: boolean } = {}): Promise<RunResult> {
  try {
    return await ctx.run(calls, options);
  } finally {
    for (const call of calls) releaseCall(ctx, call);
  }
}

export function releaseCall(ctx: GpuContext, call: KernelCall): void {
  for (const buffer of call.uniforms) ctx.release(buffer);
  call.uniforms.length = 0;
}

/** Grid for `invocations` threads in workgroups of `workgroupSize`, split so no dimension exceeds the device limit. */
export function linearGrid(ctx: GpuContext, invocations: number, workgroupSize: number): Grid {
  return splitWorkgroups(Math.ceil(invocations / workgroupSize), ctx.limits.maxComputeWorkgroupsPerDimension);
}
