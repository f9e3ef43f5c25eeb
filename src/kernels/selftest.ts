/** The System page's self-test: every kernel against its reference, with time and throughput. */
import type { GpuContext } from '../gpu/context.ts';
import type { DType } from './common.ts';
import { checkElementwise, checkGemv, checkMatmul, checkRmsNorm, checkSoftmax, type KernelCheck } from './checks.ts';
import type { Dequantizer } from './quant/formats.ts';
import { quantSelfTestEntries, sampleSelfTestEntries } from './quant/selftest.ts';
import { checkAdamW, checkCrossEntropy, checkEmbeddingBackward, checkRmsNormBackward, checkRope, checkSwigluBackward, checkTrainingAttention } from './train-checks.ts';

export interface SelfTestRow {
  kernel: string;
  dtype: DType;
  shape: string;
  pass: boolean;
  message: string;
  maxAbsError: number;
  ms: number;
  timedBy: string;
  /** GFLOP/s for compute-bound kernels, GB/s for memory-bound ones. */
  rate: number;
  rateUnit: 'GFLOP/s' | 'GB/s';
  error?: string;
}

type Check = { kernel: string; dtype: DType; shape: string; unit: 'GFLOP/s' | 'GB/s'; run: () => Promise<KernelCheck> };

export interface SelfTestOptions {
  /** CPU dequantizer for the quantized kernels' references (src/model/quant's `dequantize`). */
  dequantize?: Dequantizer;
}

/** Odd sizes on purpose: none is a multiple of 4 or of a workgroup size. */
export function selfTestChecks(ctx: GpuContext, options: SelfTestOptions = {}): Check[] {
  const dtypes: DType[] = ctx.hasF16 ? ['f32', 'f16'] : ['f32'];
  const checks: Check[] = [];
  for (const dtype of dtypes) {
    for (const op of ['add', 'mul', 'silu'] as const) {
      checks.push({ kernel: op, dtype, shape: 'n=100003', unit: 'GB/s', run: () => checkElementwise(ctx, op, 100_003, dtype) });
    }
    checks.push({ kernel: 'matmul', dtype, shape: '255×257·257×253', unit: 'GFLOP/s', run: () => checkMatmul(ctx, { m: 255, n: 253, k: 257 }, dtype) });
    checks.push({ kernel: 'matmul', dtype, shape: '37×61·(29×61)ᵀ', unit: 'GFLOP/s', run: () => checkMatmul(ctx, { m: 37, n: 29, k: 61, transB: true }, dtype) });
    checks.push({ kernel: 'matmul', dtype, shape: '(45×33)ᵀ·45×19', unit: 'GFLOP/s', run: () => checkMatmul(ctx, { m: 33, n: 19, k: 45, transA: true }, dtype) });
    checks.push({ kernel: 'gemv', dtype, shape: '2049×2051', unit: 'GB/s', run: () => checkGemv(ctx, 2049, 2051, dtype) });
    checks.push({ kernel: 'softmax', dtype, shape: '37×1001', unit: 'GB/s', run: () => checkSoftmax(ctx, 37, 1001, dtype) });
    checks.push({ kernel: 'rmsnorm', dtype, shape: '29×1003', unit: 'GB/s', run: () => checkRmsNorm(ctx, 29, 1003, dtype) });
  }
  // Training kernels run in f32 only.
  checks.push(
    { kernel: 'rope normal', dtype: 'f32', shape: '37×5×64', unit: 'GB/s', run: () => checkRope(ctx, 'normal') },
    { kernel: 'rope neox', dtype: 'f32', shape: '37×5×64', unit: 'GB/s', run: () => checkRope(ctx, 'neox') },
    { kernel: 'rmsnorm backward', dtype: 'f32', shape: '29×1003', unit: 'GB/s', run: () => checkRmsNormBackward(ctx) },
    { kernel: 'swiglu backward', dtype: 'f32', shape: 'n=100003', unit: 'GB/s', run: () => checkSwigluBackward(ctx) },
    { kernel: 'embedding backward', dtype: 'f32', shape: '257×129', unit: 'GB/s', run: () => checkEmbeddingBackward(ctx) },
    { kernel: 'cross-entropy', dtype: 'f32', shape: '37×1001', unit: 'GB/s', run: () => checkCrossEntropy(ctx) },
    { kernel: 'attention fwd+bwd', dtype: 'f32', shape: 'b2 t67 h4/2 d16', unit: 'GFLOP/s', run: () => checkTrainingAttention(ctx) },
    { kernel: 'grad norm + adamw', dtype: 'f32', shape: 'n=100003', unit: 'GB/s', run: () => checkAdamW(ctx) },
  );
  // Inference kernels: quantized weights with f32 activations, and sampling.
  checks.push(...quantSelfTestEntries(ctx, options.dequantize), ...sampleSelfTestEntries(ctx));
  return checks;
}

export async function runSelfTest(
  ctx: GpuContext,
  onRow?: (row: SelfTestRow, index: number, total: number) => void,
  options: SelfTestOptions = {},
): Promise<SelfTestRow[]> {
  const checks = selfTestChecks(ctx, options);
  const rows: SelfTestRow[] = [];
  for (const [index, check] of checks.entries()) {
    let row: SelfTestRow;
    try {
      const result = await check.run();
      const seconds = result.ms / 1000;
      const rate = check.unit === 'GFLOP/s' ? result.flops / seconds / 1e9 : result.bytes / seconds / 1e9;
      row = {
        kernel: result.kernel,
        dtype: check.dtype,
        shape: result.shape,
        pass: result.comparison.ok,
        message: result.message,
        maxAbsError: result.comparison.maxAbsError,
        ms: result.ms,
        timedBy: result.timedBy,
        rate,
        rateUnit: check.unit,
      };
    } catch (error) {
      row = {
        kernel: check.kernel,
        dtype: check.dtype,
        shape: check.shape,
        pass: false,
        message: (error as Error).message,
        maxAbsError: NaN,
        ms: NaN,
        timedBy: '',
        rate: NaN,
        rateUnit: check.unit,
        error: (error as Error).message,
      };
    }
    rows.push(row);
    onRow?.(row, index, checks.length);
  }
  return rows;
}
