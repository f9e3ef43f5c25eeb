/**
 * Runs each basic kernel on random inputs and compares it with its TypeScript reference.
 * Unit tests sweep many shapes through these functions; the System page's self-test runs a few.
 */
import type { GpuContext } from '../gpu/context.ts';
import { fromF16Array, roundToF16, toF16Array } from '../util/f16.ts';
import { Rng } from '../util/random.ts';
import { runCalls, type DType, type KernelCall } from './common.ts';
import { compareArrays, describeComparison, type Comparison, type Tolerance } from './compare.ts';
import { prepareElementwise, type ElementwiseOp } from './elementwise.ts';
import { prepareGemv } from './gemv.ts';
import { prepareMatmul, type MatmulVariant } from './matmul.ts';
import { prepareTranspose } from './transpose.ts';
import { addRef, gemvRef, matmulRef, mulRef, rmsNormRef, siluRef, softmaxRef, transposeRef } from './reference/basic.ts';
import { prepareRmsNorm } from './rmsnorm.ts';
import { prepareSoftmax } from './softmax.ts';

export interface KernelCheck {
  kernel: string;
  dtype: DType;
  shape: string;
  comparison: Comparison;
  tolerance: Tolerance;
  message: string;
  /** GPU time of the kernel alone (timestamp query) or, without it, wall time of submit + wait. */
  ms: number;
  timedBy: 'gpu timestamps' | 'wall clock';
  flops: number;
  bytes: number;
}

/** Tolerances: f32 results differ from the double-precision reference by rounding only; f16 results are stored with 11-bit mantissas. */
export function toleranceFor(dtype: DType, reductionLength = 1): Tolerance {
  if (dtype === 'f16') return { atol: 2e-3 * Math.sqrt(reductionLength), rtol: 4e-3 };
  return { atol: 2e-6 * Math.sqrt(reductionLength), rtol: 2e-5 };
}

function encodeInput(ctx: GpuContext, values: Float32Array, dtype: DType, label: string): GPUBuffer {
  return ctx.createStorage(dtype === 'f16' ? toF16Array(values) : values, label);
}

/** Returns the inputs as an f16 buffer stores them (rounded), so the reference computes on the same values. */
function asStored(values: Float32Array, dtype: DType): Float32Array {
  return dtype === 'f16' ? roundToF16(values) : values;
}

async function readOutput(ctx: GpuContext, buffer: GPUBuffer, count: number, dtype: DType): Promise<Float32Array> {
  if (dtype === 'f16') return fromF16Array(new Uint16Array(await ctx.read(buffer, count * 2)));
  return ctx.readF32(buffer, count);
}

async function runAndCompare(
  ctx: GpuContext,
  kernel: string,
  dtype: DType,
  shape: string,
  call: KernelCall,
  output: { buffer: GPUBuffer; count: number },
  reference: Float32Array,
  tolerance: Tolerance,
  buffers: GPUBuffer[],
): Promise<KernelCheck> {
  const { flops, bytes } = call;
  try {
    const started = performance.now();
    const result = await runCalls(ctx, [call], { timing: true });
    const wallMs = performance.now() - started;
    const gpu = await readOutput(ctx, output.buffer, output.count, dtype);
    const comparison = compareArrays(gpu, reference, tolerance);
    const ms = result.gpuMs?.[0] ?? wallMs;
    return {
      kernel,
      dtype,
      shape,
      comparison,
      tolerance,
      message: describeComparison(`${kernel} ${dtype} ${shape} output`, comparison, tolerance),
      ms,
      timedBy: result.gpuMs ? 'gpu timestamps' : 'wall clock',
      flops,
      bytes,
    };
  } finally {
    for (const buffer of buffers) ctx.release(buffer);
  }
}

export async function checkElementwise(ctx: GpuContext, op: ElementwiseOp, n: number, dtype: DType, seed = 1): Promise<KernelCheck> {
  const rng = new Rng(seed);
  const a = asStored(rng.floats(n, -6, 6), dtype);
  const b = asStored(rng.floats(n, -3, 3), dtype);
  const aBuffer = encodeInput(ctx, a, dtype, 'a');
  const bBuffer = encodeInput(ctx, b, dtype, 'b');
  const out = ctx.createStorage(n * (dtype === 'f16' ? 2 : 4), 'out');
  const reference = op === 'add' ? addRef(a, b) : op === 'mul' ? mulRef(a, b) : siluRef(a);
  const call = await prepareElementwise(ctx, { op, a: aBuffer, b: bBuffer, out, n, dtype });
  return runAndCompare(ctx, op, dtype, `n=${n}`, call, { buffer: out, count: n }, reference, toleranceFor(dtype), [aBuffer, bBuffer, out]);
}

export interface MatmulCase {
  m: number;
  n: number;
  k: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  /** Whether the product is added to C, which then starts from random values. */
  accumulate?: boolean;
  /** Whether the product is added to a separate random residual of C's shape. */
  residual?: boolean;
  variant?: MatmulVariant;
}

