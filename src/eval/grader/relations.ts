/**
 * Relations and sets of reals. This module reads the value out of `x = 3` or `k = 1 + 2 = 3` and
 * compares equations up to a constant factor (`2x + 4y - 3 = 0` is `y = -\frac12 x + \frac34`). It
 * also turns one-variable linear inequalities and intervals into one normalized list of intervals,
 * so that `x \ge 5`, `5 \le x` and `[5, \infty)` compare equal.
 */
import type { Budget } from './budget.ts';
import { arithmetic, compareValues, evaluate, exactValue, type Comparison, type Tolerance, type Value } from './evaluate.ts';
import type { Expr } from './expression.ts';
import { samplePoints, symbolsOf } from './sampling.ts';
import { rational, ZERO } from './rational.ts';
import type { Answer, RelationOp } from './structure.ts';

/**
 * A left side that only names what the answer is: a variable (`x`, `a_1`, `\theta`), a short
 * segment or point name (`AB`), a function value (`f(3)`, `P(A)`), an angle (`\angle ABC`) or a
 * tuple of variables (`(x, y)`).
 */
export function isNamingSide(side: Answer): boolean {
  const text = sideText(side);
  return /^((\\[a-zA-Z]+|[a-zA-Z]{1,3})(_\{?\w+\}?)?'*(\^\{-1\})?(\([^()]*\))?|m?\\angle ?[A-Z]{1,3}|\\overline\{[A-Z]{1,3}\}|\([a-zA-Z](_\w)?(,[a-zA-Z](_\w)?)+\))$/.test(text) && !/^\\(sin|cos|tan|log|ln|sqrt|frac|pi|infty)/.test(text);
}

/** The normalized source text of a relation side, or '' when it has none. */
export function sideText(side: Answer): string {
  return side.kind === 'expr' || side.kind === 'tuple' || side.kind === 'text' ? side.text : '';
}

function hasSymbols(answer: Answer): boolean {
  return answer.kind === 'expr' && symbolsOf(answer.expr).length > 0;
}

/**
 * Returns the value a relation states when it is an assignment: `x = 3` → 3, `z = 1 + 1 = 2` → 2,
 * `\frac{1}{3} \approx 0.33` → 1/3, `3 + 4 = 7` → 7. Returns null for genuine equations (`x + y = 5`)
 * and for inequalities.
 */
export function assignedValue(relation: Extract<Answer, { kind: 'relation' }>): Answer | null {
  const { parts, ops } = relation;
  if (!ops.every((op) => op === '=' || op === '~')) return null;
  // An approximation after an exact value is commentary: take the value before the first ≈.
  const approx = ops.indexOf('~');
  const last = approx > 0 ? parts[approx] : parts[parts.length - 1];
  if (isNamingSide(parts[0])) return last;
  if (parts.length > 2 || !hasSymbols(parts[0])) return hasSymbols(last) && parts.length === 2 ? null : last;
  return null;
}

function difference(relation: Extract<Answer, { kind: 'relation' }>): Expr | null {
  if (relation.parts.length !== 2 || relation.ops[0] !== '=') return null;
  const [left, right] = relation.parts;
  if (left.kind !== 'expr' || right.kind !== 'expr') return null;
  return { k: 'sub', a: left.expr, b: right.expr };
}

/** Equations with the same solution set up to a non-zero constant factor: (lhs₁ − rhs₁) / (lhs₂ − rhs₂) is constant. */
export function compareEquations(gold: Extract<Answer, { kind: 'relation' }>, pred: Extract<Answer, { kind: 'relation' }>, budget: Budget, tolerance: Tolerance): Comparison {
  const f = difference(gold);
  const g = difference(pred);
  if (!f || !g) return 'undecided';
  const symbols = symbolsOf(f, g);
  if (symbols.length === 0) return 'undecided';
  let first: Value | null = null;
  let agreed = 0;
  for (const point of samplePoints(symbols)) {
    const a = evaluate(f, point, budget);
    const b = evaluate(g, point, budget);
    if (Number.isNaN(a.approx) && Number.isNaN(b.approx)) continue;
    if (Number.isNaN(a.approx) !== Number.isNaN(b.approx)) return 'different';
    const aZero = compareValues(a, ZERO_VALUE, tolerance) === 'equal';
    const bZero = compareValues(b, ZERO_VALUE, tolerance) === 'equal';
    if (aZero && bZero) continue;
    if (aZero !== bZero) return 'different';
    const ratio = arithmetic('div', a, b);
    if (first === null) {
      first = ratio;
      agreed++;
      continue;
    }
    const comparison = compareValues(first, ratio, tolerance);
    if (comparison === 'different') return 'different';
    if (comparison === 'equal') agreed++;
  }
  return agreed >= 2 ? 'equal' : 'undecided';
}

export interface Interval {
  low: Value;
  high: Value;
  lowClosed: boolean;
  highClosed: boolean;
}

const ZERO_VALUE = exactValue(ZERO);
const NEG_INF: Value = { exact: null, approx: -Infinity };
const POS_INF: Value = { exact: null, approx: Infinity };

function constantValue(answer: Answer, budget: Budget): Value | null {
  if (answer.kind !== 'expr' || symbolsOf(answer.expr).length > 0) return null;
  const value = evaluate(answer.expr, new Map(), budget);
  return Number.isNaN(value.approx) || value.overflow ? null : value;
}

function less(a: Value, b: Value, tolerance: Tolerance): boolean {
  return compareValues(a, b, tolerance) !== 'equal' && a.approx < b.approx;
}

/** Solves `left op right` for its one variable when `left − right` is linear in it; null otherwise. */
function solveLinear(left: Expr, right: Expr, op: RelationOp, variable: string, budget: Budget): Interval[] | null {
  const f: Expr = { k: 'sub', a: left, b: right };
  const at = (x: bigint, d = 1n) => evaluate(f, new Map([[variable, rational(x, d)]]), budget);
  const f0 = at(0n);
  const f1 = at(1n);
  const f3 = at(3n);
  const fThird = at(1n, 3n);

  const slope = f1.approx - f0.approx;
  if (![f0, f1, f3, fThird].every((v) => Number.isFinite(v.approx)) || slope === 0) return null;
  // Linear: f(3) = f(0) + 3·slope and f(1/3) = f(0) + slope/3.
  const scale = Math.max(Math.abs(f0.approx), Math.abs(slope), 1);
  if (Math.abs(f3.approx - (f0.approx + 3 * slope)) > 1e-9 * scale || Math.abs(fThird.approx - (f0.approx + slope / 3)) > 1e-9 * scale) return null;
  const root = arithmetic('div', arithmetic('sub', ZERO_VALUE, f0), arithmetic('sub', f1, f0));

  // f(x) op 0 with f increasing is x op root; a decreasing f flips the direction.
  let direction = op;
  if (slope < 0) direction = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, RelationOp>)[op] ?? op;
  switch (direction) {
    case '<':
      return [{ low: NEG_INF, high: root, lowClosed: false, highClosed: false }];
    case '<=':
      return [{ low: NEG_INF, high: root, lowClosed: false, highClosed: true }];
    case '>':
      return [{ low: root, high: POS_INF, lowClosed: false, highClosed: false }];
    case '>=':
      return [{ low: root, high: POS_INF, lowClosed: true, highClosed: false }];
    case '!=':
      return [
        { low: NEG_INF, high: root, lowClosed: false, highClosed: false },
        { low: root, high: POS_INF, lowClosed: false, highClosed: false },
      ];
    case '=':
      return [{ low: root, high: root, lowClosed: true, highClosed: true }];
    default:
      return null;
  }
}

