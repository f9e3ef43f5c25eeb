/** Compute-pipeline cache keyed by shader file, entry point, preprocessor defines and override constants. */
import { getShaderSource, preprocessWgsl, type ShaderDefines } from './shader-source.ts';

export interface PipelineSpec {
  /** File name in shaders/ without the .wgsl extension. */
  shader: string;
  entryPoint?: string;
  defines?: ShaderDefines;
  /** WGSL `override` constants, for example the workgroup size. */
  overrides?: Record<string, number>;
  label?: string;
}

function sortedEntries<T>(record: Record<string, T> | undefined): [string, T][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function pipelineKey(spec: PipelineSpec): string {
  return JSON.stringify([spec.shader, spec.entryPoint ?? 'main', sortedEntries(spec.defines), sortedEntries(spec.overrides)]);
}

export class PipelineCache {
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly modules = new Map<string, GPUShaderModule>();
  /** Number of pipelines compiled so far; the engine checks that decoding adds none. */
  compiled = 0;

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  get(spec: PipelineSpec): Promise<GPUComputePipeline> {
    const key = pipelineKey(spec);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.compile(spec);
      this.pipelines.set(key, pipeline);
      // A failed compile must not stay cached: the next call retries and reports again.
      pipeline.catch(() => this.pipelines.delete(key));
    }
    return pipeline;
  }

  private async compile(spec: PipelineSpec): Promise<GPUComputePipeline> {
    const code = preprocessWgsl(getShaderSource(spec.shader), spec.defines ?? {}, spec.shader);
    const moduleKey = JSON.stringify([spec.shader, sortedEntries(spec.defines)]);
    let module = this.modules.get(moduleKey);
    if (!module) {
      module = this.device.createShaderModule({ code, label: spec.shader });
      this.modules.set(moduleKey, module);
    }
    const entryPoint = spec.entryPoint ?? 'main';
    try {
      const pipeline = await this.device.createComputePipelineAsync({
        label: spec.label ?? `${spec.shader}:${entryPoint}`,
        layout: 'auto',
        compute: { module, entryPoint, constants: spec.overrides },
      });
      this.compiled++;
      return pipeline;
    } catch (error) {
      const info = await module.getCompilationInfo();
      this.modules.delete(moduleKey);
      const messages = info.messages
        .map((m) => `  ${m.type} at ${spec.shader}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}`)
        .join('\n');
      const defines = JSON.stringify(spec.defines ?? {});
      throw new Error(
        `Compiling pipeline ${spec.shader}.wgsl entry "${entryPoint}" with defines ${defines} failed: ` +
          `${(error as Error).message}${messages ? `\n${messages}` : ''}`,
      );
    }
  }

  clear(): void {
    this.pipelines.clear();
    this.modules.clear();
  }
}
