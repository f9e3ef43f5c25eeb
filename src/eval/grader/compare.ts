/**
 * Structural comparison of a gold answer with a predicted one, both parsed by structure.ts. Tuples,
 * points and intervals are ordered and their brackets must agree; sets and bare lists of solutions
 * are order-free; matrices compare entry by entry; relations compare by the value they assign, as
 * equations up to a constant factor, or as sets of reals.
 */
import type { Budget } from './budget.ts';
import { compareValues, evaluate, type Comparison, type Tolerance, type Value } from './evaluate.ts';
import type { Expr } from './expression.ts';
import { assignedValue, compareEquations, compareRealSets, isNamingSide, realSet, sideText } from './relations.ts';
import { compareExpressions, symbolsOf } from './sampling.ts';
import { describeAnswer, type Answer } from './structure.ts';

export type Method = 'string' | 'numeric' | 'symbolic' | 'structure';

export interface Outcome {
  result: Comparison;
  method: Method;
  detail?: string;
}

export interface CompareContext {
  budget: Budget;
  tolerance: Tolerance;
  /** Compare bare lists in order (the question asked for an order); sets stay order-free. */
  orderedLists: boolean;
}

const different = (method: Method, detail?: string): Outcome => ({ result: 'different', method, detail });

/** Readings of a leaf expression: as written, and without a trailing % or ° (50% may stand for 50 or for 0.5). */
function unitReadings(expr: Expr): Expr[] {
  if (expr.k === 'fn' && (expr.name === 'percent' || expr.name === 'degrees')) return [expr, expr.args[0]];
  return [expr];
}

function numeralDigits(expr: Expr): string | null {
  if (expr.k === 'based') return expr.digits.toUpperCase().replace(/^0+(?=[0-9A-Z])/, '');
  if (expr.k === 'num' && expr.decimals === 0) return expr.text.replace(/^0+(?=\d)/, '');
  return null;
}

function compareLeaves(gold: Expr, pred: Expr, ctx: CompareContext): Outcome {
  // A numeral with a base subscript matches the same digits written without it (204_5 and 204),
  // because the question already names the base. Numerals in two different bases compare by value.
  if ((gold.k === 'based') !== (pred.k === 'based')) {
    const a = numeralDigits(gold);
    const b = numeralDigits(pred);
    if (a !== null && b !== null) return a === b ? { result: 'equal', method: 'string' } : different('numeric', `digits ${a} vs ${b}`);
  }
  let undecided = false;
  let symbolic = false;
  for (const g of unitReadings(gold)) {
    for (const p of unitReadings(pred)) {
      // Without % on either side, 50 and 0.5 are different numbers; the bare readings pair only with a marked side.
      if (g !== gold && p !== pred) continue;
      const comparison = compareExpressions(g, p, ctx.budget, ctx.tolerance);
      symbolic ||= comparison.symbolic;
      if (comparison.result === 'equal') return { result: 'equal', method: comparison.symbolic ? 'symbolic' : 'numeric' };
      if (comparison.result === 'undecided') undecided = true;
    }
  }
  const method = symbolic ? 'symbolic' : 'numeric';
  return undecided ? { result: 'undecided', method, detail: 'value could not be evaluated' } : different(method);
}

/** Compares item lists in order. */
function compareOrdered(gold: Answer[], pred: Answer[], ctx: CompareContext): Outcome {
  if (gold.length !== pred.length) return different('structure', `${gold.length} entries vs ${pred.length}`);
  let undecided = false;
  for (let i = 0; i < gold.length; i++) {
    const outcome = compareAnswers(gold[i], pred[i], ctx);
    if (outcome.result === 'different') return different('structure', `entry ${i + 1} differs`);
    if (outcome.result === 'undecided') undecided = true;
  }
  return { result: undecided ? 'undecided' : 'equal', method: 'structure' };
}

/** Values of items that are all constant expressions, or null when one has a variable or no finite value. */
function constantValues(items: Answer[], ctx: CompareContext): Value[] | null {
  const values: Value[] = [];
  for (const item of items) {
    if (item.kind !== 'expr' || symbolsOf(item.expr).length > 0) return null;
    const value = evaluate(item.expr, new Map(), ctx.budget);
    if (!Number.isFinite(value.approx) || value.overflow) return null;
    values.push(value);
  }
  return values;
}

/** Lists of numbers compare as sorted lists: O(n log n) instead of a matching over all pairs. */
function compareSortedValues(gold: Value[], pred: Value[], ctx: CompareContext): Comparison {
  const byValue = (a: Value, b: Value) => a.approx - b.approx;
  const a = [...gold].sort(byValue);
  const b = [...pred].sort(byValue);
  for (let i = 0; i < a.length; i++) {
    ctx.budget.tick();
    if (compareValues(a[i], b[i], ctx.tolerance) !== 'equal') return 'different';
  }
  return 'equal';
}

