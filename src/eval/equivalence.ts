/**
 * Equivalence grading of math answers, for Node and the browser. gradeAnswer(gold, pred) decides in
 * cheap steps first: equal strings, equal normalized strings (normalize.ts), then the parsed
 * structure with exact numeric and sampled symbolic comparison (structure.ts, compare.ts), and only
 * then the compute engine (symbolic.ts). Every call is bounded by a time limit and by input size and
 * nesting limits, so pathological input yields "unparsed" or "timeout", never a hang or a throw.
 */
import { Budget, GradeTimeout, MAX_NESTING, MAX_PARSE_CHARS } from './grader/budget.ts';
import { compareAnswers, type Outcome } from './grader/compare.ts';
import { ParseError } from './grader/expression.ts';
import { nestingDepth } from './grader/latex.ts';
import { normalizeAnswer } from './grader/normalize.ts';
import { RationalTooLarge } from './grader/rational.ts';
import { parseAnswer, type Answer } from './grader/structure.ts';
import { compareWithEngine } from './grader/symbolic.ts';

export { normalizeAnswer } from './grader/normalize.ts';

export interface Verdict {
  equivalent: boolean;
  /** How the verdict was reached; 'unparsed' and 'timeout' are always not equivalent. */
  method: 'string' | 'numeric' | 'symbolic' | 'structure' | 'unparsed' | 'timeout';
  detail?: string;
}

export interface GradeOptions {
  /** Wall-clock limit for one pair, in milliseconds (default 500). Input size and nesting limits bound the work first. */
  timeLimitMs?: number;
  /** Relative tolerance for comparisons that involve an irrational value (default 1e-6). Exact rationals compare exactly. */
  relTol?: number;
  /**
   * Compare comma-separated answers ("2, 3") in order. By default they are all solutions and
   * order-free, unless `question` asks for an order ("in increasing order").
   */
  orderedLists?: boolean;
  /** The problem statement; used only to tell whether a list of answers must be in order. */
  question?: string;
}

export const DEFAULT_TIME_LIMIT_MS = 500;
export const DEFAULT_REL_TOL = 1e-6;
/** Answers longer than this are not normalized or parsed (extracted answers are short; this is runaway output). */
export const MAX_INPUT_CHARS = 20_000;

const ORDER_REQUEST = /\b(in (increasing|decreasing|ascending|descending|that|the same) order|in order|from (least|smallest|lowest) to (greatest|largest|highest)|from (greatest|largest|highest) to (least|smallest|lowest)|ordered (pair|triple|list))\b/i;

/** True when a question asks for its answers in a particular order. */
export function questionAsksForOrder(question: string): boolean {
  return ORDER_REQUEST.test(question);
}

function parseOrNull(text: string, budget: Budget): { answer: Answer | null; error?: string } {
  try {
    return { answer: parseAnswer(text, budget) };
  } catch (error) {
    if (error instanceof ParseError || error instanceof RationalTooLarge) return { answer: null, error: error.message };
    throw error;
  }
}

function fromOutcome(outcome: Outcome): Verdict {
  return { equivalent: outcome.result === 'equal', method: outcome.method, ...(outcome.detail ? { detail: outcome.detail } : {}) };
}

/**
 * Grades a predicted answer against a gold answer. Both are final answers (already extracted, see
 * extract.ts); a null or empty prediction is not equivalent. Synchronous and pure.
 */
export function gradeAnswer(gold: string, pred: string | null, options: GradeOptions = {}): Verdict {
  if (pred === null || pred.trim() === '') return { equivalent: false, method: 'unparsed', detail: 'no predicted answer' };
  if (gold.trim() === pred.trim()) return { equivalent: true, method: 'string' };
  if (gold.length > MAX_INPUT_CHARS || pred.length > MAX_INPUT_CHARS) return { equivalent: false, method: 'unparsed', detail: `answer longer than ${MAX_INPUT_CHARS} characters` };
  if (nestingDepth(gold) > 2 * MAX_NESTING || nestingDepth(pred) > 2 * MAX_NESTING) return { equivalent: false, method: 'unparsed', detail: `answer nested deeper than ${MAX_NESTING} levels` };
  const budget = new Budget(options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
  const tolerance = { relTol: options.relTol ?? DEFAULT_REL_TOL };
  const orderedLists = options.orderedLists ?? (options.question !== undefined && questionAsksForOrder(options.question));
  try {
    const g = normalizeAnswer(gold);
    const p = normalizeAnswer(pred);
    if (g === p) return { equivalent: true, method: 'string' };
    if (g === '' || p === '') return { equivalent: false, method: 'unparsed', detail: g === '' ? 'empty gold answer' : 'empty predicted answer' };
    if (g.length > MAX_PARSE_CHARS || p.length > MAX_PARSE_CHARS) return { equivalent: false, method: 'unparsed', detail: `answer longer than ${MAX_PARSE_CHARS} characters` };
    const nesting = Math.max(nestingDepth(g), nestingDepth(p));
    if (nesting > MAX_NESTING) return { equivalent: false, method: 'unparsed', detail: `answer nested deeper than ${MAX_NESTING} levels` };
    budget.check();

    const goldParse = parseOrNull(g, budget);
    const predParse = parseOrNull(p, budget);
    let outcome: Outcome | null = null;
    if (goldParse.answer && predParse.answer) {
      outcome = compareAnswers(goldParse.answer, predParse.answer, { budget, tolerance, orderedLists });
      if (outcome.result !== 'undecided') return fromOutcome(outcome);
    }
    // The compute engine reads what our parser could not; answers we parsed but could not decide
    // (overflow, undefined values) would only make it compute huge values without a time limit.
    if (!(goldParse.answer && predParse.answer) && goldParse.answer?.kind !== 'text' && predParse.answer?.kind !== 'text') {
      const engine = compareWithEngine(g, p, budget, tolerance, nesting);
      if (engine !== 'undecided') return { equivalent: engine === 'equal', method: 'symbolic', detail: 'compute-engine' };
    }
    const reason = outcome?.detail ?? goldParse.error ?? predParse.error ?? 'could not be compared';
    return { equivalent: false, method: 'unparsed', detail: reason };
  } catch (error) {
    if (error instanceof GradeTimeout) return { equivalent: false, method: 'timeout', detail: error.message };
    // Stack or BigInt limits (RangeError) and any other failure on odd input: a verdict, never a throw.
    return { equivalent: false, method: 'unparsed', detail: `grader error: ${(error as Error).message ?? String(error)}` };
  }
}

/** True when two answers are equivalent; the default equivalence for majority voting. */
export function answersEquivalent(a: string, b: string, options?: GradeOptions): boolean {
  return gradeAnswer(a, b, options).equivalent;
}
