/**
 * Curve fits of accuracy against training-data size N:
 *
 * - log-linear: acc = a + b·ln N, by (weighted) linear least squares;
 * - saturating power law: acc = A − B·N^(−α), by nonlinear least squares. For a fixed α the model is
 *   linear in A and B, so the fit profiles α (a log-spaced grid, then golden-section search on ln α)
 *   and solves A and B in closed form at each α. The profiled minimum is the joint least-squares
 *   optimum, so no starting guess is needed.
 *
 * Optional weights are 1/σ² with σ = (high − low) / (2·1.96), from each point's 95% interval.
 * Standard errors scale the covariance (JᵀWJ)⁻¹ by the residual variance SSE/(n − p), so they are
 * valid for relative weights too. Accuracies are fractions; parameters are in the same units.
 */

import { formatNumber } from './format.ts';
import type { ScalingSeries } from './series.ts';

export type FitModel = 'log-linear' | 'power-law';
export const FIT_MODELS: readonly FitModel[] = ['log-linear', 'power-law'];

export interface FitPoint {
  size: number;
  accuracy: number;
  low?: number;
  high?: number;
}

export interface FitOptions {
  /** Weight points by their interval widths; needs an interval on every point, else the fit is unweighted with a warning. */
  weighted?: boolean;
}

interface FitSummary {
  model: FitModel;
  /** Points used and distinct sizes among them. */
  points: number;
  sizes: number;
  /** Whether interval weights were applied. */
  weighted: boolean;
  /** Caveats a reader of the parameters must know (exact fits, parameters at a search bound, …). */
  warnings: string[];
}

export interface LogLinearFit extends FitSummary {
  model: 'log-linear';
  ok: true;
  a: number;
  b: number;
  aStdErr: number | null;
  bStdErr: number | null;
  /** Coefficient of determination (weighted when weights apply); null when accuracy is flat. */
  r2: number | null;
  /** Root-mean-square residual, unweighted, in accuracy units. */
  rmse: number;
}

export interface PowerLawFit extends FitSummary {
  model: 'power-law';
  ok: true;
  A: number;
  B: number;
  alpha: number;
  AStdErr: number | null;
  BStdErr: number | null;
  alphaStdErr: number | null;
  r2: number | null;
  rmse: number;
  /** Set when the best α is at the edge of the searched range, so A and B are not determined by the data. */
  alphaAtBound: 'lower' | 'upper' | null;
}

export interface FitFailure extends FitSummary {
  ok: false;
  reason: string;
}

export type FitResult = LogLinearFit | PowerLawFit | FitFailure;

/** Range of α searched by the power-law fit. */
export const ALPHA_MIN = 1e-3;
export const ALPHA_MAX = 5;
const ALPHA_GRID = 241;
const Z95 = 1.959963984540054;

interface Prepared {
  x: number[]; // ln N
  y: number[];
  w: number[];
  sizes: number;
  weighted: boolean;
  warnings: string[];
}

type PrepareResult = { ok: true; data: Prepared } | { ok: false; reason: string; weighted: boolean };

function prepare(points: readonly FitPoint[], options: FitOptions): PrepareResult {
  for (const [i, p] of points.entries()) {
    if (!(Number.isFinite(p.size) && p.size > 0)) return { ok: false, reason: `point ${i + 1}: size must be a positive number, got ${p.size}`, weighted: false };
    if (!Number.isFinite(p.accuracy)) return { ok: false, reason: `point ${i + 1} (N=${p.size}): accuracy must be a finite number, got ${p.accuracy}`, weighted: false };
  }
  const warnings: string[] = [];
  let weighted = false;
  let w = points.map(() => 1);
  if (options.weighted) {
    const unusable = points.find((p) => !(Number.isFinite(p.low) && Number.isFinite(p.high) && (p.high as number) > (p.low as number)));
    if (unusable) {
      const problem = unusable.low === undefined || unusable.high === undefined ? 'has no interval' : 'has a zero-width interval';
      warnings.push(`Unweighted: interval weights need an interval on every point, and the point at N=${unusable.size} ${problem}.`);
    } else {
      weighted = true;
      w = points.map((p) => {
        const sigma = ((p.high as number) - (p.low as number)) / (2 * Z95);
        return 1 / (sigma * sigma);
      });
      // Normalize so the weights average 1; this changes no estimate but keeps sums well scaled.
      const mean = w.reduce((s, v) => s + v, 0) / w.length;
      w = w.map((v) => v / mean);
    }
  }
  return {
    ok: true,
    data: {
      x: points.map((p) => Math.log(p.size)),
      y: points.map((p) => p.accuracy),
      w,
      sizes: new Set(points.map((p) => p.size)).size,
      weighted,
      warnings,
    },
  };
}

