/** The readback sleep estimate, with made-up times (no GPU). */
import { describe, expect, it } from 'vitest';
import { ReadbackWait, WAKE_FRACTION } from './readback-wait.ts';

/** Simulates reads of a step whose GPU work takes `gpuMs`: the reader sleeps until wakeAt, then waits. */
function simulate(wait: ReadbackWait, kind: string, gpuMs: number, reads: number): number[] {
  const wakes: number[] = [];
  for (let i = 0; i < reads; i++) {
    const since = 1000 * i;
    const wake = wait.wakeAt(kind, since) ?? since;
    const done = Math.max(wake, since + gpuMs) + 0.1;
    wakes.push(wake - since);
    wait.record(kind, since, wake, done);
  }
  return wakes;
}

describe('readback wait', () => {
  it('skips the first read and learns from the second', () => {
    const wait = new ReadbackWait();
    wait.record('step', 0, 0, 500);
    expect(wait.estimateMs('step')).toBe(0);
    expect(wait.wakeAt('step', 0)).toBeNull();
    wait.record('step', 1000, 1000, 1060);
    expect(wait.estimateMs('step')).toBe(60);
    expect(wait.wakeAt('step', 2000)).toBe(2000 + WAKE_FRACTION * 60);
  });

  it('wakes before the GPU finishes once settled', () => {
    const wakes = simulate(new ReadbackWait(), 'step', 60, 30);
    const settled = wakes.slice(-10);
    for (const wake of settled) {
      expect(wake).toBeGreaterThan(35);
      expect(wake).toBeLessThanOrEqual(60);
    }
  });

  it('shortens an estimate after the work gets faster', () => {
    const wait = new ReadbackWait();
    simulate(wait, 'step', 100, 10);
    const before = wait.estimateMs('step');
    const wakes = simulate(wait, 'step', 40, 30);
    expect(wait.estimateMs('step')).toBeLessThan(before / 1.5);
    expect(wakes[wakes.length - 1]).toBeLessThanOrEqual(40);
  });

  it('limits the rise after one stalled read', () => {
    const wait = new ReadbackWait();
    simulate(wait, 'step', 60, 10);
    const before = wait.estimateMs('step');
    // A read that took 2 s (a pause before it) moves the estimate by at most 20%.
    wait.record('step', 0, 45, 2000);
    expect(wait.estimateMs('step')).toBeLessThanOrEqual(1.2 * before + 1e-9);
  });

  it('keeps separate estimates per kind of step', () => {
    const wait = new ReadbackWait();
    simulate(wait, 'forward+backward+optimizer', 80, 5);
    simulate(wait, 'forward', 20, 5);
    expect(wait.estimateMs('forward+backward+optimizer')).toBeGreaterThan(60);
    expect(wait.estimateMs('forward')).toBeLessThan(25);
    expect(wait.estimateMs('backward')).toBe(0);
  });
});
