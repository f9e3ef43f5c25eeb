/**
 * Self-test checks of the training kernels (f32): each runs one op family forward and/or backward on
 * random inputs of awkward sizes and compares every output with its double-precision reference.
 * The unit tests cover more shapes; these run on the user's adapter from the System page and the CLI.
 */
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import { attentionBlockRows, attentionSegmentTable, prepareAttentionBackward, prepareAttentionForward } from './attention-train.ts';
import type { KernelCheck } from './checks.ts';
import { runCalls, type KernelCall } from './common.ts';
import { compareArrays, describeComparison, type Comparison, type Tolerance } from './compare.ts';
import { prepareCrossEntropy, prepareCrossEntropyReduce } from './cross-entropy.ts';
import { buildScatterPlan, prepareEmbeddingBackward } from './embedding.ts';
import { prepareRmsNormBackward } from './norm-backward.ts';
import { NORM_PARTIALS_PER_RANGE, packAdamWHyper, prepareAdamW, prepareGradNormFinish, prepareGradNormPartial } from './optimizer.ts';
import { attentionBackwardRef, attentionForwardRef, type AttentionShape } from './reference/attention.ts';
import { crossEntropyRef } from './reference/cross-entropy.ts';
import { embeddingBackwardRef } from './reference/embedding.ts';
import { rmsNormBackwardRef } from './reference/norm.ts';
import { adamwRef, clipFactorRef, globalNormRef } from './reference/optimizer.ts';
import { ropeRef, type RopeStyle } from './reference/rope.ts';
import { swigluBackwardRef } from './reference/swiglu.ts';
import { prepareRope, ropeTable } from './rope.ts';
import { Scratch } from './scratch.ts';
import { prepareSwigluBackward } from './swiglu.ts';

interface CheckedOutput {
  name: string;
  buffer: GPUBuffer;
  count: number;
  reference: ArrayLike<number>;
  tolerance: Tolerance;
}

/** Runs the calls once with GPU timing, compares every output and reports the first failing (or worst) one. */
async function runTrainingCheck(scratch: Scratch, kernel: string, shape: string, calls: KernelCall[], outputs: CheckedOutput[]): Promise<KernelCheck> {
  const { ctx } = scratch;
  const flops = calls.reduce((sum, call) => sum + call.flops, 0);
  const bytes = calls.reduce((sum, call) => sum + call.bytes, 0);
  try {
    const started = performance.now();
    const result = await runCalls(ctx, calls, { timing: true });
    const wallMs = performance.now() - started;
    const compared: { output: CheckedOutput; comparison: Comparison }[] = [];
    for (const output of outputs) {
      compared.push({ output, comparison: compareArrays(await scratch.read(output.buffer, output.count), output.reference, output.tolerance) });
    }
    const failing = compared.find((c) => !c.comparison.ok);
    const chosen = failing ?? compared.reduce((worst, c) => (c.comparison.maxAbsError > worst.comparison.maxAbsError ? c : worst));
    return {
      kernel,
      dtype: 'f32',
      shape,
      comparison: chosen.comparison,
      tolerance: chosen.output.tolerance,
      message: compared.map((c) => describeComparison(`${kernel} ${shape} ${c.output.name}`, c.comparison, c.output.tolerance)).join('\n'),
      ms: result.gpuMs ? result.gpuMs.reduce((a, b) => a + b, 0) : wallMs,
      timedBy: result.gpuMs ? 'gpu timestamps' : 'wall clock',
      flops,
      bytes,
    };
  } finally {
    scratch.dispose();
  }
}

export async function checkRope(ctx: GpuContext, style: RopeStyle, seed = 1): Promise<KernelCheck> {
  const scratch = new Scratch(ctx);
  const rng = new Rng(seed);
  const shape = { tokens: 37, heads: 5, headDim: 64, base: 10000, style };
  const maxPositions = 512;
  const positions = Array.from({ length: shape.tokens }, () => rng.int(0, maxPositions - 1));
  const x = rng.floats(shape.tokens * shape.heads * shape.headDim);
  const xb = scratch.f32(x);
  const call = await prepareRope(ctx, { x: xb, positions: scratch.u32(positions), table: scratch.f32(ropeTable(shape.base, shape.headDim, maxPositions)), ...shape, maxPositions });
  return runTrainingCheck(scratch, `rope ${style}`, '37×5×64', [call], [{ name: 'output', buffer: xb, count: x.length, reference: ropeRef(x, positions, shape), tolerance: { atol: 2e-6, rtol: 2e-5 } }]);
}

