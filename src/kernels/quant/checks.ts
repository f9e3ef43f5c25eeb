/**
 * Runs the quantized kernels on random weights and compares them with their TypeScript
 * references. Unit tests sweep many shapes through these functions; the self-test runs a few.
 */
import type { GpuContext } from '../../gpu/context.ts';
import { Rng } from '../../util/random.ts';
import type { KernelCheck } from '../checks.ts';
import { runCalls, type KernelCall } from '../common.ts';
import { compareArrays, describeComparison, type Tolerance } from '../compare.ts';
import { prepareQEmbedding } from './embedding.ts';
import { rowLayout, type Dequantizer, type WeightType } from './formats.ts';
import { prepareQMatmul, type MatmulStrategy } from './matmul.ts';
import { randomWeightBytes } from './random-weights.ts';
import { dequantizeWeight, qembeddingRef, qmatmulRef } from './reference.ts';
import { releaseQuantWeight, uploadWeight, type QuantWeight } from './weights.ts';

/**
 * Tolerance of an f32 product over k terms. The GPU decodes weights with the same f32 operations
 * as the CPU dequantizer, but it may fuse a multiply-add, which moves a weight by about 1e-7
 * relative. The rest is f32 summation order. Decoded random weights reach about ±4.
 */
export function quantTolerance(k: number): Tolerance {
  return { atol: 1e-5 * Math.sqrt(k), rtol: 2e-5 };
}

/** Weight bytes and what the GPU and the reference need of them. */
interface WeightInput {
  bytes: Uint8Array;
  w: Float32Array;
  weight: QuantWeight;
}

function makeWeight(ctx: GpuContext, dequantize: Dequantizer, type: WeightType, n: number, k: number, rng: Rng, bytes?: Uint8Array, maxBindingBytes?: number): WeightInput {
  const source = bytes ?? randomWeightBytes(type, n, k, rng);
  const w = dequantizeWeight(dequantize, type, source, n, k);
  const weight = uploadWeight(ctx, { type, rows: n, cols: k, bytes: source, maxBindingBytes, label: `${type} ${n}×${k}` });
  return { bytes: source, w, weight };
}

/** Copies m rows of k values into rows of `stride` values, zeros after each row. */
export function padRows(values: Float32Array, m: number, k: number, stride: number): Float32Array {
  if (stride === k) return values;
  const out = new Float32Array(m * stride);
  for (let t = 0; t < m; t++) out.set(values.subarray(t * k, (t + 1) * k), t * stride);
  return out;
}

async function runAndCompare(
  ctx: GpuContext,
  kernel: string,
  shape: string,
  calls: KernelCall[],
  output: { buffer: GPUBuffer; count: number },
  reference: Float32Array,
  tolerance: Tolerance,
  cleanup: () => void,
): Promise<KernelCheck> {
  const flops = calls.reduce((sum, call) => sum + call.flops, 0);
  const bytes = calls.reduce((sum, call) => sum + call.bytes, 0);
  try {
    const started = performance.now();
    const result = await runCalls(ctx, calls, { timing: true });
    const wallMs = performance.now() - started;
    const gpu = await ctx.readF32(output.buffer, output.count);
    const comparison = compareArrays(gpu, reference, tolerance);
    return {
      kernel,
      dtype: 'f32',
      shape,
      comparison,
      tolerance,
      message: describeComparison(`${kernel} ${shape} output`, comparison, tolerance),
      ms: result.gpuMs ? result.gpuMs.reduce((a, b) => a + b, 0) : wallMs,
      timedBy: result.gpuMs ? 'gpu timestamps' : 'wall clock',
      flops,
      bytes,
    };
  } finally {
    cleanup();
  }
}

export interface QMatmulCase {
  type: WeightType;
  /** Weight rows (output features). */
  n: number;
  /** Weight columns (K); a multiple of the type's block size. */
  k: number;
  /** Tokens (default 1). */
  m?: number;
  /** Split the weight into parts no larger than this many bytes. */
  maxBindingBytes?: number;
  bias?: boolean;
  accumulate?: boolean;
  strategy?: MatmulStrategy;
  subgroups?: boolean;
  tileTokens?: number;
  rowsPerWorkgroup?: number;
}

