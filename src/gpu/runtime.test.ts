import { describe, expect, it } from 'vitest';
import { testGpu, withTuning } from '../../test/gpu.ts';
import { GpuContext, kernelTuning, type KernelTuning } from './context.ts';
import { splitWorkgroups } from './dispatch.ts';
import { GpuLimitError, GpuUnavailableError } from './errors.ts';
import { preprocessWgsl } from './shader-source.ts';
import { acquireGpu } from './session.ts';
import { pipelineKey } from './pipelines.ts';

describe('splitWorkgroups', () => {
  it('keeps small counts one-dimensional', () => {
    expect(splitWorkgroups(1)).toEqual([1, 1, 1]);
    expect(splitWorkgroups(65535)).toEqual([65535, 1, 1]);
  });

  it('covers large counts with a 2D or 3D grid within the limit', () => {
    for (const count of [65536, 1_000_003, 65535 * 65535 + 1]) {
      const [x, y, z] = splitWorkgroups(count);
      expect(x * y * z).toBeGreaterThanOrEqual(count);
      expect(Math.max(x, y, z)).toBeLessThanOrEqual(65535);
    }
  });

  it('rejects counts past the 3D grid and negative counts', () => {
    expect(() => splitWorkgroups(-1)).toThrow(/non-negative/);
    expect(() => splitWorkgroups(65535 ** 3 + 1)).toThrow(/do not fit/);
  });
});

describe('preprocessWgsl', () => {
  const source = ['a', '#if F16', 'enable f16;', '#else', 'f32 path', '#endif', '#if !SUB', 'no sub', '#endif', 'x: {{T}}'].join('\n');

  it('selects branches and substitutes values', () => {
    const out = preprocessWgsl(source, { F16: true, T: 'f16', SUB: false });
    expect(out).toContain('enable f16;');
    expect(out).not.toContain('f32 path');
    expect(out).toContain('no sub');
    expect(out).toContain('x: f16');
  });

  it('names the file and line of bad directives', () => {
    expect(() => preprocessWgsl('#endif', {}, 'demo')).toThrow(/demo\.wgsl line 1: #endif without/);
    expect(() => preprocessWgsl('#if A\n', {}, 'demo')).toThrow(/not closed/);
    expect(() => preprocessWgsl('{{MISSING}}', {}, 'demo')).toThrow(/\{\{MISSING\}\}/);
  });

  it('keeps line numbers stable for compiler messages', () => {
    expect(preprocessWgsl(source, { T: 'f32' }).split('\n')).toHaveLength(10);
  });
});

describe('pipelineKey', () => {
  it('ignores the order of defines', () => {
    expect(pipelineKey({ shader: 's', defines: { A: 1, B: 2 } })).toBe(pipelineKey({ shader: 's', defines: { B: 2, A: 1 } }));
    expect(pipelineKey({ shader: 's', overrides: { WG: 64 } })).not.toBe(pipelineKey({ shader: 's', overrides: { WG: 128 } }));
  });
});

describe('GpuContext', () => {
  it('reports adapter, features and limits', async () => {
    const ctx = await testGpu();
    expect(ctx.summary.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(ctx.summary.adapterFeatures.length).toBeGreaterThan(0);
    expect(ctx.summary.features).toContain('shader-f16');
  });

  it('names the limit, the needed and the available value', async () => {
    await testGpu();
    const webgpu = await import('webgpu');
    const gpu = webgpu.create([]);
    const error = await GpuContext.create(gpu, { needs: { maxStorageBufferBindingSize: 2 ** 52 } }).catch((e) => e);
    expect(error).toBeInstanceOf(GpuLimitError);
    expect(error.message).toContain('maxStorageBufferBindingSize');
    expect(error.message).toContain(String(2 ** 52));
  });

  it('explains how to get WebGPU when there is none', async () => {
    const error = await GpuContext.create(undefined).catch((e) => e);
    expect(error).toBeInstanceOf(GpuUnavailableError);
    expect(error.message).toMatch(/Chrome or Edge 113\+/);
  });

  it('round-trips data of lengths that are not a multiple of 4', async () => {
    const ctx = await testGpu();
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
    const buffer = ctx.createStorage(bytes, 'odd');
    expect([...new Uint8Array(await ctx.read(buffer, 7))]).toEqual([...bytes]);
    ctx.release(buffer);
  });

  it('caches pipelines and reports shader compile errors with the file', async () => {
    const ctx = await testGpu();
    const spec = { shader: 'elementwise', entryPoint: 'add', defines: { F16: false, T: 'f32' }, overrides: { WG: 64 } };
    const first = await ctx.pipelines.get(spec);
    expect(await ctx.pipelines.get(spec)).toBe(first);
    const error = await ctx.pipelines.get({ shader: 'elementwise', entryPoint: 'add', defines: { F16: false, T: 'nonsense_type' } }).catch((e) => e);
    expect(error.message).toMatch(/elementwise\.wgsl/);
  });

  it('re-creates the device after it is lost', async () => {
    const ctx = await testGpu();
    ctx.device.destroy();
    await ctx.device.lost;
    expect(ctx.lostError?.message).toMatch(/device was lost/);
    expect(() => ctx.createStorage(16)).toThrow(/device was lost/);
    const next = await acquireGpu();
    expect(next).not.toBe(ctx);
    const buffer = next.createStorage(new Float32Array([1, 2, 3]));
    expect([...(await next.readF32(buffer, 3))]).toEqual([1, 2, 3]);
  });

  it('dispose destroys every buffer it created', async () => {
    const webgpu = await import('webgpu');
    const ctx = await GpuContext.create(webgpu.create([]));
    ctx.createStorage(1024);
    ctx.createStorage(new Float32Array(8));
    expect(ctx.ownedBufferCount).toBe(2);
    ctx.dispose();
    expect(ctx.ownedBufferCount).toBe(0);
    expect(() => ctx.createStorage(4)).toThrow(/disposed/);
  });
});

describe('kernel tuning and waiting', () => {
  it('classifies adapters', () => {
    const adapter = { isFallbackAdapter: false, vendor: 'nvidia', architecture: 'ada', device: '', description: 'NVIDIA GeForce RTX 4070' };
    expect(kernelTuning(adapter)).toBe('hardware');
    expect(kernelTuning({ ...adapter, isFallbackAdapter: true })).toBe('software');
    expect(kernelTuning({ ...adapter, vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6)' })).toBe('software');
    expect(kernelTuning({ ...adapter, vendor: 'google', description: 'SwiftShader Device (Subzero)' })).toBe('software');
  });

  it('sleeps only for software adapters', async () => {
    const ctx = await testGpu();
    // The Node host (dawn.node) polls by spinning, and lavapipe is a software adapter.
    expect(ctx.busyPollingHost).toBe(true);
    const sleptMs = (tuning: KernelTuning) =>
      withTuning(ctx, tuning, async () => {
        const started = performance.now();
        await ctx.sleepUntil(started + 40);
        return performance.now() - started;
      });
    expect(await sleptMs('software')).toBeGreaterThanOrEqual(35);
    expect(await sleptMs('hardware')).toBeLessThan(20);
  });
});
