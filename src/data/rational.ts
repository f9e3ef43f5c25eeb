/**
 * Exact rational numbers on JavaScript numbers, for generator arithmetic. Numerators and denominators
 * stay safe integers (|x| ≤ 2^53 − 1); an operation that would leave that range throws a RangeError,
 * so a generator never stores a silently rounded value.
 */

export interface Rational {
  /** Numerator; carries the sign. */
  readonly n: number;
  /** Denominator; always positive and coprime with the numerator. */
  readonly d: number;
}

export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export function lcm(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return checked(Math.abs((a / gcd(a, b)) * b));
}

function checked(value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`rational arithmetic left the safe integer range (${value})`);
  return value;
}

export function rat(n: number, d = 1): Rational {
  checked(n);
  checked(d);
  if (d === 0) throw new RangeError('division by zero');
  if (d < 0) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d) || 1;
  return { n: n / g + 0, d: d / g };
}

export const ZERO = rat(0);
export const ONE = rat(1);

export function add(a: Rational, b: Rational): Rational {
  const g = gcd(a.d, b.d);
  return rat(checked(a.n * (b.d / g) + b.n * (a.d / g)), checked((a.d / g) * b.d));
}

export function sub(a: Rational, b: Rational): Rational {
  return add(a, { n: -b.n, d: b.d });
}

export function mul(a: Rational, b: Rational): Rational {
  const g1 = gcd(a.n, b.d) || 1;
  const g2 = gcd(b.n, a.d) || 1;
  return rat(checked((a.n / g1) * (b.n / g2)), checked((a.d / g2) * (b.d / g1)));
}

export function div(a: Rational, b: Rational): Rational {
  if (b.n === 0) throw new RangeError('division by zero');
  return mul(a, { n: b.d * Math.sign(b.n), d: Math.abs(b.n) });
}

export function equals(a: Rational, b: Rational): boolean {
  return a.n === b.n && a.d === b.d;
}

export function compare(a: Rational, b: Rational): number {
  return Math.sign(sub(a, b).n);
}

export function isInteger(a: Rational): boolean {
  return a.d === 1;
}

export function toNumber(a: Rational): number {
  return a.n / a.d;
}

/** Writes "7", "-2" or "3/4" (improper fractions stay improper: "7/2"). */
export function formatRational(a: Rational): string {
  return a.d === 1 ? String(a.n) : `${a.n}/${a.d}`;
}

/** Parses "7", "-2", "3/4" or "-3/4"; returns null for anything else. */
export function parseRational(text: string): Rational | null {
  const match = /^\s*(-?\d+)(?:\s*\/\s*(\d+))?\s*$/.exec(text);
  if (!match) return null;
  const n = Number(match[1]);
  const d = match[2] === undefined ? 1 : Number(match[2]);
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d) || d === 0) return null;
  return rat(n, d);
}
