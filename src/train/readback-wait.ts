/**
 * Sleep planning before a loss readback. On a host that polls by spinning (dawn.node), waiting on
 * the GPU keeps the JavaScript thread busy, which takes a CPU core from a software adapter. So the
 * training loop learns, per kind of step, the time from the step's first submission until its loss
 * could be read, and sleeps on a timer through most of it before it starts to wait.
 */

/** Fraction of the expected latency slept before waiting on the GPU. */
export const WAKE_FRACTION = 0.75;
/** A read that returns within this many milliseconds after the sleep means the sleep overshot. */
const OVERSHOOT_MS = 1;

interface Estimate {
  ms: number;
  samples: number;
}

export class ReadbackWait {
  private readonly estimates = new Map<string, Estimate>();

  /** Returns the performance.now() time to wake at for a step of `kind` first submitted at `since`, or null without an estimate. */
  wakeAt(kind: string, since: number): number | null {
    const estimate = this.estimates.get(kind);
    return estimate && estimate.ms > 0 ? since + WAKE_FRACTION * estimate.ms : null;
  }

  /** Returns the expected latency of a step of `kind` in milliseconds, 0 before two reads of it. */
  estimateMs(kind: string): number {
    return this.estimates.get(kind)?.ms ?? 0;
  }

  /**
   * Records one read: the step was first submitted at `since`, the reader stopped sleeping at `woke`
   * and had the value at `done` (all performance.now() times).
   */
  record(kind: string, since: number, woke: number, done: number): void {
    const estimate = this.estimates.get(kind) ?? { ms: 0, samples: 0 };
    // The first read of a kind may include shader compilation, so it is no sample.
    if (estimate.samples > 0) {
      if (estimate.ms > 0 && done - woke < OVERSHOOT_MS) {
        // The GPU had finished before the reader woke, by an unknown margin: shorten the estimate a little.
        estimate.ms *= 0.9;
      } else if (estimate.ms > 0) {
        // One sample moves the estimate by at most 20% upwards, so a stall (a pause, another
        // process) costs a few slightly long sleeps rather than many very long ones.
        estimate.ms = 0.8 * estimate.ms + 0.2 * Math.min(done - since, 2 * estimate.ms);
      } else {
        estimate.ms = done - since;
      }
    }
    estimate.samples++;
    this.estimates.set(kind, estimate);
  }
}
