/** The 95% interval used for every accuracy the scaling explorer plots. */

// TODO: replace with wilsonInterval from src/eval/scoring.ts once that module is committed, so the
// workbench computes intervals in one place.
/** Wilson score interval for `correct` successes out of `total` trials; z = 1.96 gives 95%. */
export function wilsonInterval(correct: number, total: number, z = 1.959963984540054): { low: number; high: number } {
  if (!(total > 0)) return { low: 0, high: 1 };
  const p = correct / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const center = (p + z2 / (2 * total)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denominator;
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}
