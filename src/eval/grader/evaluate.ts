/**
 * Evaluation of parsed expressions: exact rationals while every step stays rational (so 0.1 + 0.2
 * equals 3/10 exactly), doubles once a step is irrational (√2, π, sin). Variables take values from
 * an assignment; equivalence of expressions with variables is tested at several sample points.
 */
import type { Budget } from './budget.ts';
import { basedValue, type Expr } from './expression.ts';
import {
  add, compare, div, equals, exactRoot, isInteger, isTerminating, mul, neg, ONE, parseDecimal, powInt,
  rational, RationalTooLarge, sub, toNumber, ZERO, type Rational,
} from './rational.ts';

export interface Value {
  /** The exact value when every step was rational; null once a step was irrational or too large. */
  exact: Rational | null;
  /** Nearest double (NaN outside the domain, ±Infinity for \infty). */
  approx: number;
  /** Set when a finite value overflowed the double range, so ±Infinity here means "too large to tell". */
  overflow?: boolean;
}

export type Assignment = Map<string, Rational>;

export const exactValue = (value: Rational): Value => ({ exact: value, approx: toNumber(value) });
const approxValue = (approx: number, overflow = false): Value => (overflow ? { exact: null, approx, overflow } : { exact: null, approx });
const NAN: Value = { exact: null, approx: NaN };

/** Runs an exact step; an exact result too large to keep becomes a double (usually ±Infinity, marked as overflow). */
function tryExact(exactStep: () => Rational | null, approxStep: () => number): Value {
  try {
    const result = exactStep();
    return result ? exactValue(result) : NAN;
  } catch (error) {
    if (!(error instanceof RationalTooLarge)) throw error;
    const approx = approxStep();
    return approxValue(approx, !Number.isFinite(approx));
  }
}

/** a op b on values: exact when both are exact, a double otherwise. */
export function arithmetic(op: 'add' | 'sub' | 'mul' | 'div', a: Value, b: Value): Value {
  const overflow = a.overflow || b.overflow;
  if (a.exact && b.exact) {
    const x = a.exact;
    const y = b.exact;
    const result = tryExact(
      () => (op === 'add' ? add(x, y) : op === 'sub' ? sub(x, y) : op === 'mul' ? mul(x, y) : div(x, y)),
      () => floatOp(op, a.approx, b.approx),
    );
    return overflow ? { ...result, overflow } : result;
  }
  const approx = floatOp(op, a.approx, b.approx);
  return approxValue(approx, overflow || (!Number.isFinite(approx) && Number.isFinite(a.approx) && Number.isFinite(b.approx) && !(op === 'div' && b.approx === 0)));
}

function floatOp(op: 'add' | 'sub' | 'mul' | 'div', x: number, y: number): number {
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return y === 0 ? NaN : x / y;
  }
}

/** Real power; a negative base takes odd roots (\sqrt[3]{-8} = −2, (−8)^{1/3} = −2). */
function power(a: Value, b: Value): Value {
  if (a.overflow || b.overflow) return approxValue(Math.pow(a.approx, b.approx), true);
  if (a.exact && b.exact) {
    const base = a.exact;
    const exponent = b.exact;
    if (isInteger(exponent)) return tryExact(() => powInt(base, exponent.n), () => Math.pow(a.approx, b.approx));
    if (exponent.d <= 64n) {
      const root = exactRoot(base, Number(exponent.d));
      if (root) return tryExact(() => powInt(root, exponent.n), () => Math.pow(a.approx, b.approx));
      if (base.n < 0n && exponent.d % 2n === 1n) {
        const magnitude = Math.pow(-a.approx, b.approx);
        return approxValue(exponent.n % 2n === 0n ? magnitude : -magnitude);
      }
    }
  }
  const approx = Math.pow(a.approx, b.approx);
  return approxValue(approx, !Number.isFinite(approx) && Number.isFinite(a.approx) && Number.isFinite(b.approx) && a.approx !== 0);
}

function floorOf(value: Rational): Rational {
  let q = value.n / value.d;
  if (value.n < 0n && q * value.d !== value.n) q -= 1n;
  return rational(q);
}