export async function checkRmsNormBackward(ctx: GpuContext, seed = 1): Promise<KernelCheck> {
  const scratch = new Scratch(ctx);
  const rng = new Rng(seed);
  const [rows, cols, eps] = [29, 1003, 1e-5];
  const x = rng.floats(rows * cols, -3, 3);
  const weight = rng.floats(cols, 0.5, 1.5);
  const dy = rng.floats(rows * cols);
  const [dx, dweight] = [scratch.zeros(rows * cols), scratch.zeros(cols)];
  const calls = await prepareRmsNormBackward(ctx, { x: scratch.f32(x), weight: scratch.f32(weight), dy: scratch.f32(dy), dx, rstd: scratch.zeros(rows), dweight, rows, cols, eps });
  const ref = rmsNormBackwardRef(x, weight, dy, rows, cols, eps);
  return runTrainingCheck(scratch, 'rmsnorm backward', `${rows}×${cols}`, calls, [
    { name: 'dx', buffer: dx, count: rows * cols, reference: ref.dx, tolerance: { atol: 1e-5, rtol: 1e-4 } },
    { name: 'dweight', buffer: dweight, count: cols, reference: ref.dweight, tolerance: { atol: 1e-5 * Math.sqrt(rows), rtol: 1e-4 } },
  ]);
}

export async function checkSwigluBackward(ctx: GpuContext, seed = 1): Promise<KernelCheck> {
  const scratch = new Scratch(ctx);
  const rng = new Rng(seed);
  const n = 100_003;
  const gate = rng.floats(n, -20, 20);
  const up = rng.floats(n);
  const dh = rng.floats(n);
  const [dgate, dup] = [scratch.zeros(n), scratch.zeros(n)];
  const call = await prepareSwigluBackward(ctx, { gate: scratch.f32(gate), up: scratch.f32(up), dh: scratch.f32(dh), dgate, dup, n });
  const ref = swigluBackwardRef(gate, up, dh);
  const tolerance = { atol: 1e-6, rtol: 1e-5 };
  return runTrainingCheck(scratch, 'swiglu backward', `n=${n}`, [call], [
    { name: 'dgate', buffer: dgate, count: n, reference: ref.dgate, tolerance },
    { name: 'dup', buffer: dup, count: n, reference: ref.dup, tolerance },
  ]);
}

export async function checkEmbeddingBackward(ctx: GpuContext, seed = 1): Promise<KernelCheck> {
  const scratch = new Scratch(ctx);
  const rng = new Rng(seed);
  const [vocab, cols, tokens] = [50, 129, 257];
  const ids = Array.from({ length: tokens }, () => rng.int(0, 9));
  const dout = rng.floats(tokens * cols);
  const dtable = scratch.zeros(vocab * cols);
  const call = await prepareEmbeddingBackward(ctx, { plan: scratch.u32(buildScatterPlan(ids)), dout: scratch.f32(dout), dtable, tokens, cols, vocab });
  const reference = embeddingBackwardRef(ids, dout, vocab, cols);
  return runTrainingCheck(scratch, 'embedding backward', `${tokens}×${cols}`, [call], [{ name: 'dtable', buffer: dtable, count: vocab * cols, reference, tolerance: { atol: 1e-5, rtol: 1e-5 } }]);
}

export async function checkCrossEntropy(ctx: GpuContext, seed = 1): Promise<KernelCheck> {
  const scratch = new Scratch(ctx);
  const rng = new Rng(seed);
  const [rows, vocab] = [37, 1001];
  const logits = rng.floats(rows * vocab, -8, 8);
  const targets = Array.from({ length: rows }, () => rng.int(0, vocab - 1));
  const mask = Array.from({ length: rows }, (_, r) => (r % 3 === 1 ? 0 : 1));
  const ref = crossEntropyRef(logits, targets, mask, rows, vocab);
  const [logitsBuffer, targetsBuffer, maskBuffer, rowLoss, stats] = [scratch.f32(logits), scratch.u32(targets), scratch.f32(mask), scratch.zeros(rows), scratch.zeros(3)];
  const common = { targets: targetsBuffer, mask: maskBuffer, rowLoss };
  const calls = [
    await prepareCrossEntropy(ctx, { ...common, logits: logitsBuffer, gradScale: scratch.f32([1 / ref.weightSum]), rows, vocab, gradient: true }),
    await prepareCrossEntropyReduce(ctx, { mask: maskBuffer, rowLoss, stats, rows }),
  ];
  return runTrainingCheck(scratch, 'cross-entropy', `${rows}×${vocab}`, calls, [
    { name: 'dlogits', buffer: logitsBuffer, count: rows * vocab, reference: ref.dlogits, tolerance: { atol: 1e-7, rtol: 1e-4 } },
    { name: 'loss', buffer: stats, count: 3, reference: [ref.lossSum, ref.weightSum, ref.loss], tolerance: { atol: 1e-5, rtol: 1e-5 } },
  ]);
}

