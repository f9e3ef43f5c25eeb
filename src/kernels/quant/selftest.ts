/**
 * Self-test entries of the quantized kernels and of GPU sampling, at shapes small enough for
 * software adapters: every weight type through the matrix-vector product, a few thin GEMMs and
 * gathers, and the sampler against its reference and its distribution.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { KernelCheck } from '../checks.ts';
import type { DType } from '../common.ts';
import { checkSampleDistribution, checkSampleIds } from '../sample-checks.ts';
import type { SampleSettings } from '../sample-reference.ts';
import { checkQEmbedding, checkQMatmul } from './checks.ts';
import { WEIGHT_TYPES, type Dequantizer, type WeightType } from './formats.ts';

export interface SelfTestEntry {
  kernel: string;
  dtype: DType;
  shape: string;
  unit: 'GFLOP/s' | 'GB/s';
  run: () => Promise<KernelCheck>;
}

/** Row lengths: none a multiple of the workgroup sizes for F32 and F16, two or more blocks otherwise. */
const COLUMNS: Record<WeightType, number> = { F32: 37, F16: 130, Q4_0: 96, Q8_0: 160, Q4_K: 512, Q6_K: 256 };

function sampleRows(count: number, settings: Partial<SampleSettings>): SampleSettings[] {
  return Array.from({ length: count }, (_, r) => ({ temperature: 0.8, topK: 0, topP: 1, seed: 42, stream: r, step: 5 + r, ...settings }));
}

/**
 * Lists the quantized kernels' entries. Without `dequantize` (src/model/quant's `dequantize`) they
 * fail with a message naming it, because the references need it.
 */
export function quantSelfTestEntries(ctx: GpuContext, dequantize: Dequantizer | undefined): SelfTestEntry[] {
  const withDequantizer = (run: (d: Dequantizer) => Promise<KernelCheck>) => () => {
    if (!dequantize) return Promise.reject(new Error('the quantized kernel checks need the CPU dequantizer; pass { dequantize } from src/model/quant to runSelfTest'));
    return run(dequantize);
  };
  const entries: SelfTestEntry[] = [];
  for (const type of WEIGHT_TYPES) {
    const k = COLUMNS[type];
    entries.push({ kernel: `qgemv ${type}`, dtype: 'f32', shape: `37×${k}`, unit: 'GB/s', run: withDequantizer((d) => checkQMatmul(ctx, d, { type, n: 37, k })) });
  }
  for (const [type, m] of [['Q4_0', 5], ['Q4_K', 11], ['Q6_K', 3]] as const) {
    const k = COLUMNS[type];
    entries.push({ kernel: `qgemm ${type}`, dtype: 'f32', shape: `${m}×${k}·(29×${k})ᵀ`, unit: 'GFLOP/s', run: withDequantizer((d) => checkQMatmul(ctx, d, { type, n: 29, k, m })) });
  }
  entries.push({ kernel: 'qembed Q4_K', dtype: 'f32', shape: '9 of 23×512, 3 parts', unit: 'GB/s', run: withDequantizer((d) => checkQEmbedding(ctx, d, { type: 'Q4_K', n: 23, k: 512, tokens: 9, maxBindingBytes: 2600 })) });
  entries.push({ kernel: 'qembed F16', dtype: 'f32', shape: '9 of 23×130', unit: 'GB/s', run: withDequantizer((d) => checkQEmbedding(ctx, d, { type: 'F16', n: 23, k: 130, tokens: 9 })) });
  return entries;
}

/** Lists the sampler's entries: reference ids on a 32k vocabulary, and draw frequencies on a small one. */
export function sampleSelfTestEntries(ctx: GpuContext): SelfTestEntry[] {
  const settings = [...sampleRows(2, { temperature: 0 }), ...sampleRows(2, { topK: 40 }), ...sampleRows(2, { topP: 0.9 }), ...sampleRows(2, { topK: 50, topP: 0.8 })];
  const logits = Float32Array.from([1.5, 0.2, -0.7, 2.1, 0.9, -2, 0.4, 1.1]);
  return [
    { kernel: 'sample', dtype: 'f32', shape: `8×32003`, unit: 'GB/s', run: () => checkSampleIds(ctx, 32_003, settings) },
    {
      kernel: 'sample distribution',
      dtype: 'f32',
      shape: '2000×8',
      unit: 'GB/s',
      // Top-p stays off here: its bisection costs hundreds of barriers per draw on software adapters.
      run: () => checkSampleDistribution(ctx, logits, { temperature: 0.9, topK: 6, topP: 1, seed: 3, step: 1 }, 2000),
    },
  ];
}