/** Exact log_base(value) when value is an integer power of base (log_2 8 = 3); otherwise null. */
function exactLog(value: Rational, base: Rational): Rational | null {
  if (compare(value, ZERO) <= 0 || compare(base, ZERO) <= 0 || equals(base, ONE)) return null;
  if (equals(value, ONE)) return ZERO;
  const guess = Math.round(Math.log(toNumber(value)) / Math.log(toNumber(base)));
  if (!Number.isFinite(guess) || Math.abs(guess) > 10_000 || guess === 0) return null;
  try {
    const candidate = powInt(base, BigInt(guess));
    return candidate && equals(candidate, value) ? rational(BigInt(guess)) : null;
  } catch (error) {
    if (error instanceof RationalTooLarge) return null;
    throw error;
  }
}

function factorial(n: bigint, budget: Budget): Rational {
  let result = 1n;
  for (let k = 2n; k <= n; k++) {
    budget.tick();
    result *= k;
  }
  return rational(result);
}

function binomial(n: bigint, k: bigint, budget: Budget): Rational {
  if (k < 0n || k > n) return ZERO;
  if (k > n - k) k = n - k;
  let result = 1n;
  for (let i = 1n; i <= k; i++) {
    budget.tick();
    result = (result * (n - k + i)) / i;
  }
  return rational(result);
}

const REAL_FUNCTIONS: Record<string, (x: number) => number> = {
  sin: Math.sin, cos: Math.cos, tan: Math.tan,
  cot: (x) => 1 / Math.tan(x), sec: (x) => 1 / Math.cos(x), csc: (x) => 1 / Math.sin(x),
  arcsin: Math.asin, arccos: Math.acos, arctan: Math.atan,
  arccot: (x) => Math.atan(1 / x), arcsec: (x) => Math.acos(1 / x), arccsc: (x) => Math.asin(1 / x),
  sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh, coth: (x) => 1 / Math.tanh(x),
  exp: Math.exp, ln: Math.log, log: Math.log, log10: Math.log10,
};

function callFunction(name: string, args: Value[], budget: Budget): Value {
  const [x, y] = args;
  switch (name) {
    case 'sqrt':
      if (x.exact) {
        const root = exactRoot(x.exact, 2);
        if (root) return exactValue(root);
      }
      return approxValue(Math.sqrt(x.approx), x.overflow);
    case 'root': {
      // args: [index, radicand]
      if (!x.exact || !isInteger(x.exact) || x.exact.n < 1n || x.exact.n > 64n) return NAN;
      const index = Number(x.exact.n);
      if (y.exact) {
        const root = exactRoot(y.exact, index);
        if (root) return exactValue(root);
      }
      if (y.approx < 0) return index % 2 === 1 ? approxValue(-Math.pow(-y.approx, 1 / index)) : NAN;
      return approxValue(Math.pow(y.approx, 1 / index), y.overflow);
    }
    case 'abs':
      if (!x.exact) return approxValue(Math.abs(x.approx), x.overflow);
      return exactValue(x.exact.n < 0n ? neg(x.exact) : x.exact);
    case 'floor':
      return x.exact ? exactValue(floorOf(x.exact)) : approxValue(Math.floor(x.approx), x.overflow);
    case 'ceil':
      return x.exact ? exactValue(neg(floorOf(neg(x.exact)))) : approxValue(Math.ceil(x.approx), x.overflow);
    case 'percent':
      return arithmetic('div', x, exactValue(rational(100n)));
    case 'degrees':
      return x.exact && x.exact.n === 0n ? x : approxValue((x.approx * Math.PI) / 180, x.overflow);
    case 'factorial':
      if (x.exact && isInteger(x.exact) && x.exact.n >= 0n) {
        if (x.exact.n > 3000n) return approxValue(Infinity, true);
        const n = x.exact.n;
        return tryExact(() => factorial(n, budget), () => Infinity);
      }
      return NAN;
    case 'binom':
      if (x.exact && y.exact && isInteger(x.exact) && isInteger(y.exact) && x.exact.n >= 0n) {
        if (x.exact.n > 100_000n) return approxValue(Infinity, true);
        const n = x.exact.n;
        const k = y.exact.n;
        return tryExact(() => binomial(n, k, budget), () => Infinity);
      }
      return NAN;
    case 'log':
    case 'log10':
    case 'ln': {
      // \lg is base 10, \log_b has its base as the second argument, \ln and a bare \log are natural.
      let base: Value | null = null;
      if (name === 'log10') base = exactValue(rational(10n));
      else if (name === 'log' && y) base = y;
      if (x.exact && base?.exact) {
        const exact = exactLog(x.exact, base.exact);
        if (exact) return exactValue(exact);
      }
      if (x.exact && equals(x.exact, ONE)) return exactValue(ZERO);
      if (base) return approxValue(Math.log(x.approx) / Math.log(base.approx));
      return approxValue(Math.log(x.approx));
    }
    default: {
      const fn = REAL_FUNCTIONS[name];
      if (!fn) return NAN;
      if (x.exact && x.exact.n === 0n && /^(sin|tan|arcsin|arctan|sinh|tanh)$/.test(name)) return exactValue(ZERO);
      return approxValue(fn(x.approx));
    }
  }
}