function weightedMean(values: number[], w: number[]): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    sum += w[i] * values[i];
    total += w[i];
  }
  return sum / total;
}

function totalSumOfSquares(y: number[], w: number[]): number {
  const mean = weightedMean(y, w);
  return y.reduce((s, v, i) => s + w[i] * (v - mean) ** 2, 0);
}

function isFlat(y: number[], w: number[]): boolean {
  const scale = Math.max(1e-12, ...y.map(Math.abs));
  return totalSumOfSquares(y, w) <= 1e-24 * scale * scale * w.length;
}

function failure(model: FitModel, points: number, sizes: number, weighted: boolean, reason: string, warnings: string[] = []): FitFailure {
  return { model, ok: false, reason, points, sizes, weighted, warnings };
}

function exactFitWarning(n: number, parameters: number): string | null {
  return n === parameters ? `Only ${n} points for ${parameters} parameters: no residual degrees of freedom are left, so there are no standard errors and R² says little about the fit.` : null;
}

/** Inverts a small symmetric positive-definite matrix by Gauss–Jordan elimination; null when singular. */
function invert(matrix: number[][]): number[][] | null {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    const scale = Math.max(...matrix.map((row) => Math.abs(row[col])), 1e-300);
    if (Math.abs(a[pivot][col]) <= 1e-13 * scale) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const p = a[col][col];
    for (let j = 0; j < 2 * n; j++) a[col][j] /= p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[col][j];
    }
  }
  return a.map((row) => row.slice(n));
}

/** Parameter covariance (JᵀWJ)⁻¹·SSE/(n − p) from the Jacobian rows; null without residual degrees of freedom. */
function covariance(jacobian: number[][], w: number[], sse: number): number[][] | null {
  const n = jacobian.length;
  const p = jacobian[0].length;
  if (n <= p) return null;
  const jtwj = Array.from({ length: p }, (_, r) => Array.from({ length: p }, (_, c) => jacobian.reduce((s, row, i) => s + w[i] * row[r] * row[c], 0)));
  const inverse = invert(jtwj);
  if (!inverse) return null;
  const variance = sse / (n - p);
  return inverse.map((row) => row.map((v) => v * variance));
}

function stdErr(cov: number[][] | null, i: number): number | null {
  if (!cov) return null;
  const v = cov[i][i];
  return v >= 0 && Number.isFinite(v) ? Math.sqrt(v) : null;
}

function rmse(residuals: number[]): number {
  return Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / residuals.length);
}

/** Fits acc = a + b·ln N. Needs at least two distinct sizes. */
export function fitLogLinear(points: readonly FitPoint[], options: FitOptions = {}): LogLinearFit | FitFailure {
  const prepared = prepare(points, options);
  if (!prepared.ok) return failure('log-linear', points.length, 0, prepared.weighted, prepared.reason);
  const { x, y, w, sizes, weighted, warnings } = prepared.data;
  if (sizes < 2) return failure('log-linear', points.length, sizes, weighted, `needs at least 2 distinct data sizes, got ${sizes}`, warnings);

  const xMean = weightedMean(x, w);
  const yMean = weightedMean(y, w);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    sxx += w[i] * (x[i] - xMean) ** 2;
    sxy += w[i] * (x[i] - xMean) * (y[i] - yMean);
  }
  const b = sxy / sxx;
  const a = yMean - b * xMean;
  const residuals = y.map((v, i) => v - (a + b * x[i]));
  const sse = residuals.reduce((s, r, i) => s + w[i] * r * r, 0);
  const flat = isFlat(y, w);
  const r2 = flat ? null : 1 - sse / totalSumOfSquares(y, w);

  const exact = exactFitWarning(points.length, 2);
  if (exact) warnings.push(exact);
  if (flat) warnings.push('Accuracy is the same at every size, so R² is undefined.');
  const cov = covariance(
    x.map((v) => [1, v]),
    w,
    sse,
  );
  return { model: 'log-linear', ok: true, a, b, aStdErr: stdErr(cov, 0), bStdErr: stdErr(cov, 1), r2, rmse: rmse(residuals), points: points.length, sizes, weighted, warnings };
}

