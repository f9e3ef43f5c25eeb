/**
 * SwiGLU and the token embedding on the GPU against their double-precision references
 * (|gpu − ref| ≤ 1e-6 + 1e-5·|ref|) and against finite differences of the reference forward
 * (normwise relative error ≤ 1e-4). The embedding scatter-add must also be bit-identical across runs.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import { assertClose } from './compare.ts';
import { buildScatterPlan, prepareEmbedding, prepareEmbeddingBackward } from './embedding.ts';
import { embeddingBackwardRef, embeddingRef } from './reference/embedding.ts';
import { assertGradientClose, numericalGradient, weightedSum } from './reference/gradient-check.ts';
import { swigluBackwardRef, swigluRef } from './reference/swiglu.ts';
import { Scratch } from './scratch.ts';
import { prepareSwiglu, prepareSwigluBackward } from './swiglu.ts';

let ctx: GpuContext;
let scratch: Scratch;
beforeAll(async () => {
  ctx = await testGpu();
});
afterEach(() => scratch?.dispose());

const TOLERANCE = { atol: 1e-6, rtol: 1e-5 };

async function swigluOnGpu(gate: ArrayLike<number>, up: ArrayLike<number>, dh: ArrayLike<number>): Promise<{ h: Float32Array; dgate: Float32Array; dup: Float32Array }> {
  scratch = new Scratch(ctx);
  const n = gate.length;
  const [gb, ub, dhb] = [scratch.f32(gate), scratch.f32(up), scratch.f32(dh)];
  const [h, dgate, dup] = [scratch.zeros(n), scratch.zeros(n), scratch.zeros(n)];
  await scratch.run([
    await prepareSwiglu(ctx, { gate: gb, up: ub, h, n }),
    await prepareSwigluBackward(ctx, { gate: gb, up: ub, dh: dhb, dgate, dup, n }),
  ]);
  return { h: await scratch.read(h, n), dgate: await scratch.read(dgate, n), dup: await scratch.read(dup, n) };
}

async function embeddingOnGpu(table: ArrayLike<number>, ids: number[], dout: ArrayLike<number>, vocab: number, cols: number, dtableStart?: ArrayLike<number>) {
  scratch = new Scratch(ctx);
  const tokens = ids.length;
  const out = scratch.zeros(tokens * cols);
  const dtable = dtableStart ? scratch.f32(dtableStart) : scratch.zeros(vocab * cols);
  await scratch.run([
    await prepareEmbedding(ctx, { ids: scratch.u32(ids), table: scratch.f32(table), out, tokens, cols, vocab }),
    await prepareEmbeddingBackward(ctx, { plan: scratch.u32(buildScatterPlan(ids)), dout: scratch.f32(dout), dtable, tokens, cols, vocab }),
  ]);
  return { out: await scratch.read(out, tokens * cols), dtable: await scratch.read(dtable, vocab * cols) };
}

describe('swiglu on the GPU', () => {
  it('matches the reference on awkward lengths', async () => {
    const rng = new Rng(41);
    // Multiples of 4 take the vec4 variant.
    for (const n of [1, 3, 4, 255, 256, 257, 4099, 4100]) {
      // Gates down to −100 check that σ underflows to 0 instead of producing NaN.
      const gate = rng.floats(n, -100, 30);
      const up = rng.floats(n);
      const dh = rng.floats(n);
      const gpu = await swigluOnGpu(gate, up, dh);
      const ref = swigluBackwardRef(gate, up, dh);
      assertClose(`h n=${n}`, gpu.h, swigluRef(gate, up), TOLERANCE);
      assertClose(`dgate n=${n}`, gpu.dgate, ref.dgate, TOLERANCE);
      assertClose(`dup n=${n}`, gpu.dup, ref.dup, TOLERANCE);
    }
  });

  it('matches finite differences of the reference', async () => {
    const rng = new Rng(42);
    const gate = Float64Array.from(rng.floats(13, -5, 5));
    const up = Float64Array.from(rng.floats(13));
    const dh = rng.floats(13);
    const gpu = await swigluOnGpu(gate, up, dh);
    const loss = () => weightedSum(swigluRef(gate, up), dh);
    assertGradientClose('dgate', gpu.dgate, numericalGradient(loss, gate), 1e-4);
    assertGradientClose('dup', gpu.dup, numericalGradient(loss, up), 1e-4);
  });
});

describe('embedding on the GPU', () => {
  it('gathers rows and scatter-adds repeated ids', async () => {
    const rng = new Rng(43);
    for (const [vocab, cols, tokens] of [[1, 1, 1], [5, 3, 9], [50, 67, 130], [300, 129, 65]]) {
      const ids = Array.from({ length: tokens }, () => rng.int(0, Math.min(vocab, 7) - 1));
      const table = rng.floats(vocab * cols);
      const dout = rng.floats(tokens * cols);
      const gpu = await embeddingOnGpu(table, ids, dout, vocab, cols);
      assertClose(`gather ${tokens}×${cols}`, gpu.out, embeddingRef(table, ids, cols), { atol: 0, rtol: 0 });
      assertClose(`scatter-add ${tokens}×${cols}`, gpu.dtable, embeddingBackwardRef(ids, dout, vocab, cols), { atol: 1e-6 * Math.sqrt(tokens), rtol: 1e-5 });
    }
  });

  it('adds to the existing gradient', async () => {
    const rng = new Rng(44);
    const [vocab, cols] = [6, 5];
    const ids = [5, 0, 5, 2];
    const start = rng.floats(vocab * cols);
    const dout = rng.floats(ids.length * cols);
    const gpu = await embeddingOnGpu(rng.floats(vocab * cols), ids, dout, vocab, cols, start);
    const expected = embeddingBackwardRef(ids, dout, vocab, cols).map((g, i) => g + start[i]);
    assertClose('accumulated dtable', gpu.dtable, expected, TOLERANCE);
  });

  it('scatter-add is bit-identical across runs', async () => {
    const rng = new Rng(45);
    const [vocab, cols, tokens] = [4, 33, 500];
    const ids = Array.from({ length: tokens }, () => rng.int(0, vocab - 1));
    const dout = rng.floats(tokens * cols, -1e3, 1e3);
    const table = rng.floats(vocab * cols);
    const first = (await embeddingOnGpu(table, ids, dout, vocab, cols)).dtable;
    scratch.dispose();
    const second = (await embeddingOnGpu(table, ids, dout, vocab, cols)).dtable;
    expect(Buffer.from(second.buffer).equals(Buffer.from(first.buffer))).toBe(true);
  });

  it('scatter plan groups token indices by id in ascending order', () => {
    const plan = buildScatterPlan([3, 1, 3, 0, 1]);
    expect(plan[0]).toBe(3);
    expect([...plan.slice(1, 5)]).toEqual([0, 1, 3, 5]);
    expect([...plan.slice(7, 10)]).toEqual([0, 1, 3]);
    expect([...plan.slice(12, 17)]).toEqual([3, 1, 4, 0, 2]);
  });

  it('scatter-add matches finite differences of the reference', async () => {
    const rng = new Rng(46);
    const [vocab, cols] = [4, 3];
    const ids = [2, 2, 0, 3, 2];
    const table = Float64Array.from(rng.floats(vocab * cols));
    const dout = rng.floats(ids.length * cols);
    const gpu = await embeddingOnGpu(table, ids, dout, vocab, cols);
    const loss = () => weightedSum(embeddingRef(table, ids, cols), dout);
    assertGradientClose('dtable', gpu.dtable, numericalGradient(loss, table), 1e-4);
  });
});
