/**
 * Backward references against finite differences of the forward references, in double precision.
 * Criterion: normwise relative error (see gradient-check.ts) ≤ 1e-7 with central differences, h = 1e-5.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/random.ts';
import { attentionBackwardRef, attentionForwardRef, type AttentionShape } from './attention.ts';
import { crossEntropyRef } from './cross-entropy.ts';
import { embeddingBackwardRef, embeddingRef } from './embedding.ts';
import { assertGradientClose, numericalGradient, weightedSum } from './gradient-check.ts';
import { linearBackwardRef, linearRef } from './linear.ts';
import { rmsNormBackwardRef, rmsNormForwardRef } from './norm.ts';
import { ropeRef, type RopeShape } from './rope.ts';
import { swigluBackwardRef, swigluRef } from './swiglu.ts';

const MAX_RELATIVE = 1e-7;

function randoms(rng: Rng, count: number, min = -1, max = 1): Float64Array {
  return Float64Array.from(rng.floats(count, min, max));
}

describe('reference gradients vs finite differences', () => {
  it('linear layer', () => {
    const rng = new Rng(1);
    const [rows, inF, outF] = [3, 5, 4];
    const x = randoms(rng, rows * inF);
    const w = randoms(rng, outF * inF);
    const dy = randoms(rng, rows * outF);
    const loss = () => weightedSum(linearRef(x, w, rows, inF, outF), dy);
    const { dx, dw } = linearBackwardRef(x, w, dy, rows, inF, outF);
    assertGradientClose('dx', dx, numericalGradient(loss, x), MAX_RELATIVE);
    assertGradientClose('dW', dw, numericalGradient(loss, w), MAX_RELATIVE);
  });

  it('rmsnorm', () => {
    const rng = new Rng(2);
    const [rows, cols, eps] = [3, 7, 1e-5];
    const x = randoms(rng, rows * cols, -2, 2);
    const weight = randoms(rng, cols, 0.5, 1.5);
    const dy = randoms(rng, rows * cols);
    const loss = () => weightedSum(rmsNormForwardRef(x, weight, rows, cols, eps).y, dy);
    const { dx, dweight } = rmsNormBackwardRef(x, weight, dy, rows, cols, eps);
    assertGradientClose('dx', dx, numericalGradient(loss, x), MAX_RELATIVE);
    assertGradientClose('dweight', dweight, numericalGradient(loss, weight), MAX_RELATIVE);
  });

  for (const style of ['normal', 'neox'] as const) {
    it(`rope ${style}, partial rotation`, () => {
      const rng = new Rng(3);
      const shape: RopeShape = { tokens: 4, heads: 2, headDim: 8, rotaryDims: 6, base: 10000, style };
      const positions = [0, 1, 5, 2];
      const x = randoms(rng, 4 * 2 * 8);
      const dy = randoms(rng, x.length);
      const loss = () => weightedSum(ropeRef(x, positions, shape), dy);
      assertGradientClose('dx', ropeRef(dy, positions, shape, true), numericalGradient(loss, x), MAX_RELATIVE);
    });
  }

  it('rope inverse undoes the rotation', () => {
    const rng = new Rng(4);
    const shape: RopeShape = { tokens: 3, heads: 1, headDim: 6, base: 500, style: 'normal' };
    const x = randoms(rng, 18);
    const back = ropeRef(ropeRef(x, [7, 0, 300], shape), [7, 0, 300], shape, true);
    for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i], 12);
  });

  it('attention with GQA and segments', () => {
    const rng = new Rng(5);
    const shape: AttentionShape = { batch: 2, seqLen: 5, heads: 4, kvHeads: 2, headDim: 3 };
    const segments = [0, 0, 1, 1, 1, 7, 7, 7, 7, 8];
    const q = randoms(rng, 10 * 4 * 3);
    const k = randoms(rng, 10 * 2 * 3);
    const v = randoms(rng, 10 * 2 * 3);
    const dout = randoms(rng, q.length);
    const loss = () => weightedSum(attentionForwardRef(q, k, v, segments, shape).out, dout);
    const { dq, dk, dv } = attentionBackwardRef(q, k, v, segments, shape, dout);
    assertGradientClose('dq', dq, numericalGradient(loss, q), MAX_RELATIVE);
    assertGradientClose('dk', dk, numericalGradient(loss, k), MAX_RELATIVE);
    assertGradientClose('dv', dv, numericalGradient(loss, v), MAX_RELATIVE);
  });

  it('attention never crosses segments or looks ahead', () => {
    const rng = new Rng(6);
    const shape: AttentionShape = { batch: 1, seqLen: 4, heads: 1, kvHeads: 1, headDim: 2 };
    const q = randoms(rng, 8);
    const k = randoms(rng, 8);
    const v = randoms(rng, 8);
    const { out } = attentionForwardRef(q, k, v, [3, 3, 4, 4], shape);
    // Token 2 starts a new segment, so it attends only to itself and returns its own value row.
    expect(out[4]).toBeCloseTo(v[4], 14);
    expect(out[5]).toBeCloseTo(v[5], 14);
    // Token 0 attends only to itself.
    expect(out[0]).toBeCloseTo(v[0], 14);
  });

  it('swiglu', () => {
    const rng = new Rng(7);
    const gate = randoms(rng, 11, -6, 6);
    const up = randoms(rng, 11);
    const dh = randoms(rng, 11);
    const loss = () => weightedSum(swigluRef(gate, up), dh);
    const { dgate, dup } = swigluBackwardRef(gate, up, dh);
    assertGradientClose('dgate', dgate, numericalGradient(loss, gate), MAX_RELATIVE);
    assertGradientClose('dup', dup, numericalGradient(loss, up), MAX_RELATIVE);
  });

  it('embedding with repeated ids', () => {
    const rng = new Rng(8);
    const [vocab, cols] = [5, 3];
    const ids = [4, 1, 4, 4, 0];
    const table = randoms(rng, vocab * cols);
    const dout = randoms(rng, ids.length * cols);
    const loss = () => weightedSum(embeddingRef(table, ids, cols), dout);
    assertGradientClose('dtable', embeddingBackwardRef(ids, dout, vocab, cols), numericalGradient(loss, table), MAX_RELATIVE);
  });

  it('cross-entropy with a loss mask', () => {
    const rng = new Rng(9);
    const [rows, vocab] = [4, 6];
    const logits = randoms(rng, rows * vocab, -3, 3);
    const targets = [2, 0, 5, 5];
    const mask = [1, 0, 1, 1];
    const loss = () => crossEntropyRef(logits, targets, mask, rows, vocab).loss;
    const result = crossEntropyRef(logits, targets, mask, rows, vocab);
    assertGradientClose('dlogits', result.dlogits, numericalGradient(loss, logits), MAX_RELATIVE);
    expect(result.weightSum).toBe(3);
    // The masked row contributes no gradient.
    for (let i = vocab; i < 2 * vocab; i++) expect(Math.abs(result.dlogits[i])).toBe(0);
  });

  it('cross-entropy stays finite for huge logits', () => {
    const result = crossEntropyRef([1000, -1000, 999], [2], [1], 1, 3);
    expect(result.loss).toBeCloseTo(1 + Math.log1p(Math.exp(-1)), 10);
    expect(Number.isFinite(result.dlogits[0])).toBe(true);
  });
});