/** Checks Y = X · Wᵀ on the GPU against the reference; `bytes` (GGUF bytes of n × k) replaces the random weight. */
export async function checkQMatmul(ctx: GpuContext, dequantize: Dequantizer, shape: QMatmulCase, seed = 1, bytes?: Uint8Array): Promise<KernelCheck> {
  const rng = new Rng(seed);
  const { type, n, k } = shape;
  const m = shape.m ?? 1;
  const { colsPadded } = rowLayout(type, k);
  const input = makeWeight(ctx, dequantize, type, n, k, rng, bytes, shape.maxBindingBytes);
  const x = rng.floats(m * k);
  const bias = shape.bias ? rng.floats(n) : undefined;
  const initial = shape.accumulate ? rng.floats(m * n) : undefined;

  const xBuffer = ctx.createStorage(padRows(x, m, k, colsPadded), 'x');
  const yBuffer = initial ? ctx.createStorage(initial, 'y') : ctx.createStorage(m * n * 4, 'y');
  const biasBuffer = bias ? ctx.createStorage(bias, 'bias') : undefined;
  const buffers = [xBuffer, yBuffer, ...(biasBuffer ? [biasBuffer] : [])];
  const cleanup = () => {
    releaseQuantWeight(ctx, input.weight);
    for (const buffer of buffers) ctx.release(buffer);
  };
  let calls: KernelCall[];
  try {
    calls = await prepareQMatmul(ctx, {
      weight: input.weight,
      x: xBuffer,
      y: yBuffer,
      m,
      bias: biasBuffer,
      accumulate: shape.accumulate,
      strategy: shape.strategy,
      subgroups: shape.subgroups,
      tileTokens: shape.tileTokens,
      rowsPerWorkgroup: shape.rowsPerWorkgroup,
    });
  } catch (error) {
    cleanup();
    throw error;
  }
  const reference = qmatmulRef({ w: input.w, x, n, k, m, bias, initial });
  const kernel = `${m === 1 ? 'qgemv' : 'qgemm'} ${type}`;
  const extras = [
    input.weight.parts.length > 1 ? `${input.weight.parts.length} parts` : '',
    shape.bias ? 'bias' : '',
    shape.accumulate ? 'accumulate' : '',
    shape.subgroups === false ? 'no subgroups' : '',
  ].filter(Boolean);
  // GEMV: the weight's shape; GEMM: X · Wᵀ with both in their stored shapes, as the matmul check writes them.
  const product = m > 1 ? `${m}×${k}·(${n}×${k})ᵀ` : `${n}×${k}`;
  const label = `${product}${extras.length ? ` (${extras.join(', ')})` : ''}`;
  return runAndCompare(ctx, kernel, label, calls, { buffer: yBuffer, count: m * n }, reference, quantTolerance(k), cleanup);
}

export interface QEmbeddingCase {
  type: WeightType;
  /** Weight rows (vocabulary). */
  n: number;
  /** Weight columns (embedding width). */
  k: number;
  tokens: number;
  maxBindingBytes?: number;
}

/** Checks the gather of random rows, some of them past the end (zeros), against the reference. */
export async function checkQEmbedding(ctx: GpuContext, dequantize: Dequantizer, shape: QEmbeddingCase, seed = 1, bytes?: Uint8Array): Promise<KernelCheck> {
  const rng = new Rng(seed);
  const { type, n, k, tokens } = shape;
  const input = makeWeight(ctx, dequantize, type, n, k, rng, bytes, shape.maxBindingBytes);
  const ids = new Uint32Array(tokens);
  for (let t = 0; t < tokens; t++) ids[t] = t % 7 === 6 ? n + rng.int(0, 3) : rng.int(0, n - 1);
  const idBuffer = ctx.createStorage(ids, 'ids');
  // Filled with NaN so a row the kernel leaves unwritten cannot pass as zeros.
  const outBuffer = ctx.createStorage(new Float32Array(tokens * k).fill(NaN), 'out');
  const cleanup = () => {
    releaseQuantWeight(ctx, input.weight);
    ctx.release(idBuffer);
    ctx.release(outBuffer);
  };
  let calls: KernelCall[];
  try {
    calls = await prepareQEmbedding(ctx, { weight: input.weight, ids: idBuffer, out: outBuffer, tokens });
  } catch (error) {
    cleanup();
    throw error;
  }
  const reference = qembeddingRef(input.w, n, k, ids);
  const parts = input.weight.parts.length > 1 ? ` (${input.weight.parts.length} parts)` : '';
  // Decoding is the same f32 arithmetic as the CPU's up to one fused multiply-add per value.
  const tolerance = { atol: 1e-6, rtol: 1e-6 };
  return runAndCompare(ctx, `qembed ${type}`, `${tokens} of ${n}×${k}${parts}`, calls, { buffer: outBuffer, count: tokens * k }, reference, tolerance, cleanup);
}
