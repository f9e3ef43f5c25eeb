/**
 * Writes step-by-step solutions from a program: one sentence per step, "{Label} is {expression} =
 * {result}.", with worked sub-steps where a small model needs them (common denominators, the
 * Euclidean algorithm, C(n, k) as a product). Expressions use ASCII operators (+ - * /) and plain
 * numbers so that checkArithmetic can re-evaluate every "a op b = c" in the text.
 */
import type { Rng } from '../util/random.ts';
import { evaluate, resolveLabels, type Op, type Program, type Step } from './program.ts';
import * as Q from './rational.ts';
import type { Rational } from './rational.ts';

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Writes an operand inside an expression, with parentheses around negatives and fractions where needed. */
export function operand(value: Rational, op: Op, index: number): string {
  const text = Q.formatRational(value);
  const additive = op === 'add' || op === 'sub';
  if (value.n < 0 && !(additive && index === 0)) return `(${text})`;
  if (value.d !== 1 && !additive) return `(${text})`;
  return text;
}

const SYMBOL: Partial<Record<Op, string>> = { add: ' + ', sub: ' - ', mul: ' * ', div: ' / ' };

/** "a = q * b + r" lines of the Euclidean algorithm for gcd(a, b). */
export function euclidLines(a: number, b: number): string[] {
  const lines: string[] = [];
  let [x, y] = a >= b ? [a, b] : [b, a];
  while (y !== 0) {
    const q = Math.floor(x / y);
    const r = x - q * y;
    lines.push(`${x} = ${q} * ${y} + ${r}`);
    [x, y] = [y, r];
  }
  return lines;
}

function joinAnd(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Intermediate forms between an expression and its result, e.g. "3/6 + 2/6" for "1/2 + 1/3". */
function stages(op: Op, args: Rational[], detailed: boolean): string[] {
  if ((op === 'add' || op === 'sub') && args.some((a) => a.d !== 1)) {
    const common = args.reduce((l, a) => Q.lcm(l, a.d), 1);
    if (args.some((a) => a.d !== common)) return [args.map((a, i) => `${i > 0 && a.n < 0 ? '(' : ''}${a.n * (common / a.d)}/${common}${i > 0 && a.n < 0 ? ')' : ''}`).join(SYMBOL[op])];
  }
  if (op === 'mul' && args.some((a) => a.d !== 1)) {
    const num = args.reduce((p, a) => p * a.n, 1);
    const den = args.reduce((p, a) => p * a.d, 1);
    return Number.isSafeInteger(num) && Number.isSafeInteger(den) ? [`${num}/${den}`] : [];
  }
  if (op === 'div' && args.some((a) => a.d !== 1) && args[1].n !== 0) {
    const reciprocal = Q.rat(args[1].d * Math.sign(args[1].n), Math.abs(args[1].n));
    return [`${operand(args[0], 'mul', 0)} * (${reciprocal.n}/${reciprocal.d})`];
  }
  if (op === 'mul' && detailed && args.length === 2 && args.every((a) => a.d === 1 && a.n >= 10)) {
    const [a, b] = args[0].n >= args[1].n ? [args[0].n, args[1].n] : [args[1].n, args[0].n];
    const digits = String(b);
    const parts = [...digits].map((d, i) => Number(d) * 10 ** (digits.length - 1 - i)).filter((p) => p > 0);
    if (parts.length >= 2) return [parts.map((p) => `${a} * ${p}`).join(' + '), parts.map((p) => a * p).join(' + ')];
  }
  return [];
}

/** Writes the expression of a step over concrete values, without its result. */
export function expression(op: Op, args: Rational[]): string {
  const [a, b] = args;
  switch (op) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
      return args.map((v, i) => operand(v, op, i)).join(SYMBOL[op]);
    case 'pct':
      return `${operand(b, 'mul', 0)} * ${operand(a, 'mul', 1)} / 100`;
    case 'square':
      return `${operand(a, 'mul', 0)} * ${operand(a, 'mul', 1)}`;
    case 'perm':
      return b.n === 0 ? '1' : Array.from({ length: b.n }, (_, i) => a.n - i).join(' * ');
    case 'choose':
      if (b.n === 0) return '1';
      return `${Array.from({ length: b.n }, (_, i) => a.n - i).join(' * ')} / (${Array.from({ length: b.n }, (_, i) => b.n - i).join(' * ')})`;
    default:
      return `${op}(${a.n}, ${b.n})`;
  }
}