function intersect(a: Interval[], b: Interval[], tolerance: Tolerance): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      // The intersection starts at the larger low end and stops at the smaller high end.
      let low = x.low.approx > y.low.approx ? x.low : y.low;
      let lowClosed = low === x.low ? x.lowClosed : y.lowClosed;
      if (compareValues(x.low, y.low, tolerance) === 'equal') {
        low = x.low;
        lowClosed = x.lowClosed && y.lowClosed;
      }
      let high = x.high.approx < y.high.approx ? x.high : y.high;
      let highClosed = high === x.high ? x.highClosed : y.highClosed;
      if (compareValues(x.high, y.high, tolerance) === 'equal') {
        high = x.high;
        highClosed = x.highClosed && y.highClosed;
      }
      if (less(low, high, tolerance) || (compareValues(low, high, tolerance) === 'equal' && lowClosed && highClosed)) out.push({ low, high, lowClosed, highClosed });
    }
  }
  return out;
}

/** Sorts intervals and merges those that overlap or touch at a closed end. */
function normalizeIntervals(intervals: Interval[], tolerance: Tolerance): Interval[] {
  const sorted = [...intervals].sort((x, y) => x.low.approx - y.low.approx || Number(y.lowClosed) - Number(x.lowClosed));
  const out: Interval[] = [];
  for (const next of sorted) {
    const last = out[out.length - 1];
    if (last) {
      const touch = compareValues(last.high, next.low, tolerance) === 'equal';
      if (less(next.low, last.high, tolerance) || (touch && (last.highClosed || next.lowClosed))) {
        const highCmp = compareValues(next.high, last.high, tolerance);
        if (highCmp === 'equal') last.highClosed ||= next.highClosed;
        else if (next.high.approx > last.high.approx) {
          last.high = next.high;
          last.highClosed = next.highClosed;
        }
        continue;
      }
    }
    out.push({ ...next });
  }
  return out;
}

