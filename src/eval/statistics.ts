/**
 * Interval and pass@k statistics. This module imports nothing, so modules that only need these
 * formulas (the scaling charts, `mwb fit`) do not load the answer grader and its LaTeX engine.
 */

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for a binomial proportion. With no trials the interval is the whole [0, 1].
 * Raises RangeError for counts that are not integers with 0 ≤ correct ≤ total.
 */
export function wilsonInterval(correct: number, total: number, z = Z_95): { low: number; high: number } {
  if (!Number.isInteger(correct) || !Number.isInteger(total) || correct < 0 || total < 0 || correct > total) {
    throw new RangeError(`wilsonInterval needs integers 0 ≤ correct ≤ total, got correct=${correct}, total=${total}`);
  }
  if (total === 0) return { low: 0, high: 1 };
  const p = correct / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const center = (p + z2 / (2 * total)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denominator;
  // At 0 and at total the bound is exactly 0 or 1; the formula leaves rounding error there.
  return { low: correct === 0 ? 0 : Math.max(0, center - half), high: correct === total ? 1 : Math.min(1, center + half) };
}

/**
 * Unbiased pass@k from n samples of which c are correct: 1 − C(n−c, k) / C(n, k), computed as a
 * product so that large n does not overflow. Raises RangeError unless 0 ≤ c ≤ n and 1 ≤ k ≤ n.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (![n, c, k].every(Number.isInteger) || c < 0 || c > n || k < 1 || k > n) {
    throw new RangeError(`passAtK needs integers 0 ≤ c ≤ n and 1 ≤ k ≤ n, got n=${n}, c=${c}, k=${k}`);
  }
  if (n - c < k) return 1;
  let missAll = 1;
  for (let i = n - c + 1; i <= n; i++) missAll *= 1 - k / i;
  return 1 - missAll;
}
