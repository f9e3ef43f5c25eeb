/** Element-wise comparison of a GPU result with its reference: |gpu − ref| ≤ atol + rtol·|ref|. */

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface Comparison {
  ok: boolean;
  count: number;
  mismatches: number;
  maxAbsError: number;
  /** First index that broke the tolerance, or the index of the largest error when none did. */
  index: number;
  gpu: number;
  ref: number;
}

export function compareArrays(gpu: ArrayLike<number>, ref: ArrayLike<number>, tolerance: Tolerance): Comparison {
  if (gpu.length !== ref.length) {
    return { ok: false, count: ref.length, mismatches: Math.abs(gpu.length - ref.length), maxAbsError: Infinity, index: -1, gpu: gpu.length, ref: ref.length };
  }
  let mismatches = 0;
  let maxAbsError = 0;
  let worst = 0;
  let firstBad = -1;
  for (let i = 0; i < ref.length; i++) {
    const error = Math.abs(gpu[i] - ref[i]);
    const sameNonFinite = !Number.isFinite(ref[i]) && Object.is(gpu[i], ref[i]);
    const bad = !sameNonFinite && !(error <= tolerance.atol + tolerance.rtol * Math.abs(ref[i]));
    if (!sameNonFinite && !(error <= maxAbsError)) {
      maxAbsError = Number.isNaN(error) ? Infinity : error;
      worst = i;
    }
    if (bad) {
      mismatches++;
      if (firstBad < 0) firstBad = i;
    }
  }
  const index = firstBad >= 0 ? firstBad : worst;
  return { ok: mismatches === 0, count: ref.length, mismatches, maxAbsError, index, gpu: gpu[index], ref: ref[index] };
}

export function describeComparison(tensor: string, result: Comparison, tolerance: Tolerance): string {
  if (result.index < 0) return `${tensor}: length ${result.gpu} from the GPU, ${result.ref} expected`;
  const head = result.ok ? `${tensor}: all ${result.count} values within tolerance` : `${tensor}: ${result.mismatches} of ${result.count} values out of tolerance`;
  return (
    `${head} (atol ${tolerance.atol}, rtol ${tolerance.rtol}); ` +
    `${result.ok ? 'largest error' : 'first'} at index ${result.index}: gpu ${result.gpu}, ref ${result.ref}; ` +
    `max abs error ${result.maxAbsError.toExponential(3)}`
  );
}

/** Throws an Error naming the tensor, index, both values and the max error when the tolerance is broken. */
export function assertClose(tensor: string, gpu: ArrayLike<number>, ref: ArrayLike<number>, tolerance: Tolerance): Comparison {
  const result = compareArrays(gpu, ref, tolerance);
  if (!result.ok) throw new Error(describeComparison(tensor, result, tolerance));
  return result;
}
