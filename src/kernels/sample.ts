/**
 * Token sampling on the GPU (shaders/sample.wgsl): greedy, temperature, top-k and top-p with a
 * counter-based seeded RNG, one token id per row of logits, so decoding reads back only the ids.
 */
import type { GpuContext } from '../gpu/context.ts';
import { splitWorkgroups } from '../gpu/dispatch.ts';
import { packUniform, type KernelCall, type StorageBinding } from './common.ts';
import { bindingBytes } from './quant/shader.ts';
import type { SampleSettings } from './sample-reference.ts';

export type { SampleSettings } from './sample-reference.ts';

/** Bytes of one row's settings in the settings buffer (the WGSL struct Settings). */
export const SAMPLE_SETTINGS_BYTES = 32;

function checkU32(value: number, name: string, row: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`sampling row ${row}: ${name} must be a u32, got ${value}`);
}

/** Packs per-row settings for the settings buffer, rejecting values the kernel cannot take. */
export function packSampleSettings(rows: readonly SampleSettings[]): ArrayBuffer {
  const buffer = new ArrayBuffer(rows.length * SAMPLE_SETTINGS_BYTES);
  const words = new Uint32Array(buffer);
  const floats = new Float32Array(buffer);
  rows.forEach((settings, row) => {
    if (!Number.isFinite(settings.temperature)) throw new RangeError(`sampling row ${row}: temperature must be a finite number, got ${settings.temperature}`);
    if (!(settings.topP >= 0 && settings.topP <= 1)) throw new RangeError(`sampling row ${row}: topP must be in [0, 1], got ${settings.topP}`);
    checkU32(settings.topK, 'topK', row);
    checkU32(settings.seed, 'seed', row);
    checkU32(settings.stream, 'stream', row);
    checkU32(settings.step, 'step', row);
    const base = row * (SAMPLE_SETTINGS_BYTES / 4);
    floats[base] = settings.temperature;
    words[base + 1] = settings.topK;
    floats[base + 2] = settings.topP;
    words[base + 3] = settings.seed;
    words[base + 4] = settings.stream;
    words[base + 5] = settings.step;
  });
  return buffer;
}

export interface SampleArgs {
  /** f32 logits: `rows` rows of `vocab` values with a stride of `rowStride` values. */
  logits: StorageBinding;
  /** packSampleSettings() of `rows` rows; rewrite it between steps (the step, new sequences). */
  settings: StorageBinding;
  /** u32 output, one token id per row. */
  ids: StorageBinding;
  rows: number;
  vocab: number;
  /** Row stride of logits in values (default vocab). */
  rowStride?: number;
}

export async function prepareSample(ctx: GpuContext, args: SampleArgs): Promise<KernelCall> {
  const { rows, vocab } = args;
  const rowStride = args.rowStride ?? vocab;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(vocab) || vocab < 1) {
    throw new RangeError(`sampling needs positive whole numbers of rows and vocabulary, got rows=${rows} vocab=${vocab}`);
  }
  if (!Number.isInteger(rowStride) || rowStride < vocab) throw new RangeError(`sampling: rowStride ${rowStride} is smaller than the vocabulary ${vocab}`);
  const needed: [StorageBinding, number, string][] = [
    [args.logits, ((rows - 1) * rowStride + vocab) * 4, `${rows} rows of ${vocab} f32 logits with a stride of ${rowStride}`],
    [args.settings, rows * SAMPLE_SETTINGS_BYTES, `${rows} packed settings of ${SAMPLE_SETTINGS_BYTES} bytes`],
    [args.ids, rows * 4, `${rows} u32 token ids`],
  ];
  for (const [binding, bytes, what] of needed) {
    if (bindingBytes(binding) < bytes) throw new RangeError(`sampling: a binding has ${bindingBytes(binding)} bytes, ${bytes} needed for ${what}`);
  }
  const pipeline = await ctx.pipelines.get({ shader: 'sample' });
  const uniform = ctx.createUniform(new Uint32Array(packUniform([vocab, rowStride, rows])), 'sample.params');
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.logits, args.settings, args.ids, uniform])],
    grid: splitWorkgroups(rows, ctx.limits.maxComputeWorkgroupsPerDimension),
    label: 'sample',
    uniforms: [uniform],
    flops: 0,
    // One pass over the logits for greedy rows; sampling rows take up to 38 more.
    bytes: rows * (vocab * 4 + SAMPLE_SETTINGS_BYTES + 4),
  };
}
