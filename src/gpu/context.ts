/**
 * GpuContext: one adapter + device with the limits and features the workload asked for,
 * buffer helpers, a pipeline cache, GPU timestamps and device-loss tracking.
 * It works the same over navigator.gpu (browser) and the Node `webgpu` package (Dawn).
 */
import { DeviceLostError, GpuLimitError, GpuUnavailableError } from './errors.ts';
import { PipelineCache } from './pipelines.ts';
import type { Grid } from './dispatch.ts';

/** Limits a workload may ask for; every other limit stays at the WebGPU default. */
export const REQUESTABLE_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxBindGroups',
] as const;
export type LimitName = (typeof REQUESTABLE_LIMITS)[number];

export const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const;

export interface GpuRequest {
  /** Minimum values the workload needs; requesting more than the adapter has raises GpuLimitError. */
  needs?: Partial<Record<LimitName, number>>;
  powerPreference?: GPUPowerPreference;
  /** Leave out optional features even when offered, for example to test the f32-only paths. */
  disableFeatures?: string[];
  /** Kernel variants to use; by default chosen from the adapter (see kernelTuning). Tests force either. */
  tuning?: KernelTuning;
  /** Set by hosts whose pending GPU promises keep the JavaScript thread spinning (see GpuContext.busyPollingHost). */
  busyPollingHost?: boolean;
}

/**
 * Family of kernel variants suited to an adapter. 'software' adapters (lavapipe, SwiftShader) run each
 * workgroup as a loop of SIMD vectors on one CPU thread and implement workgroupBarrier by switching
 * coroutines, so their row reductions use one 8-invocation vector per workgroup. 'hardware' is every
 * real GPU.
 */
export type KernelTuning = 'software' | 'hardware';

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader/i;

/** Returns 'software' for a fallback adapter or a known CPU implementation of WebGPU, else 'hardware'. */
export function kernelTuning(summary: Pick<AdapterSummary, 'isFallbackAdapter' | 'vendor' | 'architecture' | 'device' | 'description'>): KernelTuning {
  if (summary.isFallbackAdapter) return 'software';
  return [summary.vendor, summary.architecture, summary.device, summary.description].some((text) => SOFTWARE_ADAPTER.test(text)) ? 'software' : 'hardware';
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** Every feature the adapter offers. */
  adapterFeatures: string[];
  /** Features enabled on the device. */
  features: string[];
  limits: Record<string, number>;
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
}

export interface DispatchCommand {
  pipeline: GPUComputePipeline;
  bindGroups: GPUBindGroup[];
  grid: Grid;
  label?: string;
}

export interface RunResult {
  /** Per-dispatch GPU time in milliseconds, when timing was asked for and timestamp-query exists. */
  gpuMs?: number[];
}

function readLimits(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  // Dawn exposes limits as prototype getters, so walk the prototype chain rather than own keys.
  for (let proto: object | null = limits; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor' || key in out) continue;
      const value = (limits as unknown as Record<string, unknown>)[key];
      if (typeof value === 'number') out[key] = value;
    }
  }
  return out;
}

function roundUp4(bytes: number): number {
  return Math.max(4, Math.ceil(bytes / 4) * 4);
}

export class GpuContext {
  readonly pipelines: PipelineCache;
  /** Set once the device is lost; every later call raises it. */
  lostError: DeviceLostError | null = null;
  private readonly lostListeners = new Set<(error: DeviceLostError) => void>();
  private readonly owned = new Set<GPUBuffer>();
  private readonly staging: GPUBuffer[] = [];
  private disposed = false;

  private constructor(
    readonly adapter: GPUAdapter,
    readonly device: GPUDevice,
    readonly summary: AdapterSummary,
    /**
     * Kernel variants that prepare calls choose for this adapter; see KernelTuning. Calls keep the
     * variant they were prepared with, so tests may switch it to check both on one device.
     */
    public tuning: KernelTuning,
    /**
     * True when the host resolves GPU promises by spinning the JavaScript event loop until they
     * settle (dawn.node does). The spinning thread takes a CPU core from a software adapter's worker
     * threads, so callers that can predict a wait sleep through most of it first (sleepUntil).
     */
    readonly busyPollingHost: boolean,
  ) {
    this.pipelines = new PipelineCache(device);
    device.lost.then((info) => {
      if (this.disposed && info.reason === 'destroyed') return;
      this.lostError = new DeviceLostError(info.reason, info.message);
      for (const listener of this.lostListeners) listener(this.lostError);
    });
  }

