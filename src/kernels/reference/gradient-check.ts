/**
 * Finite-difference gradient checks for the double-precision references and for GPU backward kernels.
 *
 * The error measure is normwise: relative = max_i |analytic_i − numeric_i| / max(max_i |numeric_i|, 1e-12).
 * Central differences with step h have truncation error O(h²) and rounding error O(1e-16/h) in f64.
 */

/** Central-difference gradient of f at x, perturbing each element of x in place and restoring it. */
export function numericalGradient(f: () => number, x: Float64Array, h = 1e-5): Float64Array {
  const gradient = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const plus = f();
    x[i] = saved - h;
    const minus = f();
    x[i] = saved;
    gradient[i] = (plus - minus) / (2 * h);
  }
  return gradient;
}

export interface GradientError {
  relative: number;
  maxAbsError: number;
  /** Index of the largest error, with both values there. */
  index: number;
  analytic: number;
  numeric: number;
}

export function gradientError(analytic: ArrayLike<number>, numeric: ArrayLike<number>): GradientError {
  if (analytic.length !== numeric.length) throw new RangeError(`gradient lengths differ: analytic ${analytic.length}, numeric ${numeric.length}`);
  let maxAbsError = 0;
  let maxNumeric = 0;
  let index = 0;
  for (let i = 0; i < numeric.length; i++) {
    const error = Math.abs(analytic[i] - numeric[i]);
    if (!(error <= maxAbsError)) {
      maxAbsError = Number.isNaN(error) ? Infinity : error;
      index = i;
    }
    maxNumeric = Math.max(maxNumeric, Math.abs(numeric[i]));
  }
  return { relative: maxAbsError / Math.max(maxNumeric, 1e-12), maxAbsError, index, analytic: analytic[index], numeric: numeric[index] };
}

/** Throws an Error naming the tensor, the worst index and both values when the relative error exceeds maxRelative. */
export function assertGradientClose(tensor: string, analytic: ArrayLike<number>, numeric: ArrayLike<number>, maxRelative: number): GradientError {
  const error = gradientError(analytic, numeric);
  if (!(error.relative <= maxRelative)) {
    throw new Error(
      `${tensor}: gradient relative error ${error.relative.toExponential(3)} exceeds ${maxRelative} ` +
        `(worst at index ${error.index}: analytic ${error.analytic}, finite difference ${error.numeric}, ` +
        `max abs error ${error.maxAbsError.toExponential(3)})`,
    );
  }
  return error;
}

/** Σ_i weights[i]·y[i]: turns a tensor output into a scalar whose gradient with respect to y is `weights`. */
export function weightedSum(y: ArrayLike<number>, weights: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += y[i] * weights[i];
  return sum;
}
