/**
 * Reads the shape of a normalized answer: a number or expression, text, a tuple or interval, a set,
 * a bare list of answers, a union of intervals, a matrix, or a relation (x = 3, y = 2x + 1, x ≥ 5,
 * -2 ≤ x < 7). Items are parsed recursively, and ± expands into a list of both values.
 */
import { Budget, MAX_NESTING } from './budget.ts';
import { expandPlusMinus, ParseError, parseExpression, type Expr } from './expression.ts';
import { outerBrackets, splitTopLevel } from './latex.ts';
import { isTextAnswer } from './normalize.ts';

export type RelationOp = '=' | '<' | '<=' | '>' | '>=' | '!=' | '~';

export type Answer =
  | { kind: 'expr'; expr: Expr; text: string }
  | { kind: 'text'; text: string }
  /** Tuples, points, vectors and intervals: ordered, and the bracket kinds matter. */
  | { kind: 'tuple'; open: '(' | '['; close: ')' | ']'; items: Answer[]; text: string }
  | { kind: 'set'; items: Answer[] }
  /** Answers separated by commas or "and"/"or" with no brackets: all solutions, order-free. */
  | { kind: 'list'; items: Answer[] }
  | { kind: 'union'; parts: Answer[] }
  | { kind: 'matrix'; rows: Answer[][] }
  | { kind: 'relation'; parts: Answer[]; ops: RelationOp[] }
  /** A ratio a : b (: c …) of expressions. */
  | { kind: 'ratio'; terms: Expr[] }
  /** Two readings of one string, as "70,110" (seventy thousand … or the list 70, 110). */
  | { kind: 'either'; options: Answer[] };

/** Relation symbols, longest first so that `<=` is not read as `<`. */
const RELATIONS: [string, RelationOp][] = [
  ['\\leqslant', '<='], ['\\geqslant', '>='], ['\\leq', '<='], ['\\geq', '>='], ['\\neq', '!='], ['\\le', '<='], ['\\ge', '>='],
  ['\\ne', '!='], ['\\lt', '<'], ['\\gt', '>'], ['\\approx', '~'], ['\\simeq', '~'], ['<=', '<='], ['>=', '>='], ['!=', '!='],
  ['=', '='], ['<', '<'], ['>', '>'], ['≤', '<='], ['≥', '>='], ['≠', '!='], ['≈', '~'],
];
const RELATION_SYMBOLS = RELATIONS.map(([symbol]) => symbol);
const RELATION_OP = new Map(RELATIONS);

const EMPTY_SET = /^(\\emptyset|\\varnothing|\\\{\\\}|\{\}|∅|\\O)$/;
const REALS = /^(\\mathbb\{R\}|\\R|ℝ|\\mathbf\{R\}|\\text\{(allrealnumbers|allreals|reals|realnumbers)\}|\(-\\infty,\+?\\infty\))$/;
const MATRIX = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[^}]*\})?(.*)\\end\{\1\}$/s;

function infinity(sign: 1 | -1): Answer {
  const inf: Expr = { k: 'inf' };
  return { kind: 'expr', expr: sign > 0 ? inf : { k: 'neg', a: inf }, text: sign > 0 ? '\\infty' : '-\\infty' };
}

