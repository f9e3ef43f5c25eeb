/**
 * Masked cross-entropy, global gradient norm and AdamW on the GPU against their double-precision
 * references, with the tolerances stated per check, and the cross-entropy gradient against finite
 * differences of the reference loss (normwise relative error ≤ 1e-4).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_TUNINGS, testGpu, useTuning } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import { assertClose } from './compare.ts';
import { prepareCrossEntropy, prepareCrossEntropyReduce } from './cross-entropy.ts';
import {
  ADAMW_HYPER_BYTES,
  NORM_PARTIALS_PER_RANGE,
  packAdamWHyper,
  prepareAdamW,
  prepareGradNormFinish,
  prepareGradNormPartial,
  type AdamWSettings,
} from './optimizer.ts';
import { crossEntropyRef } from './reference/cross-entropy.ts';
import { assertGradientClose, numericalGradient } from './reference/gradient-check.ts';
import { adamwRef, clipFactorRef, globalNormRef } from './reference/optimizer.ts';
import { Scratch } from './scratch.ts';

let ctx: GpuContext;
let scratch: Scratch;
beforeAll(async () => {
  ctx = await testGpu();
});
afterEach(() => scratch?.dispose());

interface CrossEntropyCase {
  logits: ArrayLike<number>;
  targets: number[];
  mask: number[];
  rows: number;
  vocab: number;
  /** Rows per cross-entropy dispatch; the logits of each chunk are bound at an offset. */
  chunkRows?: number;
}

async function crossEntropyOnGpu(c: CrossEntropyCase): Promise<{ dlogits: Float32Array; rowLoss: Float32Array; stats: Float32Array }> {
  scratch = new Scratch(ctx);
  const logits = scratch.f32(c.logits);
  const targets = scratch.u32(c.targets);
  const mask = scratch.f32(c.mask);
  const rowLoss = scratch.zeros(c.rows);
  const stats = scratch.zeros(3);
  const weightSum = c.mask.reduce((a, b) => a + b, 0);
  const gradScale = scratch.f32([weightSum > 0 ? 1 / weightSum : 0]);
  const chunkRows = c.chunkRows ?? c.rows;
  const calls = [];
  for (let start = 0; start < c.rows; start += chunkRows) {
    const rows = Math.min(chunkRows, c.rows - start);
    const binding = { buffer: logits, offset: start * c.vocab * 4, size: rows * c.vocab * 4 };
    calls.push(await prepareCrossEntropy(ctx, { logits: binding, targets, mask, rowLoss, gradScale, rows, vocab: c.vocab, rowOffset: start, gradient: true }));
  }
  calls.push(await prepareCrossEntropyReduce(ctx, { mask, rowLoss, stats, rows: c.rows }));
  await scratch.run(calls);
  return { dlogits: await scratch.read(logits, c.rows * c.vocab), rowLoss: await scratch.read(rowLoss, c.rows), stats: await scratch.read(stats, 3) };
}

function randomCase(rng: Rng, rows: number, vocab: number, spread = 5): CrossEntropyCase {
  return {
    logits: rng.floats(rows * vocab, -spread, spread),
    targets: Array.from({ length: rows }, () => rng.int(0, vocab - 1)),
    mask: Array.from({ length: rows }, () => (rng.next() < 0.7 ? 1 : 0)),
    rows,
    vocab,
  };
}

