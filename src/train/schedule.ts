/**
 * Learning-rate schedules: linear warm-up over the first ⌈warmupRatio · totalSteps⌉ optimizer steps,
 * then cosine decay towards minRatio · peak, or a constant rate. Steps are 1-based, so the first
 * step already trains (with peak / warmupSteps) and the last step of a cosine schedule still has a
 * rate above the minimum.
 */

export type ScheduleKind = 'cosine' | 'constant';
export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['cosine', 'constant'];

export interface ScheduleSettings {
  peak: number;
  warmupSteps: number;
  totalSteps: number;
  kind: ScheduleKind;
  /** The rate cosine decay approaches, as a fraction of the peak (0 in Skywork-Math's SFT setup). */
  minRatio: number;
}

/** Number of warm-up steps for a ratio, rounded up as Hugging Face's Trainer does. */
export function warmupStepsFor(totalSteps: number, ratio: number): number {
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`The warm-up ratio must be between 0 and 1, got ${ratio}.`);
  return Math.min(totalSteps, Math.ceil(ratio * totalSteps));
}

/** Returns the learning rate of optimizer step `step` (1-based). */
export function learningRateAt(step: number, settings: ScheduleSettings): number {
  const { peak, warmupSteps, totalSteps, kind, minRatio } = settings;
  if (step <= warmupSteps) return (peak * step) / warmupSteps;
  if (kind === 'constant') return peak;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps - 1) / decaySteps);
  const floor = peak * minRatio;
  return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
