/** Double-precision references for the global gradient norm, its clip factor and one AdamW step. */

/** sqrt of the sum of squares over every gradient tensor. */
export function globalNormRef(tensors: ArrayLike<number>[]): number {
  let sum = 0;
  for (const tensor of tensors) {
    for (let i = 0; i < tensor.length; i++) sum += tensor[i] * tensor[i];
  }
  return Math.sqrt(sum);
}

/** Factor that scales gradients to a global norm of at most maxNorm; 1 when maxNorm ≤ 0 (no clipping). */
export function clipFactorRef(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}

export interface AdamWHyperparameters {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based index of this update, for bias correction. */
  step: number;
}

/**
 * Applies one AdamW update in place (decoupled weight decay, as in PyTorch's AdamW):
 * g = clip·grad; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * param −= lr·(weightDecay·param + (m / (1−β1^step)) / (sqrt(v / (1−β2^step)) + eps)).
 */
export function adamwRef(
  param: Float64Array,
  grad: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  hyper: AdamWHyperparameters,
  clip = 1,
): void {
  const { learningRate, beta1, beta2, eps, weightDecay, step } = hyper;
  const correction1 = 1 - beta1 ** step;
  const correction2 = 1 - beta2 ** step;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] * clip;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const update = m[i] / correction1 / (Math.sqrt(v[i] / correction2) + eps);
    param[i] -= learningRate * (weightDecay * param[i] + update);
  }
}