export async function checkMatmul(ctx: GpuContext, shape: MatmulCase, dtype: DType, seed = 1): Promise<KernelCheck> {
  const rng = new Rng(seed);
  const batch = shape.batch ?? 1;
  const a = asStored(rng.floats(batch * shape.m * shape.k), dtype);
  const b = asStored(rng.floats(batch * shape.k * shape.n), dtype);
  const aBuffer = encodeInput(ctx, a, dtype, 'a');
  const bBuffer = encodeInput(ctx, b, dtype, 'b');
  const count = batch * shape.m * shape.n;
  const initial = shape.accumulate ? asStored(rng.floats(count), dtype) : new Float32Array(count);
  const c = encodeInput(ctx, initial, dtype, 'c');
  const residual = shape.residual ? asStored(rng.floats(count), dtype) : null;
  const residualBuffer = residual ? encodeInput(ctx, residual, dtype, 'residual') : undefined;
  const call = await prepareMatmul(ctx, { ...shape, a: aBuffer, b: bBuffer, c, dtype, residual: residualBuffer });
  const product = matmulRef(a, b, shape);
  const added = residual ?? (shape.accumulate ? initial : null);
  const expected = added ? product.map((value, i) => value + added[i]) : product;
  // Operands are written in their stored shape, with ᵀ where the kernel reads them transposed.
  const left = shape.transA ? `(${shape.k}×${shape.m})ᵀ` : `${shape.m}×${shape.k}`;
  const right = shape.transB ? `(${shape.n}×${shape.k})ᵀ` : `${shape.k}×${shape.n}`;
  const label = `${batch > 1 ? `${batch}× ` : ''}${left}·${right}`;
  let mode = '';
  if (shape.accumulate) mode = ' (accumulate)';
  if (shape.residual) mode = ' (+ residual)';
  const buffers = residualBuffer ? [aBuffer, bBuffer, c, residualBuffer] : [aBuffer, bBuffer, c];
  return runAndCompare(ctx, call.label ?? 'matmul', dtype, `${label}${mode}`, call, { buffer: c, count }, expected, toleranceFor(dtype, shape.k), buffers);
}

export async function checkGemv(ctx: GpuContext, n: number, k: number, dtype: DType, seed = 1, subgroups = true): Promise<KernelCheck> {
  const rng = new Rng(seed);
  const w = asStored(rng.floats(n * k), dtype);
  const x = asStored(rng.floats(k), dtype);
  const wBuffer = encodeInput(ctx, w, dtype, 'w');
  const xBuffer = encodeInput(ctx, x, dtype, 'x');
  const y = ctx.createStorage(n * (dtype === 'f16' ? 2 : 4), 'y');
  const call = await prepareGemv(ctx, { w: wBuffer, x: xBuffer, y, n, k, dtype, subgroups });
  return runAndCompare(ctx, call.label ?? 'gemv', dtype, `${n}×${k}`, call, { buffer: y, count: n }, gemvRef(w, x, n, k), toleranceFor(dtype, k), [wBuffer, xBuffer, y]);
}

export async function checkSoftmax(ctx: GpuContext, rows: number, cols: number, dtype: DType, seed = 1): Promise<KernelCheck> {
  const rng = new Rng(seed);
  // Large logits check the max subtraction: exp(80) alone would overflow f16 and come close in f32.
  const x = asStored(rng.floats(rows * cols, -40, 80), dtype);
  const xBuffer = encodeInput(ctx, x, dtype, 'x');
  const out = ctx.createStorage(rows * cols * (dtype === 'f16' ? 2 : 4), 'out');
  const call = await prepareSoftmax(ctx, { x: xBuffer, out, rows, cols, dtype });
  const tolerance = dtype === 'f16' ? { atol: 1e-4, rtol: 1e-2 } : { atol: 1e-7, rtol: 1e-4 };
  return runAndCompare(ctx, 'softmax', dtype, `${rows}×${cols}`, call, { buffer: out, count: rows * cols }, softmaxRef(x, rows, cols), tolerance, [xBuffer, out]);
}

export async function checkRmsNorm(ctx: GpuContext, rows: number, cols: number, dtype: DType, seed = 1): Promise<KernelCheck> {
  const rng = new Rng(seed);
  const x = asStored(rng.floats(rows * cols, -4, 4), dtype);
  const weight = asStored(rng.floats(cols, 0.5, 1.5), dtype);
  const xBuffer = encodeInput(ctx, x, dtype, 'x');
  const wBuffer = encodeInput(ctx, weight, dtype, 'weight');
  const out = ctx.createStorage(rows * cols * (dtype === 'f16' ? 2 : 4), 'out');
  const eps = 1e-5;
  const call = await prepareRmsNorm(ctx, { x: xBuffer, weight: wBuffer, out, rows, cols, eps, dtype });
  const tolerance = dtype === 'f16' ? { atol: 4e-3, rtol: 4e-3 } : { atol: 1e-6, rtol: 1e-5 };
  return runAndCompare(ctx, 'rmsnorm', dtype, `${rows}×${cols}`, call, { buffer: out, count: rows * cols }, rmsNormRef(x, weight, rows, cols, eps), tolerance, [xBuffer, wBuffer, out]);
}

export async function checkTranspose(ctx: GpuContext, rows: number, cols: number, seed = 1): Promise<KernelCheck> {
  const x = new Rng(seed).floats(rows * cols);
  const input = encodeInput(ctx, x, 'f32', 'input');
  const output = ctx.createStorage(rows * cols * 4, 'output');
  const call = await prepareTranspose(ctx, { input, output, rows, cols });
  // A transpose moves values unchanged, so the tolerance is zero.
  return runAndCompare(ctx, 'transpose', 'f32', `${rows}×${cols}`, call, { buffer: output, count: rows * cols }, transposeRef(x, rows, cols), { atol: 0, rtol: 0 }, [input, output]);
}