interface ProfileFit {
  alpha: number;
  /** Asymptote and the coefficient of u^(−α), with u = N / N0. */
  A: number;
  slope: number;
  sse: number;
}

/** Closed-form A and slope for a fixed α: y ≈ A + slope·u^(−α), u = exp(x − x0). */
function profileAt(alpha: number, u: number[], y: number[], w: number[]): ProfileFit {
  const z = u.map((v) => Math.exp(-alpha * v));
  const zMean = weightedMean(z, w);
  const yMean = weightedMean(y, w);
  let szz = 0;
  let szy = 0;
  let syy = 0;
  for (let i = 0; i < z.length; i++) {
    szz += w[i] * (z[i] - zMean) ** 2;
    szy += w[i] * (z[i] - zMean) * (y[i] - yMean);
    syy += w[i] * (y[i] - yMean) ** 2;
  }
  if (!(szz > 0)) return { alpha, A: yMean, slope: 0, sse: syy };
  const slope = szy / szz;
  return { alpha, A: yMean - slope * zMean, slope, sse: Math.max(0, syy - (szy * szy) / szz) };
}

/** Fits acc = A − B·N^(−α) with α in [ALPHA_MIN, ALPHA_MAX]. Needs at least three distinct sizes and accuracy that changes with size. */
export function fitPowerLaw(points: readonly FitPoint[], options: FitOptions = {}): PowerLawFit | FitFailure {
  const prepared = prepare(points, options);
  if (!prepared.ok) return failure('power-law', points.length, 0, prepared.weighted, prepared.reason);
  const { x, y, w, sizes, weighted, warnings } = prepared.data;
  if (sizes < 3) return failure('power-law', points.length, sizes, weighted, `needs at least 3 distinct data sizes, got ${sizes}`, warnings);
  if (isFlat(y, w)) return failure('power-law', points.length, sizes, weighted, 'accuracy is the same at every size, so a saturating curve is not identified', warnings);

  // Work with u = ln(N / N0), N0 the smallest size, so N^(−α) terms stay in (0, 1].
  const x0 = Math.min(...x);
  const u = x.map((v) => v - x0);

  const logMin = Math.log(ALPHA_MIN);
  const logMax = Math.log(ALPHA_MAX);
  const grid = Array.from({ length: ALPHA_GRID }, (_, k) => logMin + ((logMax - logMin) * k) / (ALPHA_GRID - 1));
  let bestIndex = 0;
  let best = profileAt(Math.exp(grid[0]), u, y, w);
  for (let k = 1; k < grid.length; k++) {
    const candidate = profileAt(Math.exp(grid[k]), u, y, w);
    if (candidate.sse < best.sse) {
      best = candidate;
      bestIndex = k;
    }
  }

  // Golden-section search on ln α between the grid neighbours of the best grid point.
  let lo = grid[Math.max(0, bestIndex - 1)];
  let hi = grid[Math.min(grid.length - 1, bestIndex + 1)];
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = hi - ratio * (hi - lo);
  let d = lo + ratio * (hi - lo);
  let fc = profileAt(Math.exp(c), u, y, w);
  let fd = profileAt(Math.exp(d), u, y, w);
  for (let iteration = 0; iteration < 200 && hi - lo > 1e-10; iteration++) {
    if (fc.sse <= fd.sse) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - ratio * (hi - lo);
      fc = profileAt(Math.exp(c), u, y, w);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + ratio * (hi - lo);
      fd = profileAt(Math.exp(d), u, y, w);
    }
  }
  for (const candidate of [fc, fd]) if (candidate.sse < best.sse) best = candidate;

  const { alpha, A } = best;
  const slope = best.slope; // y = A + slope·(N/N0)^(−α), so B = −slope·N0^α
  const n0Power = Math.exp(alpha * x0);
  const B = -slope * n0Power;
  const residuals = y.map((v, i) => v - (A + slope * Math.exp(-alpha * u[i])));
  const sse = residuals.reduce((s, r, i) => s + w[i] * r * r, 0);
  const r2 = 1 - sse / totalSumOfSquares(y, w);

  const atLower = alpha <= ALPHA_MIN * 1.0001;
  const atUpper = alpha >= ALPHA_MAX * 0.9999;
  let alphaAtBound: PowerLawFit['alphaAtBound'] = null;
  if (atLower) alphaAtBound = 'lower';
  else if (atUpper) alphaAtBound = 'upper';
  if (atLower) {
    warnings.push(`α reached the lower search bound ${ALPHA_MIN}: the data show no saturation, so A and B are not determined (the curve is close to log-linear over this range).`);
  } else if (atUpper) {
    warnings.push(`α reached the upper search bound ${ALPHA_MAX}: accuracy jumps and then stays flat, so α and B are not determined.`);
  }
  if (B < 0) warnings.push('B < 0: accuracy falls with data size in this fit.');
  if (A > 1 && !atLower) warnings.push(`The asymptote A = ${formatNumber(A * 100)}% is above 100%, so the saturation level is not determined by this data.`);
  const exact = exactFitWarning(points.length, 3);
  if (exact) warnings.push(exact);

  // Covariance in the (A, slope, α) parameterization, then the delta method for B = −slope·N0^α.
  const jacobian = u.map((v) => {
    const z = Math.exp(-alpha * v);
    return [1, z, -slope * v * z];
  });
  const cov = covariance(jacobian, w, sse);
  let BStdErr: number | null = null;
  if (cov) {
    const g = [0, -n0Power, -slope * n0Power * x0];
    const varB = g.reduce((s, gi, i) => s + gi * g.reduce((t, gj, j) => t + cov[i][j] * gj, 0), 0);
    BStdErr = varB >= 0 && Number.isFinite(varB) ? Math.sqrt(varB) : null;
  }
  return {
    model: 'power-law',
    ok: true,
    A,
    B,
    alpha,
    AStdErr: stdErr(cov, 0),
    BStdErr,
    alphaStdErr: stdErr(cov, 2),
    r2,
    rmse: rmse(residuals),
    alphaAtBound,
    points: points.length,
    sizes,
    weighted,
    warnings,
  };
}

