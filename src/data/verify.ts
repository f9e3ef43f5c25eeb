/**
 * Verification of generated items. Procedural items are recomputed from their program (independently
 * of the solution text), their final line must state the answer, and every "a op b = c" in the
 * solution is re-evaluated. Text-only checks (final line, arithmetic) also apply to imported items.
 */
import { evaluate, type Program } from './program.ts';
import * as Q from './rational.ts';
import type { Rational } from './rational.ts';

export interface ArithmeticError {
  /** 1-based line of the solution. */
  line: number;
  left: string;
  right: string;
}

export interface ArithmeticCheck {
  /** Number of equalities that were evaluated. */
  checked: number;
  errors: ArithmeticError[];
}

const SUFFIX = /[\d\s+\-*/()]*$/;
const PREFIX = /^[\d\s+\-*/()]*/;

/** Parses and evaluates + - * / ( ) over integers with rationals; null when the text is not one expression. */
export function evaluateExpression(text: string): Rational | null {
  const tokens = text.match(/\d+|[-+*/()]|\S/g);
  if (!tokens) return null;
  let pos = 0;
  const peek = () => tokens[pos];
  function primary(): Rational | null {
    const token = tokens![pos++];
    if (token === undefined) return null;
    if (token === '-') {
      const inner = primary();
      return inner && Q.sub(Q.ZERO, inner);
    }
    if (token === '(') {
      const inner = sum();
      if (tokens![pos++] !== ')') return null;
      return inner;
    }
    if (/^\d+$/.test(token)) {
      const n = Number(token);
      return Number.isSafeInteger(n) ? Q.rat(n) : null;
    }
    return null;
  }
  function product(): Rational | null {
    let value = primary();
    while (value && (peek() === '*' || peek() === '/')) {
      const op = tokens![pos++];
      const right = primary();
      if (!right || (op === '/' && right.n === 0)) return null;
      value = op === '*' ? Q.mul(value, right) : Q.div(value, right);
    }
    return value;
  }
  function sum(): Rational | null {
    let value = product();
    while (value && (peek() === '+' || peek() === '-')) {
      const op = tokens![pos++];
      const right = product();
      if (!right) return null;
      value = op === '+' ? Q.add(value, right) : Q.sub(value, right);
    }
    return value;
  }
  try {
    const value = sum();
    return value && pos === tokens.length ? value : null;
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

function usable(text: string): boolean {
  const trimmed = text.trim();
  return /\d/.test(trimmed) && !/^[+*/)]/.test(trimmed);
}

/**
 * Re-evaluates every equality between arithmetic expressions in a text: for "… is 16 - 7 = 9.", the
 * arithmetic tail before each "=" is compared with the arithmetic head after it. Text that is not
 * plain arithmetic (words, gcd(a, b), C(n, k)) is skipped, never guessed.
 */
export function checkArithmetic(text: string): ArithmeticCheck {
  const errors: ArithmeticError[] = [];
  let checked = 0;
  text.split('\n').forEach((lineText, index) => {
    const sides = lineText.split('=');
    for (let i = 0; i + 1 < sides.length; i++) {
      const left = SUFFIX.exec(sides[i])![0];
      const right = PREFIX.exec(sides[i + 1])![0];
      if (!usable(left) || !usable(right)) continue;
      const a = evaluateExpression(left);
      const b = evaluateExpression(right);
      if (!a || !b) continue;
      checked++;
      if (!Q.equals(a, b)) errors.push({ line: index + 1, left: left.trim(), right: right.trim() });
    }
  });
  return { checked, errors };
}

/** The answer stated by the last "The answer is …" line, or null. */
export function statedAnswer(solution: string): string | null {
  const match = /The answer is\s+(.+?)\s*$/.exec(solution.trimEnd().split('\n').pop() ?? '');
  return match ? match[1].replace(/\.$/, '') : null;
}

export type VerificationResult = { ok: true; checked: number } | { ok: false; reason: string };

export interface ProceduralCheck {
  program: Program;
  solution: string;
  answer: string;
  /** The value the program computes for the answer (the hidden given for backward items). */
  expected: Rational;
  /** Number of arithmetic slips the solution is meant to contain (1 for a self-correction slip). */
  allowedSlips: number;
  /** For backward items: the hidden given and the answer stated in the problem. */
  backward?: { hidden: string; stated: Rational };
}

/** Full verification of a procedural item. */
export function verifyProcedural(check: ProceduralCheck): VerificationResult {
  const values = evaluate(check.program);
  const answerValue = Q.parseRational(check.answer);
  if (!answerValue) return { ok: false, reason: `answer "${check.answer}" is not an integer or fraction` };
  if (!Q.equals(answerValue, check.expected)) return { ok: false, reason: `answer ${check.answer} differs from the recomputed ${Q.formatRational(check.expected)}` };
  if (check.backward) {
    if (!Q.equals(values.get(check.backward.hidden)!, answerValue)) return { ok: false, reason: 'the hidden quantity differs from the answer' };
    const forward = evaluate(check.program, new Map([[check.backward.hidden, answerValue]])).get(check.program.answer)!;
    if (!Q.equals(forward, check.backward.stated)) return { ok: false, reason: 'substituting X does not give the stated answer' };
  } else if (!Q.equals(values.get(check.program.answer)!, answerValue)) {
    return { ok: false, reason: `the program computes ${Q.formatRational(values.get(check.program.answer)!)}, not ${check.answer}` };
  }
  return verifyText(check.solution, check.answer, check.allowedSlips);
}

/** Checks that need only the text: the final line states the answer and the arithmetic holds. */
export function verifyText(solution: string, answer: string, allowedSlips = 0): VerificationResult {
  const stated = statedAnswer(solution);
  if (stated === null) return { ok: false, reason: 'the solution does not end with "The answer is …"' };
  const a = Q.parseRational(stated);
  const b = Q.parseRational(answer);
  if (a && b ? !Q.equals(a, b) : stated.trim() !== answer.trim()) return { ok: false, reason: `the solution ends with ${stated}, but the answer is ${answer}` };
  const arithmetic = checkArithmetic(solution);
  if (arithmetic.errors.length > allowedSlips) {
    const e = arithmetic.errors[0];
    return { ok: false, reason: `arithmetic error on solution line ${e.line}: ${e.left} ≠ ${e.right}` };
  }
  return { ok: true, checked: arithmetic.checked };
}
