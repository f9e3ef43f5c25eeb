/**
 * Exact rational numbers on BigInt, so that `0.1 + 0.2` equals `\frac{3}{10}` exactly and 5,000-digit
 * answers compare digit for digit. Every operation is bounded: a result wider than MAX_BITS raises
 * RationalTooLarge instead of allocating without limit.
 */

export interface Rational {
  /** Numerator; carries the sign. */
  n: bigint;
  /** Denominator; always positive and coprime with the numerator. */
  d: bigint;
}

/** Widest numerator or denominator kept exact (about 24,000 decimal digits). */
export const MAX_BITS = 80_000;

export class RationalTooLarge extends Error {
  constructor(what: string) {
    super(`exact value too large: ${what}`);
    this.name = 'RationalTooLarge';
  }
}

export function bitLength(value: bigint): number {
  if (value < 0n) value = -value;
  if (value === 0n) return 0;
  return value.toString(16).length * 4;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function rational(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new RangeError('zero denominator');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  if (g > 1n) {
    n /= g;
    d /= g;
  }
  if (bitLength(n) > MAX_BITS || bitLength(d) > MAX_BITS) throw new RationalTooLarge(`${bitLength(n)}-bit numerator`);
  return { n, d };
}

export const ZERO = rational(0n);
export const ONE = rational(1n);

/** Parses a plain decimal literal such as `-12`, `0.50` or `.5` (no exponent). */
export function parseDecimal(text: string): Rational | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const fraction = match[3] ?? '';
  const digits = `${match[2]}${fraction}` || '0';
  if (digits.length * 3.33 > MAX_BITS) throw new RationalTooLarge(`${digits.length}-digit literal`);
  const n = BigInt(digits) * (match[1] === '-' ? -1n : 1n);
  return rational(n, 10n ** BigInt(fraction.length));
}

export function add(a: Rational, b: Rational): Rational {
  return rational(a.n * b.d + b.n * a.d, a.d * b.d);
}

export function sub(a: Rational, b: Rational): Rational {
  return rational(a.n * b.d - b.n * a.d, a.d * b.d);
}

export function mul(a: Rational, b: Rational): Rational {
  return rational(a.n * b.n, a.d * b.d);
}

/** a / b; returns null for division by zero. */
export function div(a: Rational, b: Rational): Rational | null {
  if (b.n === 0n) return null;
  return rational(a.n * b.d, a.d * b.n);
}

export function neg(a: Rational): Rational {
  return { n: -a.n, d: a.d };
}

export function equals(a: Rational, b: Rational): boolean {
  return a.n === b.n && a.d === b.d;
}

export function compare(a: Rational, b: Rational): number {
  const left = a.n * b.d;
  const right = b.n * a.d;
  return left < right ? -1 : left > right ? 1 : 0;
}

export function isInteger(a: Rational): boolean {
  return a.d === 1n;
}

/** Integer power; null for 0 to a negative power. Raises RationalTooLarge when the result would exceed MAX_BITS. */
export function powInt(base: Rational, exponent: bigint): Rational | null {
  if (exponent === 0n) return ONE;
  if (base.n === 0n) return exponent > 0n ? ZERO : null;
  if ((base.n === 1n || base.n === -1n) && base.d === 1n) return exponent % 2n === 0n ? ONE : base;
  const magnitude = exponent < 0n ? -exponent : exponent;
  const width = Math.max(bitLength(base.n), bitLength(base.d));
  if (magnitude > BigInt(MAX_BITS) || width * Number(magnitude) > MAX_BITS) throw new RationalTooLarge(`power with exponent ${exponent}`);
  const result = rational(base.n ** magnitude, base.d ** magnitude);
  return exponent < 0n ? div(ONE, result) : result;
}

/** Exact integer k-th root of a non-negative integer, or null when it is not a perfect power. */
export function exactIntegerRoot(value: bigint, k: number): bigint | null {
  if (value < 0n) return null;
  if (value < 2n) return value;
  const kk = BigInt(k);
  // Newton iteration from an upper bound 2^ceil(bits/k).
  let x = 1n << BigInt(Math.ceil(bitLength(value) / k) + 1);
  for (;;) {
    const next = ((kk - 1n) * x + value / x ** (kk - 1n)) / kk;
    if (next >= x) break;
    x = next;
  }
  return x ** kk === value ? x : null;
}

/** Exact k-th root of a rational (odd k allows negatives), or null when it is irrational. */
export function exactRoot(value: Rational, k: number): Rational | null {
  if (k < 1 || k > 64) return null;
  const negative = value.n < 0n;
  if (negative && k % 2 === 0) return null;
  const numerator = exactIntegerRoot(negative ? -value.n : value.n, k);
  const denominator = numerator === null ? null : exactIntegerRoot(value.d, k);
  if (numerator === null || denominator === null) return null;
  return rational(negative ? -numerator : numerator, denominator);
}

/** Nearest double, also for numerators and denominators beyond the double range (overflows to ±Infinity). */
export function toNumber(a: Rational): number {
  const nb = bitLength(a.n);
  const db = bitLength(a.d);
  if (nb <= 1000 && db <= 1000) {
    const direct = Number(a.n) / Number(a.d);
    if (Number.isFinite(direct) && direct !== 0) return direct;
    if (a.n === 0n) return 0;
  }
  const shiftN = Math.max(0, nb - 64);
  const shiftD = Math.max(0, db - 64);
  const mantissa = Number(a.n >> BigInt(shiftN)) / Number(a.d >> BigInt(shiftD));
  // Scale in two steps so that 2^shift alone cannot overflow when the product is still in range.
  const shift = shiftN - shiftD;
  const half = Math.trunc(shift / 2);
  return mantissa * 2 ** half * 2 ** (shift - half);
}

/** True when the decimal expansion of `a` terminates (the reduced denominator has no prime factor but 2 and 5). */
export function isTerminating(a: Rational): boolean {
  let d = a.d;
  while (d % 2n === 0n) d /= 2n;
  while (d % 5n === 0n) d /= 5n;
  return d === 1n;
}

export function toString(a: Rational): string {
  return a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`;
}
