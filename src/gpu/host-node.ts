/** Node host: WebGPU from the npm `webgpu` package (Dawn) and WGSL read from shaders/ on disk. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setShaderLoader } from './shader-source.ts';
import { setGpuProvider } from './session.ts';

export const SHADER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shaders');

let gpu: GPU | undefined;

export function readShaderFile(name: string): string {
  const path = join(SHADER_DIR, `${name}.wgsl`);
  if (!existsSync(path)) throw new Error(`Shader file ${path} not found (asked for "${name}").`);
  return readFileSync(path, 'utf8');
}

/**
 * Registers the Node `webgpu` package and the disk shader loader. Safe to call more than once.
 * dawn.node settles mapAsync and other GPU promises by polling from the event loop without pause,
 * hence busyPollingHost.
 */
export function useNodeGpu(dawnOptions: string[] = []): void {
  setShaderLoader(readShaderFile);
  setGpuProvider(async () => {
    if (!gpu) {
      const webgpu = await import('webgpu');
      Object.assign(globalThis, webgpu.globals);
      gpu = webgpu.create(dawnOptions);
    }
    return gpu;
  }, { busyPollingHost: true });
}
