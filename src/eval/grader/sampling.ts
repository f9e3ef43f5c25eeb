/**
 * Equality of two expressions by evaluation. Without variables both sides are evaluated once;
 * with variables they are evaluated at fixed rational sample points, exactly where possible. Two
 * different rational functions agree at all six points only by coincidence, so agreement is taken
 * as identity (polynomial identity testing). The points are fixed, so verdicts are reproducible.
 */
import type { Budget } from './budget.ts';
import { compareValues, evaluate, literalDecimals, type Assignment, type Comparison, type Tolerance, type Value } from './evaluate.ts';
import { freeSymbols, type Expr } from './expression.ts';
import { rational } from './rational.ts';

const POINT_COUNT = 6;

/** Sample point `point` for the `index`-th variable: distinct non-integer rationals, negative at the last two points. */
function sampleValue(point: number, index: number) {
  const numerator = 7n + 11n * BigInt(index) + 13n * BigInt(point) + BigInt((index * 5 + point * 3) % 7);
  const denominator = 3n + BigInt((2 * index + point) % 5) * 2n;
  const negative = point === POINT_COUNT - 2 || (point === POINT_COUNT - 1 && index % 2 === 0);
  return rational(negative ? -numerator : numerator, denominator);
}

/** Assignments of the sample values to `symbols`. */
export function samplePoints(symbols: string[]): Assignment[] {
  return Array.from({ length: POINT_COUNT }, (_, point) => new Map(symbols.map((name, index) => [name, sampleValue(point, index)])));
}

export function symbolsOf(...exprs: Expr[]): string[] {
  const all = new Set<string>();
  for (const expr of exprs) freeSymbols(expr, all);
  return [...all].sort();
}

export interface ExpressionComparison {
  result: Comparison;
  /** True when the sides had variables and were compared at sample points. */
  symbolic: boolean;
  detail?: string;
}

/** Compares values point by point: any difference decides "different"; undefined on one side only counts as a difference. */
export function comparePointwise(left: (point: Assignment) => Value, right: (point: Assignment) => Value, symbols: string[], tolerance: Tolerance, decimals = { a: 0, b: 0 }): Comparison {
  const points = symbols.length === 0 ? [new Map()] : samplePoints(symbols);
  let agreed = 0;
  for (const point of points) {
    const a = left(point);
    const b = right(point);
    const aNaN = Number.isNaN(a.approx);
    const bNaN = Number.isNaN(b.approx);
    if (aNaN && bNaN) continue;
    if (aNaN !== bNaN) return 'different';
    const comparison = compareValues(a, b, tolerance, decimals);
    if (comparison === 'different') return 'different';
    if (comparison === 'equal') agreed++;
  }
  const needed = symbols.length === 0 ? 1 : 2;
  return agreed >= needed ? 'equal' : 'undecided';
}

export function compareExpressions(a: Expr, b: Expr, budget: Budget, tolerance: Tolerance): ExpressionComparison {
  const symbols = symbolsOf(a, b);
  const decimals = { a: literalDecimals(a), b: literalDecimals(b) };
  const result = comparePointwise((p) => evaluate(a, p, budget), (p) => evaluate(b, p, budget), symbols, tolerance, decimals);
  return { result, symbolic: symbols.length > 0 };
}
