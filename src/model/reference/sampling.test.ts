import { describe, expect, it } from 'vitest';
import { argmax, checkSamplingOptions, largestLogits, Sampler } from './sampling.ts';

const LOGITS = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);

function frequencies(sampler: Sampler, logits: Float32Array, draws: number): number[] {
  const counts = new Array(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampler.sample(logits)]++;
  return counts.map((c) => c / draws);
}

describe('Sampler', () => {
  it('picks the first maximum greedily', () => {
    expect(argmax([0.1, 0.7, 0.7, -2])).toBe(1);
    expect(new Sampler({ temperature: 0, topK: 0, topP: 1, seed: 5 }).sample(Float32Array.from([3, 9, 1]))).toBe(1);
  });

  it('reproduces draws from a seed', () => {
    const draw = (seed: number) => Array.from({ length: 60 }, ((s) => () => s.sample(LOGITS))(new Sampler({ temperature: 1, topK: 0, topP: 1, seed })));
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('samples from the softmax', () => {
    const observed = frequencies(new Sampler({ temperature: 1, topK: 0, topP: 1, seed: 1 }), LOGITS, 20_000);
    [0.5, 0.3, 0.2].forEach((p, i) => expect(Math.abs(observed[i] - p), `token ${i}`).toBeLessThan(0.015));
  });

  it('sharpens with a low temperature', () => {
    // At temperature 0.5 probabilities become p² / Σp².
    const observed = frequencies(new Sampler({ temperature: 0.5, topK: 0, topP: 1, seed: 2 }), LOGITS, 20_000);
    [0.25, 0.09, 0.04].map((p) => p / 0.38).forEach((p, i) => expect(Math.abs(observed[i] - p), `token ${i}`).toBeLessThan(0.015));
  });

  it('keeps the top k tokens', () => {
    const observed = frequencies(new Sampler({ temperature: 1, topK: 2, topP: 1, seed: 3 }), LOGITS, 20_000);
    expect(observed[2]).toBe(0);
    expect(Math.abs(observed[0] - 0.625)).toBeLessThan(0.015);
    expect(new Sampler({ temperature: 5, topK: 1, topP: 1, seed: 3 }).sample(LOGITS)).toBe(0);
  });

  it('keeps the top-p nucleus', () => {
    // 0.5 < 0.6 ≤ 0.5 + 0.3, so the nucleus is tokens 0 and 1.
    const observed = frequencies(new Sampler({ temperature: 1, topK: 0, topP: 0.6, seed: 4 }), LOGITS, 20_000);
    expect(observed[2]).toBe(0);
    expect(Math.abs(observed[1] - 0.375)).toBeLessThan(0.015);
    expect(new Sampler({ temperature: 1, topK: 0, topP: 1e-9, seed: 4 }).sample(LOGITS)).toBe(0);
  });

  it('widens the nucleus past the first candidates', () => {
    // 1,000 equal logits: the nucleus for top-p 0.5 is 500 tokens, more than the first 256 sorted,
    // and equal probabilities keep the lower ids.
    const flat = new Float32Array(1000);
    const observed = frequencies(new Sampler({ temperature: 1, topK: 0, topP: 0.5, seed: 5 }), flat, 20_000);
    expect(observed.slice(500).every((f) => f === 0)).toBe(true);
    expect(observed.slice(0, 500).filter((f) => f > 0).length).toBeGreaterThan(480);
  });

  it('lists the largest logits in order', () => {
    const logits = Float32Array.from([0.5, 2, -1, 2, 0.5, 3, 0.5]);
    expect(largestLogits(logits, 1)).toEqual([5]);
    expect(largestLogits(logits, 3)).toEqual([5, 1, 3]);
    expect(largestLogits(logits, 5)).toEqual([5, 1, 3, 0, 4]);
    expect(largestLogits(logits, 7)).toEqual([5, 1, 3, 0, 4, 6, 2]);
  });

  it('rejects invalid settings', () => {
    expect(() => checkSamplingOptions({ temperature: -1, topK: 0, topP: 1, seed: 0 })).toThrow(/temperature must be a number ≥ 0/);
    expect(() => checkSamplingOptions({ temperature: 1, topK: 1.5, topP: 1, seed: 0 })).toThrow(/top-k must be an integer ≥ 0/);
    expect(() => checkSamplingOptions({ temperature: 1, topK: 0, topP: 0, seed: 0 })).toThrow(/top-p must be in \(0, 1\]/);
    expect(() => checkSamplingOptions({ temperature: 1, topK: 0, topP: 1, seed: 0.5 })).toThrow(/seed must be an integer/);
  });
});
