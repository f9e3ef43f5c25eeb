import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.ts';
import { ALPHA_MIN, describeFit, type FitFailure, fitLogLinear, fitPowerLaw, fitSeries, predictFit, sampleFitCurve, type FitPoint, type LogLinearFit, type PowerLawFit } from './fit.ts';
import { referenceSeries } from './reference.ts';

const SIZES = [1e3, 2e3, 4e3, 8e3, 16e3, 32e3, 64e3];

function logLinearPoints(a: number, b: number, sizes = SIZES): FitPoint[] {
  return sizes.map((size) => ({ size, accuracy: a + b * Math.log(size) }));
}

function powerLawPoints(A: number, B: number, alpha: number, sizes = SIZES): FitPoint[] {
  return sizes.map((size) => ({ size, accuracy: A - B * size ** -alpha }));
}

function expectOk<T extends { ok: boolean }>(fit: T): asserts fit is T & { ok: true } {
  expect(fit.ok, JSON.stringify(fit)).toBe(true);
}

describe('log-linear fit', () => {
  it('recovers exact parameters', () => {
    const fit = fitLogLinear(logLinearPoints(-0.2, 0.05));
    expectOk(fit);
    expect(fit.a).toBeCloseTo(-0.2, 10);
    expect(fit.b).toBeCloseTo(0.05, 10);
    expect(fit.r2).toBeCloseTo(1, 10);
    expect(fit.rmse).toBeLessThan(1e-12);
    expect(fit.warnings).toEqual([]);
  });

  it('recovers parameters from noisy data within their standard errors', () => {
    const rng = new Rng(7);
    const points = logLinearPoints(-0.2, 0.05, [...SIZES, ...SIZES]).map((p) => ({ ...p, accuracy: p.accuracy + 0.01 * rng.normal() }));
    const fit = fitLogLinear(points);
    expectOk(fit);
    expect(Math.abs(fit.b - 0.05)).toBeLessThan(3 * (fit.bStdErr as number));
    expect(Math.abs(fit.a + 0.2)).toBeLessThan(3 * (fit.aStdErr as number));
    expect(fit.r2).toBeGreaterThan(0.9);
    expect(fit.r2).toBeLessThan(1);
  });

  it('fails with fewer than two distinct sizes', () => {
    const fit = fitLogLinear([
      { size: 1000, accuracy: 0.3 },
      { size: 1000, accuracy: 0.35 },
    ]);
    expect(fit.ok).toBe(false);
    expect(fit.ok).toBe(false);
    expect((fit as FitFailure).reason).toMatch(/at least 2 distinct data sizes, got 1/);
  });

  it('reports flat data with undefined R²', () => {
    const fit = fitLogLinear(SIZES.map((size) => ({ size, accuracy: 0.4 })));
    expectOk(fit);
    expect(fit.b).toBeCloseTo(0, 12);
    expect(fit.r2).toBeNull();
    expect(fit.warnings.join(' ')).toMatch(/same at every size/);
  });

  it('warns that two points fit exactly', () => {
    const fit = fitLogLinear(logLinearPoints(0.1, 0.02, [1e3, 1e4]));
    expectOk(fit);
    expect(fit.bStdErr).toBeNull();
    expect(fit.warnings.join(' ')).toMatch(/no residual degrees of freedom/);
  });

  it('rejects a non-positive size by point', () => {
    const fit = fitLogLinear([
      { size: 1000, accuracy: 0.3 },
      { size: 0, accuracy: 0.35 },
    ]);
    expect(fit.ok).toBe(false);
    expect((fit as FitFailure).reason).toMatch(/point 2: size must be a positive number, got 0/);
  });

  it('weights down a point with a wide interval', () => {
    const points = logLinearPoints(0.1, 0.02).map((p) => ({ ...p, low: p.accuracy - 0.01, high: p.accuracy + 0.01 }));
    // An outlier far off the line, with an interval 50 times wider than the others.
    points[3] = { ...points[3], accuracy: points[3].accuracy + 0.2, low: points[3].accuracy - 0.3, high: points[3].accuracy + 0.7 };
    const unweighted = fitLogLinear(points) as LogLinearFit;
    const weighted = fitLogLinear(points, { weighted: true }) as LogLinearFit;
    expect(weighted.weighted).toBe(true);
    expect(unweighted.weighted).toBe(false);
    expect(Math.abs(weighted.a - 0.1)).toBeLessThan(Math.abs(unweighted.a - 0.1) / 10);
    expect(weighted.b).toBeCloseTo(0.02, 3);
  });

  it('falls back to unweighted when a point has no interval', () => {
    const points = logLinearPoints(0.1, 0.02).map((p, i) => (i === 2 ? p : { ...p, low: p.accuracy - 0.01, high: p.accuracy + 0.01 }));
    const fit = fitLogLinear(points, { weighted: true });
    expectOk(fit);
    expect(fit.weighted).toBe(false);
    expect(fit.warnings.join(' ')).toMatch(/N=4000 has no interval/);
  });
});