  static async create(gpu: GPU | undefined, request: GpuRequest = {}): Promise<GpuContext> {
    if (!gpu) throw new GpuUnavailableError('navigator.gpu is missing in this browser');
    const adapter = await gpu.requestAdapter({ powerPreference: request.powerPreference ?? 'high-performance' });
    if (!adapter) throw new GpuUnavailableError('requestAdapter() returned no adapter');

    const requiredLimits: Record<string, number> = {};
    for (const name of REQUESTABLE_LIMITS) {
      const available = adapter.limits[name];
      const needed = request.needs?.[name];
      if (needed !== undefined && needed > available) throw new GpuLimitError(name, needed, available);
      // Ask for the adapter's maximum so later, larger workloads fit without a new device.
      requiredLimits[name] = available;
    }
    const disabled = new Set(request.disableFeatures ?? []);
    const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f) && !disabled.has(f)) as GPUFeatureName[];
    const device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'mwb' });

    const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
    const legacyFallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
    const summary: AdapterSummary = {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacyFallback ?? false),
      adapterFeatures: [...adapter.features].map(String).sort(),
      features: [...device.features].map(String).sort(),
      limits: readLimits(device.limits),
      subgroupMinSize: info.subgroupMinSize,
      subgroupMaxSize: info.subgroupMaxSize,
    };
    return new GpuContext(adapter, device, summary, request.tuning ?? kernelTuning(summary), Boolean(request.busyPollingHost));
  }

  /**
   * Waits on a timer until performance.now() reaches `time`, when the host busy-polls and the adapter
   * runs on the CPU, so the adapter's threads have the cores meanwhile. Returns at once otherwise.
   */
  async sleepUntil(time: number): Promise<void> {
    if (!this.busyPollingHost || this.tuning !== 'software') return;
    const delay = time - performance.now();
    if (delay >= 1) await new Promise((resolve) => setTimeout(resolve, delay));
  }

  get hasF16(): boolean {
    return this.device.features.has('shader-f16');
  }
  get hasSubgroups(): boolean {
    return this.device.features.has('subgroups');
  }
  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }
  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  onLost(listener: (error: DeviceLostError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  private checkAlive(): void {
    if (this.lostError) throw this.lostError;
    if (this.disposed) throw new Error('This GpuContext was disposed; request a new one.');
  }

  /** Raises GpuLimitError when `bytes` does not fit in one storage binding. */
  checkBindingSize(bytes: number, what: string): void {
    const max = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > max) throw new GpuLimitError(`maxStorageBufferBindingSize (for ${what})`, bytes, max);
  }

  createBuffer(size: number, usage: GPUBufferUsageFlags, label?: string): GPUBuffer {
    this.checkAlive();
    const bytes = roundUp4(size);
    if (bytes > this.device.limits.maxBufferSize) throw new GpuLimitError(`maxBufferSize (for ${label ?? 'a buffer'})`, bytes, this.device.limits.maxBufferSize);
    const buffer = this.device.createBuffer({ size: bytes, usage, label });
    this.owned.add(buffer);
    return buffer;
  }

  /** Creates a storage buffer holding `data` (also usable as copy source and destination). */
  createStorage(data: ArrayBufferView | number, label?: string, extraUsage: GPUBufferUsageFlags = 0): GPUBuffer {
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage;
    if (typeof data === 'number') return this.createBuffer(data, usage, label);
    const buffer = this.createBuffer(data.byteLength, usage, label);
    this.write(buffer, data);
    return buffer;
  }

  /** Creates a uniform buffer from 32-bit words (u32/i32/f32 packed by the caller). */
  createUniform(data: ArrayBufferView, label?: string): GPUBuffer {
    const buffer = this.createBuffer(Math.max(16, data.byteLength), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label);
    this.write(buffer, data);
    return buffer;
  }

  /** Writes `data` at `offset`; lengths that are not a multiple of 4 are padded with zeros. */
  write(buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    this.checkAlive();
    let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength % 4 !== 0) {
      const padded = new Uint8Array(roundUp4(bytes.byteLength));
      padded.set(bytes);
      bytes = padded;
    }
    this.device.queue.writeBuffer(buffer, offset, bytes as Uint8Array<ArrayBuffer>);
  }

  /** Copies `byteLength` bytes from `buffer` (needs COPY_SRC) back to the CPU. */
  async read(buffer: GPUBuffer, byteLength = buffer.size, byteOffset = 0): Promise<ArrayBuffer> {
    this.checkAlive();
    const copyBytes = roundUp4(byteLength);
    const staging = this.takeStaging(copyBytes);
    const encoder = this.device.createCommandEncoder({ label: 'readback' });
    encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, copyBytes);
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, copyBytes);
    } catch (error) {
      this.checkAlive();
      throw error;
    }
    const result = staging.getMappedRange(0, copyBytes).slice(0, byteLength);
    staging.unmap();
    this.staging.push(staging);
    return result;
  }

  async readF32(buffer: GPUBuffer, count: number, offsetElements = 0): Promise<Float32Array> {
    return new Float32Array(await this.read(buffer, count * 4, offsetElements * 4));
  }

  private takeStaging(bytes: number): GPUBuffer {
    const index = this.staging.findIndex((b) => b.size >= bytes && b.size <= bytes * 4);
    if (index >= 0) return this.staging.splice(index, 1)[0];
    const size = 2 ** Math.ceil(Math.log2(Math.max(bytes, 256)));
    return this.createBuffer(size, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'staging');
  }

  /** Frees a buffer made by this context. */
  release(buffer: GPUBuffer): void {
    if (this.owned.delete(buffer)) buffer.destroy();
  }

  /** Binds `resources[i]` at binding i; null leaves a binding out (one the entry point does not use). */
  bindGroup(pipeline: GPUComputePipeline, resources: (GPUBuffer | GPUBufferBinding | null)[], group = 0): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [];
    resources.forEach((resource, binding) => {
      if (resource) entries.push({ binding, resource: 'buffer' in resource ? resource : { buffer: resource } });
    });
    return this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(group), entries });
  }

  /**
   * Encodes `commands` into one submission and waits until the GPU finishes them.
   * With `timing` and timestamp-query, each dispatch gets its own pass and its GPU time is returned.
   */
  async run(commands: DispatchCommand[], options: { timing?: boolean; label?: string } = {}): Promise<RunResult> {
    this.checkAlive();
    const encoder = this.device.createCommandEncoder({ label: options.label });
    const timing = Boolean(options.timing) && this.hasTimestamps && commands.length > 0;
    let querySet: GPUQuerySet | undefined;
    let resolveBuffer: GPUBuffer | undefined;
    if (timing) {
      querySet = this.device.createQuerySet({ type: 'timestamp', count: commands.length * 2 });
      resolveBuffer = this.createBuffer(commands.length * 16, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, 'timestamps');
      commands.forEach((command, i) => {
        const pass = encoder.beginComputePass({
          label: command.label,
          timestampWrites: { querySet: querySet!, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        });
        encodeDispatch(pass, command);
        pass.end();
      });
      encoder.resolveQuerySet(querySet, 0, commands.length * 2, resolveBuffer, 0);
    } else {
      const pass = encoder.beginComputePass({ label: options.label });
      for (const command of commands) encodeDispatch(pass, command);
      pass.end();
    }
    this.device.queue.submit([encoder.finish()]);
    if (!timing) {
      await this.device.queue.onSubmittedWorkDone();
      this.checkAlive();
      return {};
    }
    const stamps = new BigUint64Array(await this.read(resolveBuffer!, commands.length * 16));
    this.release(resolveBuffer!);
    querySet!.destroy();
    const gpuMs = commands.map((_, i) => Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6);
    return { gpuMs };
  }

  /** Destroys every buffer and the device. The context cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const buffer of this.owned) buffer.destroy();
    this.owned.clear();
    this.staging.length = 0;
    this.pipelines.clear();
    this.device.destroy();
  }

  get ownedBufferCount(): number {
    return this.owned.size;
  }
}

function encodeDispatch(pass: GPUComputePassEncoder, command: DispatchCommand): void {
  pass.setPipeline(command.pipeline);
  command.bindGroups.forEach((group, index) => pass.setBindGroup(index, group));
  pass.dispatchWorkgroups(command.grid[0], command.grid[1], command.grid[2]);
}