export interface SentenceOptions {
  detailed: boolean;
  /** Picks the phrasing; 0 gives the plain "{Label} is …". */
  variant: number;
}

const OPENERS = ['', 'So ', 'Then ', 'Next, '];

/** Writes one solution sentence for a step computed from `args`. */
export function stepSentence(step: Step, args: Rational[], result: Rational, options: SentenceOptions): string {
  const opener = OPENERS[options.variant % OPENERS.length];
  const label = opener ? step.label : capitalize(step.label);
  const subject = `${opener}${label}`;
  const value = Q.formatRational(result);
  const [a, b] = args;
  switch (step.op) {
    case 'gcd':
      return `By the Euclidean algorithm, ${joinAnd(euclidLines(a.n, b.n))}, so ${step.label} is ${value}.`;
    case 'lcm': {
      const g = Q.gcd(a.n, b.n);
      return `By the Euclidean algorithm, ${joinAnd(euclidLines(a.n, b.n))}, so the greatest common divisor is ${g}. ${capitalize(subject)} is ${a.n} * ${b.n} / ${g} = ${value}.`;
    }
    case 'mod':
    case 'floordiv':
    case 'ceildiv': {
      const q = Math.floor(a.n / b.n);
      const r = a.n - q * b.n;
      const division = `${a.n} = ${q} * ${b.n} + ${r}`;
      if (step.op === 'ceildiv' && r > 0) return `Dividing, ${division}, so ${step.label} is ${q} + 1 = ${value}.`;
      return `Dividing, ${division}, so ${step.label} is ${value}.`;
    }
    case 'choose':
      return `${capitalize(subject)} is C(${a.n}, ${b.n}) = ${[expression('choose', args), ...chooseStage(a.n, b.n)].join(' = ')} = ${value}.`;
    default: {
      const expr = expression(step.op, args);
      const chain = [expr, ...stages(step.op, args, options.detailed).filter((s) => s !== expr && s !== value)];
      let sentence = `${capitalize(subject)} is ${chain.join(' = ')} = ${value}.`;
      if (options.detailed && step.op === 'div' && args.every((v) => v.d === 1) && result.d === 1 && Math.abs(a.n) >= 100) {
        sentence += ` Check: ${operand(b, 'mul', 0)} * ${operand(result, 'mul', 1)} = ${a.n}.`;
      }
      return sentence;
    }
  }
}

function chooseStage(n: number, k: number): string[] {
  if (k < 2) return [];
  let top = 1;
  let bottom = 1;
  for (let i = 0; i < k; i++) {
    top *= n - i;
    bottom *= k - i;
  }
  return [`${top} / ${bottom}`];
}

/** Sentences for every step, in order, computed from the program's own values. */
export function forwardSentences(program: Program, rng: Rng, values = evaluate(program)): string[] {
  return program.steps.map((step, index) => {
    const args = step.args.map((id) => values.get(id)!);
    return stepSentence(step, args, values.get(step.id)!, { detailed: program.detailed, variant: index === 0 ? 0 : rng.int(0, OPENERS.length - 1) });
  });
}

export function answerLine(answer: Rational | string): string {
  return `The answer is ${typeof answer === 'string' ? answer : Q.formatRational(answer)}`;
}

/** Writes the full forward solution: the step sentences, then "The answer is N". */
export function writeSolution(seed: Program, rng: Rng): { solution: string; answer: Rational } {
  const program = resolveLabels(seed);
  const values = evaluate(program);
  const answer = values.get(program.answer)!;
  return { solution: [...forwardSentences(program, rng, values), answerLine(answer)].join('\n'), answer };
}