/**
 * The answer as a set of real numbers, when it is one: an interval, a union, a set of numbers, or an
 * inequality in one variable. Returns null for anything else (a point in the plane is not a set of reals).
 */
export function realSet(answer: Answer, budget: Budget, tolerance: Tolerance): Interval[] | null {
  switch (answer.kind) {
    case 'tuple': {
      if (answer.items.length !== 2) return null;
      const low = constantValue(answer.items[0], budget);
      const high = constantValue(answer.items[1], budget);
      if (!low || !high || !(low.approx <= high.approx)) return null;
      return normalizeIntervals([{ low, high, lowClosed: answer.open === '[', highClosed: answer.close === ']' }], tolerance);
    }
    case 'set': {
      const points = answer.items.map((item) => constantValue(item, budget));
      if (points.some((p) => p === null)) return null;
      return normalizeIntervals(points.map((p) => ({ low: p!, high: p!, lowClosed: true, highClosed: true })), tolerance);
    }
    case 'union': {
      const parts = answer.parts.map((part) => realSet(part, budget, tolerance));
      if (parts.some((p) => p === null)) return null;
      return normalizeIntervals(parts.flat() as Interval[], tolerance);
    }
    case 'relation':
      return inequalitySet(answer, budget, tolerance);
    default:
      return null;
  }
}

function inequalitySet(relation: Extract<Answer, { kind: 'relation' }>, budget: Budget, tolerance: Tolerance): Interval[] | null {
  if (relation.ops.some((op) => op === '~') || relation.ops.every((op) => op === '=')) return null;
  const exprs = relation.parts.map((part) => (part.kind === 'expr' ? part.expr : null));
  if (exprs.some((e) => e === null)) return null;
  const symbols = symbolsOf(...(exprs as Expr[]));
  if (symbols.length !== 1) return null;
  // In a chain one side must be the variable itself (-2 \le x < 7); f(2) < f(1) < f(4) is not about f.
  if (exprs.length > 2 && !exprs.some((e) => e!.k === 'sym')) return null;
  let result: Interval[] = [{ low: NEG_INF, high: POS_INF, lowClosed: false, highClosed: false }];
  for (let i = 0; i < relation.ops.length; i++) {
    const solved = solveLinear(exprs[i]!, exprs[i + 1]!, relation.ops[i], symbols[0], budget);
    if (!solved) return null;
    result = intersect(result, solved, tolerance);
  }
  // An inequality with no solution is more likely a statement than a set; leave it to the structural comparison.
  return result.length ? normalizeIntervals(result, tolerance) : null;
}

export function compareRealSets(a: Interval[], b: Interval[], tolerance: Tolerance): Comparison {
  if (a.length !== b.length) return 'different';
  for (let i = 0; i < a.length; i++) {
    if (a[i].lowClosed !== b[i].lowClosed || a[i].highClosed !== b[i].highClosed) return 'different';
    if (compareValues(a[i].low, b[i].low, tolerance) !== 'equal' || compareValues(a[i].high, b[i].high, tolerance) !== 'equal') return 'different';
  }
  return 'equal';
}