describe.each(KERNEL_TUNINGS)('cross-entropy on the GPU, %s kernels', (tuning) => {
  useTuning(() => ctx, tuning);

  it('matches the reference loss and dlogits on awkward shapes', async () => {
    const rng = new Rng(51);
    for (const [rows, vocab] of [[1, 1], [3, 5], [17, 257], [9, 3001]]) {
      const c = randomCase(rng, rows, vocab);
      c.mask[0] = 1;
      const gpu = await crossEntropyOnGpu(c);
      const ref = crossEntropyRef(c.logits, c.targets, c.mask, rows, vocab);
      const label = `${rows}×${vocab}`;
      assertClose(`dlogits ${label}`, gpu.dlogits, ref.dlogits, { atol: 1e-7, rtol: 1e-4 });
      assertClose(`row loss ${label}`, gpu.rowLoss, ref.rowLoss.map((l, r) => l * c.mask[r]), { atol: 1e-5, rtol: 1e-5 });
      assertClose(`stats ${label}`, gpu.stats, [ref.lossSum, ref.weightSum, ref.loss], { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it('handles row chunks at an offset', async () => {
    const rng = new Rng(52);
    const c = { ...randomCase(rng, 130, 6), chunkRows: 64 };
    const gpu = await crossEntropyOnGpu(c);
    const ref = crossEntropyRef(c.logits, c.targets, c.mask, c.rows, c.vocab);
    assertClose('chunked dlogits', gpu.dlogits, ref.dlogits, { atol: 1e-7, rtol: 1e-4 });
    assertClose('chunked stats', gpu.stats, [ref.lossSum, ref.weightSum, ref.loss], { atol: 1e-5, rtol: 1e-5 });
  });

  it('stays finite for logits near the f32 range', async () => {
    const c: CrossEntropyCase = { logits: [3e38, -3e38, 2.9e38, 1e30, 0, -1e30], targets: [2, 0], mask: [1, 1], rows: 2, vocab: 3 };
    const gpu = await crossEntropyOnGpu(c);
    const ref = crossEntropyRef(c.logits, c.targets, c.mask, 2, 3);
    for (const value of gpu.dlogits) expect(Number.isFinite(value)).toBe(true);
    assertClose('huge-logit stats', gpu.stats, [ref.lossSum, ref.weightSum, ref.loss], { atol: 1e-5, rtol: 1e-5 });
  });

  it('returns zero loss and gradient when every token is masked', async () => {
    const c: CrossEntropyCase = { logits: [1, 2, 3, 4], targets: [0, 1], mask: [0, 0], rows: 2, vocab: 2 };
    const gpu = await crossEntropyOnGpu(c);
    expect([...gpu.stats]).toEqual([0, 0, 0]);
    for (const value of gpu.dlogits) expect(Math.abs(value)).toBe(0);
  });

  it('matches finite differences of the reference loss', async () => {
    const rng = new Rng(53);
    const c = randomCase(rng, 5, 7, 3);
    c.mask[0] = 1;
    const logits = Float64Array.from(c.logits);
    const gpu = await crossEntropyOnGpu(c);
    const loss = () => crossEntropyRef(logits, c.targets, c.mask, c.rows, c.vocab).loss;
    assertGradientClose('dlogits', gpu.dlogits, numericalGradient(loss, logits), 1e-4);
  });
});

const SETTINGS: AdamWSettings = { learningRate: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 };

describe('gradient norm and AdamW on the GPU', () => {
  it('global norm over several ranges and its clip factor', async () => {
    scratch = new Scratch(ctx);
    const rng = new Rng(61);
    const ranges = [rng.floats(1), rng.floats(1000), rng.floats(70_001, -3, 3)];
    const partials = scratch.zeros(ranges.length * NORM_PARTIALS_PER_RANGE);
    const stats = scratch.zeros(4);
    const hyper = ctx.createUniform(packAdamWHyper(SETTINGS, 1), 'hyper');
    const calls = [];
    for (const [index, values] of ranges.entries()) {
      calls.push(await prepareGradNormPartial(ctx, { values: scratch.f32(values), count: values.length, partials, slot: index * NORM_PARTIALS_PER_RANGE }));
    }
    calls.push(await prepareGradNormFinish(ctx, { partials, count: ranges.length * NORM_PARTIALS_PER_RANGE, hyper, stats }));
    await scratch.run(calls);
    ctx.release(hyper);
    const norm = globalNormRef(ranges);
    assertClose('norm stats', await scratch.read(stats, 4), [norm * norm, norm, clipFactorRef(norm, SETTINGS.maxGradNorm), 1], { atol: 0, rtol: 1e-5 });
  });

  // 1001 elements run the scalar variant, 1000 the vec4 one.
  it.each([1001, 1000])('AdamW steps with clipping and decay, %i elements', async (n) => {
    scratch = new Scratch(ctx);
    const rng = new Rng(62);
    const param = Float64Array.from(rng.floats(n));
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    const [pb, mb, vb] = [scratch.f32(param), scratch.zeros(n), scratch.zeros(n)];
    const hyper = ctx.createBuffer(ADAMW_HYPER_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'hyper');
    for (let step = 1; step <= 3; step++) {
      const grad = rng.floats(n, -0.2, 0.2);
      const gb = scratch.f32(grad);
      const partials = scratch.zeros(NORM_PARTIALS_PER_RANGE);
      const stats = scratch.zeros(4);
      ctx.write(hyper, packAdamWHyper(SETTINGS, step));
      await scratch.run([
        await prepareGradNormPartial(ctx, { values: gb, count: n, partials, slot: 0 }),
        await prepareGradNormFinish(ctx, { partials, count: NORM_PARTIALS_PER_RANGE, hyper, stats }),
        await prepareAdamW(ctx, { param: pb, grad: gb, m: mb, v: vb, count: n, hyper, stats, decay: true }),
      ]);
      const clip = clipFactorRef(globalNormRef([grad]), SETTINGS.maxGradNorm);
      expect(clip).toBeLessThan(1);
      adamwRef(param, grad, m, v, { ...SETTINGS, step }, clip);
    }
    ctx.release(hyper);
    assertClose('param after 3 steps', await scratch.read(pb, n), param, { atol: 1e-6, rtol: 1e-5 });
    assertClose('first moment', await scratch.read(mb, n), m, { atol: 1e-7, rtol: 1e-4 });
    assertClose('second moment', await scratch.read(vb, n), v, { atol: 1e-9, rtol: 1e-4 });
  });

  it('AdamW leaves everything unchanged when the gradient is not finite', async () => {
    scratch = new Scratch(ctx);
    const n = 5;
    const param = [1, 2, 3, 4, 5];
    const [pb, gb, mb, vb] = [scratch.f32(param), scratch.f32([0.1, NaN, 0.2, 0.3, 0.4]), scratch.zeros(n), scratch.zeros(n)];
    const partials = scratch.zeros(NORM_PARTIALS_PER_RANGE);
    const stats = scratch.zeros(4);
    const hyper = ctx.createUniform(packAdamWHyper({ ...SETTINGS, maxGradNorm: 0 }, 1), 'hyper');
    await scratch.run([
      await prepareGradNormPartial(ctx, { values: gb, count: n, partials, slot: 0 }),
      await prepareGradNormFinish(ctx, { partials, count: NORM_PARTIALS_PER_RANGE, hyper, stats }),
      await prepareAdamW(ctx, { param: pb, grad: gb, m: mb, v: vb, count: n, hyper, stats, decay: false }),
    ]);
    ctx.release(hyper);
    expect((await scratch.read(stats, 4))[3]).toBe(0);
    expect([...(await scratch.read(pb, n))]).toEqual(param);
    expect([...(await scratch.read(mb, n))]).toEqual([0, 0, 0, 0, 0]);
  });
});
