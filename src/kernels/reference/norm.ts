/**
 * Double-precision references for RMSNorm over rows and its gradients:
 * y[r, i] = x[r, i] · rstd[r] · weight[i], with rstd[r] = 1 / sqrt(mean_j x[r, j]² + eps).
 */

export function rmsNormForwardRef(x: ArrayLike<number>, weight: ArrayLike<number>, rows: number, cols: number, eps: number): { y: Float64Array; rstd: Float64Array } {
  const y = new Float64Array(rows * cols);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sumSquares = 0;
    for (let i = 0; i < cols; i++) sumSquares += x[r * cols + i] ** 2;
    rstd[r] = 1 / Math.sqrt(sumSquares / cols + eps);
    for (let i = 0; i < cols; i++) y[r * cols + i] = x[r * cols + i] * rstd[r] * weight[i];
  }
  return { y, rstd };
}

/**
 * Gradients of RMSNorm given dy:
 * dx[r, i] = rstd·weight[i]·dy[r, i] − x[r, i]·rstd³/cols · Σ_j dy[r, j]·weight[j]·x[r, j],
 * dweight[i] = Σ_r dy[r, i]·x[r, i]·rstd[r] (a reduction over rows).
 */
export function rmsNormBackwardRef(
  x: ArrayLike<number>,
  weight: ArrayLike<number>,
  dy: ArrayLike<number>,
  rows: number,
  cols: number,
  eps: number,
): { dx: Float64Array; dweight: Float64Array } {
  const { rstd } = rmsNormForwardRef(x, weight, rows, cols, eps);
  const dx = new Float64Array(rows * cols);
  const dweight = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const s = rstd[r];
    let dot = 0;
    for (let i = 0; i < cols; i++) dot += dy[r * cols + i] * weight[i] * x[r * cols + i];
    const coefficient = (s * s * s * dot) / cols;
    for (let i = 0; i < cols; i++) {
      const index = r * cols + i;
      dx[index] = s * weight[i] * dy[index] - x[index] * coefficient;
      dweight[i] += dy[index] * x[index] * s;
    }
  }
  return { dx, dweight };
}
