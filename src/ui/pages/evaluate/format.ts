/** Number formatting shared by the Evaluate and Inspect pages. */
import type { Accuracy } from '../../../eval/scoring.ts';

export function percent(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : '–';
}

/** Formats the accuracy with its Wilson interval, as "45.2% (95% CI 42.5–47.9%)". */
export function accuracyText(accuracy: Accuracy): string {
  if (accuracy.total === 0) return '–';
  return `${percent(accuracy.accuracy)} (95% CI ${(accuracy.low * 100).toFixed(1)}–${percent(accuracy.high)})`;
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
