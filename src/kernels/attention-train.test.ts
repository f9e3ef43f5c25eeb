/**
 * Training attention on the GPU (causal, grouped-query heads, segment ids) against the double-precision
 * reference, |gpu − ref| ≤ 1e-5 + 1e-4·|ref|, and its gradients against finite differences of the
 * reference forward (normwise relative error ≤ 1e-4).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_TUNINGS, testGpu, useTuning } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import { attentionBlockRows, attentionSegmentTable, attentionTile, prepareAttentionBackward, prepareAttentionForward } from './attention-train.ts';
import { assertClose } from './compare.ts';
import { attentionBackwardRef, attentionForwardRef, type AttentionShape } from './reference/attention.ts';
import { assertGradientClose, numericalGradient, weightedSum } from './reference/gradient-check.ts';
import { Scratch } from './scratch.ts';

let ctx: GpuContext;
let scratch: Scratch;
beforeAll(async () => {
  ctx = await testGpu();
});
afterEach(() => scratch?.dispose());

const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

interface AttentionInputs {
  q: ArrayLike<number>;
  k: ArrayLike<number>;
  v: ArrayLike<number>;
  segments: number[];
  dout: ArrayLike<number>;
}

async function attentionOnGpu(shape: AttentionShape, inputs: AttentionInputs) {
  scratch = new Scratch(ctx);
  const tokens = shape.batch * shape.seqLen;
  const qCount = tokens * shape.heads * shape.headDim;
  const kvCount = tokens * shape.kvHeads * shape.headDim;
  const buffers = {
    q: scratch.f32(inputs.q),
    k: scratch.f32(inputs.k),
    v: scratch.f32(inputs.v),
    segments: scratch.u32(attentionSegmentTable(inputs.segments, shape.batch, shape.seqLen, attentionBlockRows(ctx.tuning))),
    out: scratch.zeros(qCount),
    rowStats: scratch.zeros(tokens * shape.heads * 2),
  };
  const gradients = { dout: scratch.f32(inputs.dout), dq: scratch.zeros(qCount), dk: scratch.zeros(kvCount), dv: scratch.zeros(kvCount) };
  await scratch.run([await prepareAttentionForward(ctx, shape, buffers), ...(await prepareAttentionBackward(ctx, shape, buffers, gradients))]);
  const stats = await scratch.read(buffers.rowStats, tokens * shape.heads * 2);
  return {
    out: await scratch.read(buffers.out, qCount),
    lse: stats.filter((_, i) => i % 2 === 0),
    dq: await scratch.read(gradients.dq, qCount),
    dk: await scratch.read(gradients.dk, kvCount),
    dv: await scratch.read(gradients.dv, kvCount),
  };
}

/** Segment ids of packed examples: each sequence is cut into examples of random length. */
function packedSegments(rng: Rng, batch: number, seqLen: number, maxExample: number): number[] {
  const segments: number[] = [];
  let id = 0;
  for (let b = 0; b < batch; b++) {
    let left = 0;
    for (let t = 0; t < seqLen; t++) {
      if (left === 0) {
        id++;
        left = rng.int(1, maxExample);
      }
      segments.push(id);
      left--;
    }
  }
  return segments;
}

function randomInputs(rng: Rng, shape: AttentionShape, segments: number[], spread = 1): AttentionInputs {
  const tokens = shape.batch * shape.seqLen;
  return {
    q: rng.floats(tokens * shape.heads * shape.headDim, -spread, spread),
    k: rng.floats(tokens * shape.kvHeads * shape.headDim, -spread, spread),
    v: rng.floats(tokens * shape.kvHeads * shape.headDim),
    segments,
    dout: rng.floats(tokens * shape.heads * shape.headDim),
  };
}

async function expectMatchesReference(shape: AttentionShape, inputs: AttentionInputs): Promise<void> {
  const gpu = await attentionOnGpu(shape, inputs);
  const forward = attentionForwardRef(inputs.q, inputs.k, inputs.v, inputs.segments, shape);
  const backward = attentionBackwardRef(inputs.q, inputs.k, inputs.v, inputs.segments, shape, inputs.dout);
  const label = `${shape.batch}×${shape.seqLen} heads ${shape.heads}/${shape.kvHeads} dim ${shape.headDim}`;
  assertClose(`out ${label}`, gpu.out, forward.out, TOLERANCE);
  assertClose(`lse ${label}`, gpu.lse, forward.lse, TOLERANCE);
  assertClose(`dq ${label}`, gpu.dq, backward.dq, TOLERANCE);
  assertClose(`dk ${label}`, gpu.dk, backward.dk, TOLERANCE);
  assertClose(`dv ${label}`, gpu.dv, backward.dv, TOLERANCE);
}