/** Evaluates an expression under an assignment of its free symbols; symbols missing from it evaluate to NaN. */
export function evaluate(expr: Expr, assignment: Assignment, budget: Budget): Value {
  budget.tick();
  switch (expr.k) {
    case 'num':
      return exactValue(expr.value);
    case 'based': {
      const value = basedValue(expr.digits, expr.base);
      return value ? exactValue(value) : NAN;
    }
    case 'sym': {
      const value = assignment.get(expr.name);
      return value ? exactValue(value) : NAN;
    }
    case 'pi':
      return approxValue(Math.PI);
    case 'inf':
      return approxValue(Infinity);
    case 'neg': {
      const a = evaluate(expr.a, assignment, budget);
      return a.exact ? exactValue(neg(a.exact)) : approxValue(-a.approx, a.overflow);
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
      return arithmetic(expr.k, evaluate(expr.a, assignment, budget), evaluate(expr.b, assignment, budget));
    case 'pow':
      return power(evaluate(expr.a, assignment, budget), evaluate(expr.b, assignment, budget));
    case 'pm':
      // ± is expanded before evaluation; reaching here means a caller skipped expandPlusMinus.
      return NAN;
    case 'fn':
      return callFunction(expr.name, expr.args.map((arg) => evaluate(arg, assignment, budget)), budget);
  }
}

export interface Tolerance {
  /** Relative tolerance for comparisons that involve an irrational value. */
  relTol: number;
}

export type Comparison = 'equal' | 'different' | 'undecided';

/** Decimal places of a plain decimal literal answer (like 0.333333), or 0 when it is not one. */
export function literalDecimals(expr: Expr): number {
  if (expr.k === 'neg') return literalDecimals(expr.a);
  return expr.k === 'num' ? expr.decimals : 0;
}

/**
 * Compares two values. Exact values must be equal, except that a decimal literal with six or more
 * places matches a non-terminating rational within one unit in its last place (0.333333 = 1/3);
 * a comparison involving an irrational value uses the relative tolerance. Overflowed or undefined
 * values are undecided.
 */
export function compareValues(a: Value, b: Value, tolerance: Tolerance, decimals: { a: number; b: number } = { a: 0, b: 0 }): Comparison {
  if (a.overflow || b.overflow) return 'undecided';
  if (Number.isNaN(a.approx) || Number.isNaN(b.approx)) return 'undecided';
  if (a.exact && b.exact) {
    if (equals(a.exact, b.exact)) return 'equal';
    for (const [literal, other, places] of [[a.exact, b.exact, decimals.a], [b.exact, a.exact, decimals.b]] as const) {
      if (places >= 6 && !isTerminating(other)) {
        const unit = parseDecimal(`0.${'0'.repeat(places - 1)}1`)!;
        const gap = sub(literal, other);
        if (compare(gap.n < 0n ? neg(gap) : gap, unit) <= 0) return 'equal';
      }
    }
    return 'different';
  }
  if (!Number.isFinite(a.approx) || !Number.isFinite(b.approx)) return a.approx === b.approx ? 'equal' : 'different';
  const scale = Math.max(Math.abs(a.approx), Math.abs(b.approx));
  return Math.abs(a.approx - b.approx) <= tolerance.relTol * scale + 1e-12 ? 'equal' : 'different';
}