/** Compares item lists as multisets: a perfect matching of equivalent items (Kuhn's augmenting paths). */
function compareUnordered(gold: Answer[], pred: Answer[], ctx: CompareContext): Outcome {
  if (gold.length !== pred.length) return different('structure', `${gold.length} answers vs ${pred.length}`);
  const n = gold.length;
  const goldValues = n > 8 ? constantValues(gold, ctx) : null;
  const predValues = goldValues && constantValues(pred, ctx);
  if (goldValues && predValues) {
    const result = compareSortedValues(goldValues, predValues, ctx);
    // Percent or base-numeral readings can still pair values that sort apart; only short lists get the full matching.
    if (result === 'equal' || n > 50) return { result, method: 'structure' };
  }
  const equal: boolean[][] = gold.map((g) => pred.map((p) => compareAnswers(g, p, ctx).result === 'equal'));
  const matchOfPred = new Array<number>(n).fill(-1);
  const augment = (g: number, seen: boolean[]): boolean => {
    for (let p = 0; p < n; p++) {
      if (!equal[g][p] || seen[p]) continue;
      seen[p] = true;
      if (matchOfPred[p] < 0 || augment(matchOfPred[p], seen)) {
        matchOfPred[p] = g;
        return true;
      }
    }
    return false;
  };
  for (let g = 0; g < n; g++) {
    ctx.budget.tick();
    if (!augment(g, new Array<boolean>(n).fill(false))) return different('structure', 'no matching answer for every gold answer');
  }
  return { result: 'equal', method: 'structure' };
}

function matrixAsVector(matrix: Extract<Answer, { kind: 'matrix' }>): Answer[] | null {
  if (matrix.rows.every((row) => row.length === 1)) return matrix.rows.map((row) => row[0]);
  if (matrix.rows.length === 1) return matrix.rows[0];
  return null;
}

function compareRelations(gold: Extract<Answer, { kind: 'relation' }>, pred: Extract<Answer, { kind: 'relation' }>, ctx: CompareContext): Outcome {
  const goldValue = assignedValue(gold);
  const predValue = assignedValue(pred);
  // a = 1 and b = 1 state the same value of different things; they match only as equations (x = y, y = x).
  const sameName = !isNamingSide(gold.parts[0]) || !isNamingSide(pred.parts[0]) || sideText(gold.parts[0]) === sideText(pred.parts[0]);
  if (goldValue && predValue && sameName) {
    const outcome = compareAnswers(goldValue, predValue, ctx);
    if (outcome.result === 'equal') return outcome;
  }
  const equations = compareEquations(gold, pred, ctx.budget, ctx.tolerance);
  if (equations === 'equal') return { result: 'equal', method: 'symbolic' };
  const goldSet = realSet(gold, ctx.budget, ctx.tolerance);
  const predSet = realSet(pred, ctx.budget, ctx.tolerance);
  if (goldSet && predSet) return { result: compareRealSets(goldSet, predSet, ctx.tolerance), method: 'structure' };
  // Other relation chains (f(2) < f(1) < f(4)) match when their operators and sides match.
  if (gold.ops.length === pred.ops.length && gold.ops.every((op, i) => op === pred.ops[i])) {
    const outcome = compareOrdered(gold.parts, pred.parts, ctx);
    if (outcome.result === 'equal') return outcome;
  }
  return different('structure', 'relations differ');
}

/** Divides a ratio's terms by its last term (2:4 → 1/2), so that proportional ratios compare equal. */
function ratioTerms(answer: Answer): Expr[] | null {
  if (answer.kind === 'expr') return [answer.expr];
  if (answer.kind !== 'ratio') return null;
  const last = answer.terms[answer.terms.length - 1];
  return answer.terms.slice(0, -1).map((term) => ({ k: 'div', a: term, b: last }) as Expr);
}

function compareRatios(gold: Answer, pred: Answer, ctx: CompareContext): Outcome {
  const a = ratioTerms(gold);
  const b = ratioTerms(pred);
  if (!a || !b || a.length !== b.length) return different('structure', `gold is a ${describeAnswer(gold)}, prediction a ${describeAnswer(pred)}`);
  return compareOrdered(
    a.map((expr) => ({ kind: 'expr', expr, text: '' })),
    b.map((expr) => ({ kind: 'expr', expr, text: '' })),
    ctx,
  );
}

