/**
 * Double-precision references for a linear layer without bias, y = x·Wᵀ, and its gradients.
 * W is stored in ggml's layout: outFeatures rows of inFeatures values, each output row contiguous.
 */

/** y = x·Wᵀ, with x of shape rows×inFeatures and y of shape rows×outFeatures. */
export function linearRef(x: ArrayLike<number>, w: ArrayLike<number>, rows: number, inFeatures: number, outFeatures: number): Float64Array {
  const y = new Float64Array(rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      let sum = 0;
      for (let i = 0; i < inFeatures; i++) sum += x[r * inFeatures + i] * w[o * inFeatures + i];
      y[r * outFeatures + o] = sum;
    }
  }
  return y;
}

/** Gradients of y = x·Wᵀ given dy: dx = dy·W (rows×inFeatures) and dW = dyᵀ·x (outFeatures×inFeatures). */
export function linearBackwardRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
  rows: number,
  inFeatures: number,
  outFeatures: number,
): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(rows * inFeatures);
  const dw = new Float64Array(outFeatures * inFeatures);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      const g = dy[r * outFeatures + o];
      if (g === 0) continue;
      for (let i = 0; i < inFeatures; i++) {
        dx[r * inFeatures + i] += g * w[o * inFeatures + i];
        dw[o * inFeatures + i] += g * x[r * inFeatures + i];
      }
    }
  }
  return { dx, dw };
}
