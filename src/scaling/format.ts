/** Number formatting shared by the Scaling page, its exports and `mwb fit`. */

const SIZE_UNITS: [number, string][] = [
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'K'],
];

/** Formats a data size with a K/M/B suffix and at most three significant digits: 60000 → "60K", 1500000 → "1.5M". */
export function formatSize(size: number): string {
  if (!Number.isFinite(size)) return String(size);
  // Round first, so 999,999 becomes "1M" and not "1000K".
  const rounded = Number(size.toPrecision(3));
  for (const [scale, suffix] of SIZE_UNITS) {
    if (Math.abs(rounded) >= scale) return `${trimZeros((rounded / scale).toPrecision(3))}${suffix}`;
  }
  return String(rounded);
}

function trimZeros(text: string): string {
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

/** Formats a fraction in [0, 1] as a percentage: 0.2784 → "27.84%". */
export function formatPercent(fraction: number, digits = 2): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : '–';
}

/** Formats a number with `digits` significant digits, switching to exponent notation for very large or small values. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(digits - 1);
  return trimZeros(value.toPrecision(digits));
}
