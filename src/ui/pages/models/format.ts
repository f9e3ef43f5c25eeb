/** Transfer figures for the Models page: bytes, MB/s and the time left. */
import { formatBytes } from '../../../engine/errors.ts';
import { duration } from '../evaluate/format.ts';

export { formatBytes };

/** Megabytes (10⁶ bytes) per second, or null before there is anything to measure. */
export function megabytesPerSecond(bytes: number, elapsedMs: number): number | null {
  return elapsedMs > 0 && bytes > 0 ? bytes / 1e6 / (elapsedMs / 1000) : null;
}

/** "1.2 GiB of 3.8 GiB · 45.1 MB/s · 58 s left", with the parts that are known. */
export function describeTransfer(bytes: number, total: number | null, elapsedMs: number): string {
  const rate = megabytesPerSecond(bytes, elapsedMs);
  const parts = [total === null ? formatBytes(bytes) : `${formatBytes(bytes)} of ${formatBytes(total)}`];
  if (rate !== null) parts.push(`${rate.toFixed(1)} MB/s`);
  if (rate !== null && total !== null && total > bytes) parts.push(`${duration(((total - bytes) / 1e6 / rate) * 1000)} left`);
  return parts.join(' · ');
}