/** Parses a normalized answer into its structure; raises ParseError when some part is not understood. */
export function parseAnswer(text: string, budget: Budget, depth = 0): Answer {
  budget.tick();
  if (depth > MAX_NESTING) throw new ParseError('answer nested too deeply');
  const s = text.trim();
  if (s === '') throw new ParseError('empty answer part');
  if (EMPTY_SET.test(s)) return { kind: 'set', items: [] };
  if (REALS.test(s)) return { kind: 'tuple', open: '(', close: ')', items: [infinity(-1), infinity(1)], text: s };
  if (isTextAnswer(s)) return { kind: 'text', text: s.slice(6, -1) };

  const matrix = MATRIX.exec(s);
  if (matrix) return parseMatrix(matrix[2], budget, depth);

  const union = splitTopLevel(s, ['\\cup', '∪']);
  if (union.parts.length > 1) return { kind: 'union', parts: union.parts.map((part) => parseAnswer(part, budget, depth + 1)) };

  const items = splitTopLevel(s, [',', ';']);
  if (items.parts.length > 1) {
    const list: Answer = { kind: 'list', items: parseItems(items.parts, budget, depth) };
    // 70,110 may be a number with a thousands separator or two answers; 1,000 is only a number.
    if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) {
      const number = parseAnswer(s.replace(/,/g, ''), budget, depth + 1);
      return /,0/.test(s) ? number : { kind: 'either', options: [number, list] };
    }
    return list.items.length === 1 ? list.items[0] : list;
  }

  const relation = splitTopLevel(s, RELATION_SYMBOLS);
  if (relation.parts.length > 1) {
    if (relation.parts.some((part) => part.trim() === '')) throw new ParseError('relation with an empty side');
    return {
      kind: 'relation',
      parts: relation.parts.map((part) => parseRelationSide(part, budget, depth)),
      ops: relation.used.map((symbol) => RELATION_OP.get(symbol)!),
    };
  }

  const ratio = splitTopLevel(s, [':']);
  if (ratio.parts.length > 1) return { kind: 'ratio', terms: ratio.parts.map((part) => parseExpression(part, budget)) };

  const brackets = outerBrackets(s);
  if (brackets) {
    const parts = splitTopLevel(brackets.inner, [',']).parts;
    if (brackets.open === '\\{') {
      if (brackets.close !== '\\}') throw new ParseError('set opened with \\{ but closed otherwise');
      return { kind: 'set', items: parseItems(parts, budget, depth) };
    }
    if (brackets.open === '\\langle') {
      return { kind: 'tuple', open: '(', close: ')', items: parts.map((part) => parseAnswer(part, budget, depth + 1)), text: s };
    }
    if (parts.length > 1) {
      if (parts.some((part) => part.trim() === '')) throw new ParseError('tuple with an empty entry');
      const open = brackets.open as '(' | '[';
      const close = brackets.close as ')' | ']';
      if (close !== ')' && close !== ']') throw new ParseError(`tuple closed with ${close}`);
      return { kind: 'tuple', open, close, items: parts.map((part) => parseAnswer(part, budget, depth + 1)), text: s };
    }
    // One item in brackets: a matrix written inside \left[ … \right], or a parenthesized expression.
    const inner = MATRIX.exec(brackets.inner.trim());
    if (inner) return parseMatrix(inner[2], budget, depth);
    if ((brackets.open === '(' && brackets.close !== ')') || (brackets.open === '[' && brackets.close !== ']')) throw new ParseError('mismatched brackets');
  }

  const expr = parseExpression(s, budget);
  const choices = expandPlusMinus(expr);
  if (choices.length > 1) return { kind: 'list', items: choices.map((choice) => ({ kind: 'expr', expr: choice, text: s })) };
  return { kind: 'expr', expr, text: s };
}

/** Parses list or set entries; an entry with ± contributes both of its values. */
function parseItems(parts: string[], budget: Budget, depth: number): Answer[] {
  return parts
    .filter((part) => part.trim() !== '')
    .flatMap((part) => {
      const item = parseAnswer(part, budget, depth + 1);
      return item.kind === 'list' ? item.items : [item];
    });
}

/** Parses a side of a relation; a side the parser cannot read (\angle ABC) is kept as text, since it may only name the value. */
function parseRelationSide(part: string, budget: Budget, depth: number): Answer {
  try {
    return parseAnswer(part, budget, depth + 1);
  } catch (error) {
    if (error instanceof ParseError && part.trim() !== '') return { kind: 'text', text: part.trim() };
    throw error;
  }
}

function parseMatrix(body: string, budget: Budget, depth: number): Answer {
  const rows = splitTopLevel(body, ['\\\\'])
    .parts.map((row) => row.trim())
    .filter((row, index, all) => row !== '' || index < all.length - 1)
    .filter((row) => row !== '' && !/^\\hline$/.test(row));
  if (rows.length === 0) throw new ParseError('empty matrix');
  return {
    kind: 'matrix',
    rows: rows.map((row) => splitTopLevel(row, ['&']).parts.map((cell) => parseAnswer(cell, budget, depth + 1))),
  };
}

/** Describes an answer's shape in a word or two, for verdict details. */
export function describeAnswer(answer: Answer): string {
  switch (answer.kind) {
    case 'expr':
      return 'expression';
    case 'tuple':
      return answer.items.length === 2 ? 'tuple or interval' : 'tuple';
    case 'either':
      return describeAnswer(answer.options[0]);
    default:
      return answer.kind;
  }
}