describe.each(KERNEL_TUNINGS)('training attention on the GPU, %s kernels', (tuning) => {
  useTuning(() => ctx, tuning);

  it('matches the reference on awkward shapes with GQA', async () => {
    const rng = new Rng(71);
    const shapes: AttentionShape[] = [
      { batch: 1, seqLen: 1, heads: 1, kvHeads: 1, headDim: 1 },
      { batch: 2, seqLen: 7, heads: 4, kvHeads: 2, headDim: 6 },
      { batch: 1, seqLen: 37, heads: 3, kvHeads: 1, headDim: 17 },
      // More rows than one workgroup (64) and several key tiles.
      { batch: 2, seqLen: 131, heads: 2, kvHeads: 2, headDim: 8 },
    ];
    for (const shape of shapes) {
      const segments = Array.from({ length: shape.batch * shape.seqLen }, (_, i) => Math.floor(i / shape.seqLen));
      await expectMatchesReference(shape, randomInputs(rng, shape, segments));
    }
  });

  it('keeps packed examples apart', async () => {
    const rng = new Rng(72);
    const shape: AttentionShape = { batch: 2, seqLen: 90, heads: 4, kvHeads: 1, headDim: 12 };
    await expectMatchesReference(shape, randomInputs(rng, shape, packedSegments(rng, 2, 90, 30)));
  });

  it('handles segment ids that recur', async () => {
    const rng = new Rng(75);
    // Id 5 covers positions 0–9 and 120–149 of a 150-token sequence: the third block still sees keys of the first.
    const shape: AttentionShape = { batch: 1, seqLen: 150, heads: 2, kvHeads: 1, headDim: 8 };
    const segments = Array.from({ length: 150 }, (_, t) => (t < 10 || t >= 120 ? 5 : 6));
    await expectMatchesReference(shape, randomInputs(rng, shape, segments));
  });

  it('segment table bounds each block', () => {
    // Two sequences of 70 tokens: blocks of 64 rows, so two blocks per sequence.
    const segments = [...Array.from({ length: 70 }, (_, t) => (t < 66 ? 1 : 2)), ...Array.from({ length: 70 }, (_, t) => (t < 3 ? 3 : 4))];
    const table = attentionSegmentTable(segments, 2, 70, 64);
    expect(table.length).toBe(140 + 8);
    expect([...table.slice(0, 3)]).toEqual([1, 1, 1]);
    expect([...table.slice(140)]).toEqual([0, 66, 0, 70, 0, 70, 3, 70]);
  });

  it('stays accurate with large scores', async () => {
    const rng = new Rng(73);
    const shape: AttentionShape = { batch: 1, seqLen: 20, heads: 2, kvHeads: 1, headDim: 16 };
    // Scores up to about ±100 would overflow exp without the running maximum.
    await expectMatchesReference(shape, randomInputs(rng, shape, packedSegments(rng, 1, 20, 8), 5));
  });

  it('uses the head dimension to size its tiles', () => {
    expect(attentionTile(64, 16384)).toBe(16);
    expect(attentionTile(128, 16384)).toBe(8);
    expect(attentionTile(16, 32768)).toBe(64);
    expect(attentionTile(256, 16384)).toBe(4);
  });

  it('gradients match finite differences of the reference', async () => {
    const rng = new Rng(74);
    const shape: AttentionShape = { batch: 2, seqLen: 5, heads: 4, kvHeads: 2, headDim: 3 };
    const segments = [1, 1, 2, 2, 2, 3, 3, 3, 4, 4];
    const inputs = randomInputs(rng, shape, segments);
    const q = Float64Array.from(inputs.q);
    const k = Float64Array.from(inputs.k);
    const v = Float64Array.from(inputs.v);
    const gpu = await attentionOnGpu(shape, { ...inputs, q, k, v });
    const loss = () => weightedSum(attentionForwardRef(q, k, v, segments, shape).out, inputs.dout);
    assertGradientClose('dq', gpu.dq, numericalGradient(loss, q), 1e-4);
    assertGradientClose('dk', gpu.dk, numericalGradient(loss, k), 1e-4);
    assertGradientClose('dv', gpu.dv, numericalGradient(loss, v), 1e-4);
  });
});
