/**
 * Work limits for grading one pair. gradeAnswer is synchronous and cannot be interrupted, so every
 * loop that grows with the input calls `tick()`, which counts steps and checks the clock.
 */

export class GradeTimeout extends Error {
  constructor(limitMs: number) {
    super(`grading took longer than ${limitMs} ms`);
    this.name = 'GradeTimeout';
  }
}

/** Inputs longer than this (after normalization) are compared as strings only. */
export const MAX_PARSE_CHARS = 4000;
/** Deepest bracket nesting the parsers accept; deeper input is "unparsed", which also keeps recursion off the stack limit. */
export const MAX_NESTING = 60;

export class Budget {
  private steps = 0;
  private readonly deadline: number;

  constructor(readonly limitMs: number) {
    this.deadline = performance.now() + limitMs;
  }

  /** Counts one unit of work; checks the clock every 64 units and throws GradeTimeout past the deadline. */
  tick(): void {
    if ((++this.steps & 63) === 0) this.check();
  }

  check(): void {
    if (performance.now() > this.deadline) throw new GradeTimeout(this.limitMs);
  }

  remainingMs(): number {
    return this.deadline - performance.now();
  }
}