export async function checkTrainingAttention(ctx: GpuContext, seed = 1): Promise<KernelCheck> {
  const scratch = new Scratch(ctx);
  const rng = new Rng(seed);
  const shape: AttentionShape = { batch: 2, seqLen: 67, heads: 4, kvHeads: 2, headDim: 16 };
  const tokens = shape.batch * shape.seqLen;
  const qCount = tokens * shape.heads * shape.headDim;
  const kvCount = tokens * shape.kvHeads * shape.headDim;
  // Two packed examples per sequence.
  const segmentIds = Array.from({ length: tokens }, (_, n) => 2 * Math.floor(n / shape.seqLen) + (n % shape.seqLen < 30 ? 0 : 1));
  const [q, k, v, dout] = [rng.floats(qCount), rng.floats(kvCount), rng.floats(kvCount), rng.floats(qCount)];
  const buffers = {
    q: scratch.f32(q),
    k: scratch.f32(k),
    v: scratch.f32(v),
    segments: scratch.u32(attentionSegmentTable(segmentIds, shape.batch, shape.seqLen, attentionBlockRows(ctx.tuning))),
    out: scratch.zeros(qCount),
    rowStats: scratch.zeros(tokens * shape.heads * 2),
  };
  const gradients = { dout: scratch.f32(dout), dq: scratch.zeros(qCount), dk: scratch.zeros(kvCount), dv: scratch.zeros(kvCount) };
  const calls = [await prepareAttentionForward(ctx, shape, buffers), ...(await prepareAttentionBackward(ctx, shape, buffers, gradients))];
  const forward = attentionForwardRef(q, k, v, segmentIds, shape);
  const backward = attentionBackwardRef(q, k, v, segmentIds, shape, dout);
  const tolerance = { atol: 1e-5, rtol: 1e-4 };
  return runTrainingCheck(scratch, 'attention fwd+bwd', 'b2 t67 h4/2 d16', calls, [
    { name: 'out', buffer: buffers.out, count: qCount, reference: forward.out, tolerance },
    { name: 'dq', buffer: gradients.dq, count: qCount, reference: backward.dq, tolerance },
    { name: 'dk', buffer: gradients.dk, count: kvCount, reference: backward.dk, tolerance },
    { name: 'dv', buffer: gradients.dv, count: kvCount, reference: backward.dv, tolerance },
  ]);
}

export async function checkAdamW(ctx: GpuContext, seed = 1): Promise<KernelCheck> {
  const scratch = new Scratch(ctx);
  const rng = new Rng(seed);
  const n = 100_003;
  const settings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 };
  const param = Float64Array.from(rng.floats(n));
  const grad = rng.floats(n, -0.01, 0.01);
  const [paramBuffer, gradBuffer, partials, stats] = [scratch.f32(param), scratch.f32(grad), scratch.zeros(NORM_PARTIALS_PER_RANGE), scratch.zeros(4)];
  const hyper = ctx.createUniform(packAdamWHyper(settings, 1), 'adamw.hyper');
  const calls = [
    await prepareGradNormPartial(ctx, { values: gradBuffer, count: n, partials, slot: 0 }),
    await prepareGradNormFinish(ctx, { partials, count: NORM_PARTIALS_PER_RANGE, hyper, stats }),
    await prepareAdamW(ctx, { param: paramBuffer, grad: gradBuffer, m: scratch.zeros(n), v: scratch.zeros(n), count: n, hyper, stats, decay: true }),
  ];
  const norm = globalNormRef([grad]);
  adamwRef(param, grad, new Float64Array(n), new Float64Array(n), { ...settings, step: 1 }, clipFactorRef(norm, settings.maxGradNorm));
  try {
    return await runTrainingCheck(scratch, 'grad norm + adamw', `n=${n}`, calls, [{ name: 'param', buffer: paramBuffer, count: n, reference: param, tolerance: { atol: 1e-6, rtol: 1e-5 } }]);
  } finally {
    ctx.release(hyper);
  }
}