describe('power-law fit', () => {
  it('recovers exact parameters', () => {
    const fit = fitPowerLaw(powerLawPoints(0.8, 3, 0.4));
    expectOk(fit);
    expect(fit.A).toBeCloseTo(0.8, 6);
    expect(fit.B).toBeCloseTo(3, 4);
    expect(fit.alpha).toBeCloseTo(0.4, 6);
    expect(fit.r2).toBeCloseTo(1, 10);
    expect(fit.alphaAtBound).toBeNull();
    expect(fit.warnings).toEqual([]);
  });

  it('recovers parameters over a wide size range', () => {
    const sizes = [500, 5e3, 5e4, 5e5, 5e6];
    const fit = fitPowerLaw(powerLawPoints(0.6, 1.5, 0.25, sizes));
    expectOk(fit);
    expect(fit.A).toBeCloseTo(0.6, 6);
    expect(fit.B).toBeCloseTo(1.5, 4);
    expect(fit.alpha).toBeCloseTo(0.25, 6);
  });

  it('stays near the truth on noisy data', () => {
    const rng = new Rng(11);
    const points = powerLawPoints(0.7, 2, 0.5, [...SIZES, ...SIZES, ...SIZES]).map((p) => ({ ...p, accuracy: p.accuracy + 0.005 * rng.normal() }));
    const fit = fitPowerLaw(points);
    expectOk(fit);
    expect(Math.abs(fit.A - 0.7)).toBeLessThan(3 * (fit.AStdErr as number));
    expect(Math.abs(fit.alpha - 0.5)).toBeLessThan(3 * (fit.alphaStdErr as number));
    expect(fit.r2).toBeGreaterThan(0.85);
  });

  it('fails with fewer than three distinct sizes', () => {
    const fit = fitPowerLaw(powerLawPoints(0.8, 3, 0.4, [1e3, 1e4, 1e3, 1e4]));
    expect(fit.ok).toBe(false);
    expect((fit as FitFailure).reason).toMatch(/at least 3 distinct data sizes, got 2/);
  });

  it('fails on flat data', () => {
    const fit = fitPowerLaw(SIZES.map((size) => ({ size, accuracy: 0.25 })));
    expect(fit.ok).toBe(false);
    expect((fit as FitFailure).reason).toMatch(/same at every size/);
  });

  it('flags log-linear data at the lower α bound', () => {
    const fit = fitPowerLaw(logLinearPoints(0.1, 0.05));
    expectOk(fit);
    expect(fit.alphaAtBound).toBe('lower');
    expect(fit.alpha).toBeCloseTo(ALPHA_MIN, 9);
    expect(fit.warnings.join(' ')).toMatch(/no saturation/);
    // The degenerate curve still follows the data.
    expect(fit.rmse).toBeLessThan(1e-3);
  });

  it('flags a step at the upper α bound', () => {
    const fit = fitPowerLaw(SIZES.map((size, i) => ({ size, accuracy: i === 0 ? 0.1 : 0.5 })));
    expectOk(fit);
    expect(fit.alphaAtBound).toBe('upper');
    expect(fit.warnings.join(' ')).toMatch(/upper search bound/);
  });

  it('warns about an asymptote above 100%', () => {
    const fit = fitPowerLaw(powerLawPoints(1.5, 10, 0.3, [1e3, 2e3, 4e3, 8e3]));
    expectOk(fit);
    expect(fit.A).toBeCloseTo(1.5, 4);
    expect(fit.warnings.join(' ')).toMatch(/asymptote A = 150% is above 100%/);
  });

  it('warns about falling accuracy', () => {
    const fit = fitPowerLaw(powerLawPoints(0.3, -2, 0.5));
    expectOk(fit);
    expect(fit.B).toBeCloseTo(-2, 4);
    expect(fit.warnings.join(' ')).toMatch(/B < 0/);
  });

  it('warns that three points fit exactly', () => {
    const fit = fitPowerLaw(powerLawPoints(0.8, 3, 0.4, [1e3, 1e4, 1e5]));
    expectOk(fit);
    expect(fit.AStdErr).toBeNull();
    expect(fit.warnings.join(' ')).toMatch(/no residual degrees of freedom/);
  });
});

describe('fit helpers', () => {
  it('predicts and samples the fitted curve', () => {
    const fit = fitPowerLaw(powerLawPoints(0.8, 3, 0.4)) as PowerLawFit;
    expect(predictFit(fit, 5000)).toBeCloseTo(0.8 - 3 * 5000 ** -0.4, 8);
    const curve = sampleFitCurve(fit, 1e3, 1e5, 5);
    expect(curve.map((p) => Math.round(p.size))).toEqual([1000, 3162, 10000, 31623, 100000]);
    expect(curve[4].accuracy).toBeCloseTo(0.8 - 3 * 1e5 ** -0.4, 8);
  });

  it('describes fits in percentage points', () => {
    const logLinear = fitLogLinear(logLinearPoints(-0.2, 0.05)) as LogLinearFit;
    expect(describeFit(logLinear)).toBe('acc = -20 + 5·ln N  (%)');
    const power = fitPowerLaw(powerLawPoints(0.8, 3, 0.4)) as PowerLawFit;
    expect(describeFit(power)).toBe('acc = 80 − 300·N^(−0.4)  (%)');
  });

  it('fits the paper Mistral-7B MATH series', () => {
    const mistral = referenceSeries('MATH').find((s) => s.label.startsWith('Mistral-7B'))!;
    const { fits } = fitSeries(mistral, { weighted: true });
    const [logLinear, power] = fits;
    expectOk(logLinear);
    expect(logLinear.weighted).toBe(true);
    expect((logLinear as LogLinearFit).b).toBeGreaterThan(0.05);
    expect((logLinear as LogLinearFit).r2).toBeGreaterThan(0.98);
    expectOk(power);
    expect((power as PowerLawFit).r2).toBeGreaterThan(0.98);
  });
});
