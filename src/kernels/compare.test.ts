import { describe, expect, it } from 'vitest';
import { assertClose, compareArrays } from './compare.ts';

describe('compareArrays', () => {
  const tolerance = { atol: 1e-3, rtol: 1e-2 };

  it('accepts values within atol + rtol·|ref|', () => {
    expect(compareArrays([1.0105, 0.0009], [1, 0], tolerance).ok).toBe(true);
  });

  it('reports the first bad index with both values', () => {
    const result = compareArrays([1, 2.5, 3], [1, 2, 3], tolerance);
    expect(result.ok).toBe(false);
    expect(result.index).toBe(1);
    expect(result.gpu).toBe(2.5);
    expect(result.ref).toBe(2);
  });

  it('treats NaN as a mismatch and matching infinities as equal', () => {
    expect(compareArrays([NaN], [0], tolerance).ok).toBe(false);
    expect(compareArrays([Infinity], [Infinity], tolerance).ok).toBe(true);
  });

  it('throws a message naming tensor, index, values and max error', () => {
    expect(() => assertClose('logits', [0, 7], [0, 1], tolerance)).toThrow(/logits: 1 of 2 .*index 1: gpu 7, ref 1; max abs error 6\.000e\+0/);
  });
});
