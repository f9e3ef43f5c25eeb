/**
 * The symbolic fallback: @cortex-js/compute-engine parses LaTeX beyond the subset that
 * expression.ts reads (\Gamma, \operatorname, \cdots…) and decides equality with `isEqual`, or by
 * numeric evaluation at sample points when `isEqual` cannot decide. It costs about a millisecond a
 * pair, so gradeAnswer reaches it only after its own parser failed or could not decide.
 */
import { ComputeEngine } from '@cortex-js/compute-engine';
import type { Budget } from './budget.ts';
import { compareValues, type Comparison, type Tolerance } from './evaluate.ts';
import { samplePoints } from './sampling.ts';
import { toNumber } from './rational.ts';

/** Maximum input length handed to the compute engine, whose parser and simplifier our budget cannot interrupt. */
const MAX_ENGINE_CHARS = 400;
const MAX_ENGINE_NESTING = 20;
/** The engine needs this much of the time budget left; its first call in a process takes tens of milliseconds. */
const MIN_REMAINING_MS = 5;

let engine: ComputeEngine | null = null;

function getEngine(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

type BoxedExpression = NonNullable<ReturnType<ComputeEngine['parse']>>;

/**
 * Runs `work` with console.error silenced. The engine (0.140) reports expressions it cannot
 * canonicalize with console.error and then carries on; for untrusted model output that would flood
 * the log, and the grader already turns such input into an "unparsed" verdict. The call is
 * synchronous, so nothing else logs in between.
 */
function quietly<T>(work: () => T): T {
  const error = console.error;
  console.error = () => {};
  try {
    return work();
  } finally {
    console.error = error;
  }
}

function numericValue(expr: BoxedExpression): number {
  const value = expr.N();
  const re = value.re;
  const im = value.im;
  if (typeof re !== 'number' || Number.isNaN(re)) return NaN;
  // A value with an imaginary part is outside the reals, where the rest of the grader works.
  return typeof im === 'number' && Math.abs(im) > 1e-12 * Math.max(1, Math.abs(re)) ? NaN : re;
}

function bracesBalanced(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Compares two normalized answers with the compute engine; 'undecided' when it cannot parse or decide. */
export function compareWithEngine(gold: string, pred: string, budget: Budget, tolerance: Tolerance, nesting: number): Comparison {
  return quietly(() => compareQuietly(gold, pred, budget, tolerance, nesting));
}

function compareQuietly(gold: string, pred: string, budget: Budget, tolerance: Tolerance, nesting: number): Comparison {
  if (gold.length > MAX_ENGINE_CHARS || pred.length > MAX_ENGINE_CHARS || nesting > MAX_ENGINE_NESTING) return 'undecided';
  if (budget.remainingMs() < MIN_REMAINING_MS) return 'undecided';
  // The engine evaluates exactly and cannot be interrupted: no factorials, sums, products, integrals
  // or limits, and no numbers beyond 8 digits.
  const unbounded = /!|\d{9}|\\(sum|prod|int|iint|iiint|oint|lim|operatorname)(?![a-zA-Z])/;
  if (unbounded.test(gold) || unbounded.test(pred)) return 'undecided';
  // Unbalanced braces cannot parse anywhere; skip the engine's slow error recovery.
  if (!bracesBalanced(gold) || !bracesBalanced(pred)) return 'undecided';
  const ce = getEngine();
  let a: BoxedExpression | null;
  let b: BoxedExpression | null;
  try {
    a = ce.parse(gold);
    b = ce.parse(pred);
  } catch {
    return 'undecided';
  }
  if (!a || !b || !a.isValid || !b.isValid) return 'undecided';

  budget.check();
  try {
    const equal = a.isEqual(b);
    if (equal === true) return 'equal';
    if (equal === false) return 'different';
  } catch {
    // isEqual may throw on huge exact values (BigInt limits); fall through to numeric evaluation.
  }

  // isEqual could not decide: compare numeric values at the sample points.
  budget.check();
  const symbols = [...new Set([...a.unknowns, ...b.unknowns])].sort();
  const points = symbols.length === 0 ? [new Map()] : samplePoints(symbols);
  let agreed = 0;
  for (const point of points) {
    budget.check();
    const substitution = Object.fromEntries([...point].map(([name, value]) => [name, ce.number(toNumber(value))]));
    let x: number;
    let y: number;
    try {
      x = numericValue(symbols.length ? a.subs(substitution) : a);
      y = numericValue(symbols.length ? b.subs(substitution) : b);
    } catch {
      return 'undecided';
    }
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (Number.isNaN(x) !== Number.isNaN(y)) return 'different';
    if (compareValues({ exact: null, approx: x }, { exact: null, approx: y }, tolerance) === 'different') return 'different';
    agreed++;
  }
  return agreed >= (symbols.length ? 2 : 1) ? 'equal' : 'undecided';
}