/** Runs the named model's fit. */
export function fitModel(model: FitModel, points: readonly FitPoint[], options: FitOptions = {}): FitResult {
  return model === 'log-linear' ? fitLogLinear(points, options) : fitPowerLaw(points, options);
}

/** Evaluates the fitted accuracy at size N. */
export function predictFit(fit: LogLinearFit | PowerLawFit, size: number): number {
  if (fit.model === 'log-linear') return fit.a + fit.b * Math.log(size);
  return fit.A - fit.B * Math.exp(-fit.alpha * Math.log(size));
}

/** Samples a fitted curve at `count` log-spaced sizes from `minSize` to `maxSize`, for drawing. */
export function sampleFitCurve(fit: LogLinearFit | PowerLawFit, minSize: number, maxSize: number, count = 64): { size: number; accuracy: number }[] {
  const lo = Math.log(minSize);
  const hi = Math.log(maxSize);
  const steps = Math.max(2, count);
  return Array.from({ length: steps }, (_, k) => {
    const size = Math.exp(lo + ((hi - lo) * k) / (steps - 1));
    return { size, accuracy: predictFit(fit, size) };
  });
}

/** Writes the fit as a formula with percentage-point parameters, e.g. "acc = 12.3 + 2.87·ln N  (%)". */
export function describeFit(fit: LogLinearFit | PowerLawFit): string {
  const pct = (v: number) => formatNumber(v * 100, 4);
  if (fit.model === 'log-linear') return `acc = ${pct(fit.a)} ${fit.b < 0 ? '−' : '+'} ${pct(Math.abs(fit.b))}·ln N  (%)`;
  return `acc = ${pct(fit.A)} ${fit.B < 0 ? '+' : '−'} ${pct(Math.abs(fit.B))}·N^(−${formatNumber(fit.alpha, 3)})  (%)`;
}

/** Fits of one series, as the charts, exports and `mwb fit` report them. */
export interface SeriesFits {
  seriesId: string;
  label: string;
  fits: FitResult[];
}

/** Runs each model on a series' points. */
export function fitSeries(series: ScalingSeries, options: FitOptions = {}, models: readonly FitModel[] = FIT_MODELS): SeriesFits {
  return { seriesId: series.id, label: series.label, fits: models.map((model) => fitModel(model, series.points, options)) };
}
