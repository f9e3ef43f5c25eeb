/**
 * Double-precision reference for cross-entropy over the vocabulary with a per-token loss mask.
 * loss = Σ_r mask[r]·(logsumexp(logits[r]) − logits[r, target[r]]) / Σ_r mask[r], or 0 when the mask
 * is all zero. Mask values are weights: 1 counts a token, 0 leaves it out (prompt tokens, padding).
 */

export interface CrossEntropyResult {
  /** Mean loss over the masked-in tokens. */
  loss: number;
  /** Σ mask·loss per row, and Σ mask: the numerator and denominator of `loss`. */
  lossSum: number;
  weightSum: number;
  /** Unmasked loss of each row. */
  rowLoss: Float64Array;
  /** Gradient of gradScale·Σ mask·rowLoss; with the default gradScale, the gradient of `loss`. */
  dlogits: Float64Array;
}

export function crossEntropyRef(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  mask: ArrayLike<number>,
  rows: number,
  vocab: number,
  gradScale?: number,
): CrossEntropyResult {
  let weightSum = 0;
  for (let r = 0; r < rows; r++) weightSum += mask[r];
  const scale = gradScale ?? (weightSum > 0 ? 1 / weightSum : 0);
  const rowLoss = new Float64Array(rows);
  const dlogits = new Float64Array(rows * vocab);
  let lossSum = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * vocab;
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) max = Math.max(max, logits[base + i]);
    let sum = 0;
    for (let i = 0; i < vocab; i++) sum += Math.exp(logits[base + i] - max);
    const lse = max + Math.log(sum);
    rowLoss[r] = lse - logits[base + targets[r]];
    lossSum += mask[r] * rowLoss[r];
    for (let i = 0; i < vocab; i++) {
      const p = Math.exp(logits[base + i] - lse);
      dlogits[base + i] = mask[r] * scale * (p - (i === targets[r] ? 1 : 0));
    }
  }
  return { loss: weightSum > 0 ? lossSum / weightSum : 0, lossSum, weightSum, rowLoss, dlogits };
}