/** Compares a gold answer with a predicted answer. */
export function compareAnswers(gold: Answer, pred: Answer, ctx: CompareContext): Outcome {
  ctx.budget.tick();
  if (gold.kind === 'either' || pred.kind === 'either') {
    const golds = gold.kind === 'either' ? gold.options : [gold];
    const preds = pred.kind === 'either' ? pred.options : [pred];
    let last: Outcome = different('structure');
    for (const g of golds) {
      for (const p of preds) {
        last = compareAnswers(g, p, ctx);
        if (last.result === 'equal') return last;
      }
    }
    return last;
  }

  // Relations: a stated value (x = 3) against a bare answer, or two relations.
  if (gold.kind === 'relation' && pred.kind === 'relation') return compareRelations(gold, pred, ctx);
  if (gold.kind === 'relation' || pred.kind === 'relation') {
    const relation = (gold.kind === 'relation' ? gold : pred) as Extract<Answer, { kind: 'relation' }>;
    const value = assignedValue(relation);
    if (value) return gold === relation ? compareAnswers(value, pred, ctx) : compareAnswers(gold, value, ctx);
    const goldSet = realSet(gold, ctx.budget, ctx.tolerance);
    const predSet = goldSet && realSet(pred, ctx.budget, ctx.tolerance);
    if (goldSet && predSet) return { result: compareRealSets(goldSet, predSet, ctx.tolerance), method: 'structure' };
    return different('structure', `gold is a ${describeAnswer(gold)}, prediction a ${describeAnswer(pred)}`);
  }

  if (gold.kind === 'expr' && pred.kind === 'expr') return compareLeaves(gold.expr, pred.expr, ctx);
  if (gold.kind === 'ratio' || pred.kind === 'ratio') return compareRatios(gold, pred, ctx);
  if (gold.kind === 'text' || pred.kind === 'text') {
    if (gold.kind === 'text' && pred.kind === 'text') return gold.text === pred.text ? { result: 'equal', method: 'string' } : different('string');
    return different('string', `gold is ${describeAnswer(gold)}, prediction ${describeAnswer(pred)}`);
  }

  // Unions of intervals compare as sets of reals (order-free, merged); otherwise part by part.
  if (gold.kind === 'union' || pred.kind === 'union') {
    const goldSet = realSet(gold, ctx.budget, ctx.tolerance);
    const predSet = goldSet && realSet(pred, ctx.budget, ctx.tolerance);
    if (goldSet && predSet) return { result: compareRealSets(goldSet, predSet, ctx.tolerance), method: 'structure' };
    if (gold.kind === 'union' && pred.kind === 'union') return compareUnordered(gold.parts, pred.parts, ctx);
    return different('structure', `gold is a ${describeAnswer(gold)}, prediction a ${describeAnswer(pred)}`);
  }

  if (gold.kind === 'tuple' && pred.kind === 'tuple') {
    if (gold.open !== pred.open || gold.close !== pred.close) return different('structure', `brackets ${gold.open}…${gold.close} vs ${pred.open}…${pred.close}`);
    return compareOrdered(gold.items, pred.items, ctx);
  }
  if (gold.kind === 'matrix' && pred.kind === 'matrix') {
    if (gold.rows.length !== pred.rows.length || gold.rows.some((row, i) => row.length !== pred.rows[i].length)) return different('structure', 'matrix shapes differ');
    return compareOrdered(gold.rows.flat(), pred.rows.flat(), ctx);
  }
  // A column or row vector matches the same entries written as a tuple.
  if ((gold.kind === 'matrix' && pred.kind === 'tuple') || (gold.kind === 'tuple' && pred.kind === 'matrix')) {
    const matrix = (gold.kind === 'matrix' ? gold : pred) as Extract<Answer, { kind: 'matrix' }>;
    const tuple = (gold.kind === 'tuple' ? gold : pred) as Extract<Answer, { kind: 'tuple' }>;
    const vector = matrixAsVector(matrix);
    if (!vector || tuple.open !== '(' || tuple.close !== ')') return different('structure', 'matrix vs tuple');
    return gold === matrix ? compareOrdered(vector, tuple.items, ctx) : compareOrdered(tuple.items, vector, ctx);
  }

  // Sets and bare lists of answers are order-free, unless the question asked for an order.
  if (gold.kind === 'list' && pred.kind === 'list' && ctx.orderedLists) return compareOrdered(gold.items, pred.items, ctx);
  if ((gold.kind === 'set' || gold.kind === 'list') && (pred.kind === 'set' || pred.kind === 'list')) return compareUnordered(gold.items, pred.items, ctx);
  // The prediction dropped the parentheses of a point: (1, 2) vs 1, 2 keeps the order.
  if (gold.kind === 'tuple' && pred.kind === 'list') {
    if (gold.open !== '(' || gold.close !== ')') return different('structure', 'interval vs list');
    return compareOrdered(gold.items, pred.items, ctx);
  }
  // All solutions written in parentheses: order-free.
  if (gold.kind === 'list' && pred.kind === 'tuple') {
    if (pred.open !== '(' || pred.close !== ')') return different('structure', 'list vs interval');
    return compareUnordered(gold.items, pred.items, ctx);
  }
  // A one-element set or list against a single value: {5} and 5.
  if ((gold.kind === 'set' || gold.kind === 'list') && gold.items.length === 1 && pred.kind === 'expr') return compareAnswers(gold.items[0], pred, ctx);
  if ((pred.kind === 'set' || pred.kind === 'list') && pred.items.length === 1 && gold.kind === 'expr') return compareAnswers(gold, pred.items[0], ctx);
  return different('structure', `gold is a ${describeAnswer(gold)}, prediction a ${describeAnswer(pred)}`);
}
