/**
 * The computation behind a procedural problem: givens (numbers stated in the problem) and steps
 * (operations on givens and earlier steps), evaluated exactly with rationals. Families build a
 * program; augmentation methods transform it; the solution writer and the verifier read it.
 */
import type { Rng } from '../util/random.ts';
import * as Q from './rational.ts';
import type { Rational } from './rational.ts';

export type Op = 'add' | 'sub' | 'mul' | 'div' | 'pct' | 'gcd' | 'lcm' | 'mod' | 'floordiv' | 'ceildiv' | 'choose' | 'perm' | 'square';

/** Kind of a value, which sets how it reads in a problem: money gets "$", percent gets "%", the rest are plain numbers. */
export type ValueKind = 'count' | 'money' | 'percent' | 'fraction' | 'number' | 'length' | 'area' | 'time' | 'probability';

export interface Given {
  id: string;
  value: Rational;
  kind: ValueKind;
  /** Whether "enlarge numbers" may multiply it (amounts yes; percentages, ratios and divisors no). */
  scalable: boolean;
}

export interface Step {
  id: string;
  op: Op;
  /** Ids of givens or earlier steps. */
  args: string[];
  /** Noun phrase for the result, e.g. "the number of eggs left"; it never contains a given's value. */
  label: string;
  allowFraction?: boolean;
  allowNegative?: boolean;
}

export interface Program {
  family: string;
  /** Problem text up to the question, with {givenId} placeholders. */
  context: string;
  /** The question sentence(s), with {givenId} placeholders. */
  question: string;
  givens: Given[];
  steps: Step[];
  /** Id of the step whose value is the answer. */
  answer: string;
  answerKind: ValueKind;
  /** What the answer counts or measures, for follow-up sentences ("eggs", "dollars"). */
  answerNoun: string;
  /** Difficulty level 1–5 the family was asked for. */
  level: number;
  /** Solutions break long multiplications and divisions into partial steps ("more reasoning steps"). */
  detailed: boolean;
}

export class ProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProgramError';
  }
}

const INTEGER_OPS = new Set<Op>(['gcd', 'lcm', 'mod', 'floordiv', 'ceildiv', 'choose', 'perm']);

function requireInteger(op: Op, value: Rational): number {
  if (!Q.isInteger(value) || value.n < 0) throw new ProgramError(`${op} needs non-negative integers, got ${Q.formatRational(value)}`);
  return value.n;
}

/** Applies one operation; throws ProgramError for an undefined result (division by zero, C(n, k) with k > n). */
export function applyOp(op: Op, args: Rational[]): Rational {
  if (INTEGER_OPS.has(op)) args.forEach((a) => requireInteger(op, a));
  const [a, b] = args;
  switch (op) {
    case 'add':
      return args.reduce(Q.add, Q.ZERO);
    case 'sub':
      return Q.sub(a, b);
    case 'mul':
      return args.reduce(Q.mul, Q.ONE);
    case 'div':
      if (b.n === 0) throw new ProgramError('division by zero');
      return Q.div(a, b);
    case 'pct':
      return Q.div(Q.mul(a, b), Q.rat(100));
    case 'square':
      return Q.mul(a, a);
    case 'gcd':
      return Q.rat(Q.gcd(a.n, b.n));
    case 'lcm':
      return Q.rat(Q.lcm(a.n, b.n));
    case 'mod':
    case 'floordiv':
    case 'ceildiv': {
      if (b.n === 0) throw new ProgramError('division by zero');
      const quotient = Math.floor(a.n / b.n);
      const remainder = a.n - quotient * b.n;
      if (op === 'mod') return Q.rat(remainder);
      return Q.rat(op === 'floordiv' || remainder === 0 ? quotient : quotient + 1);
    }
    case 'choose':
    case 'perm': {
      if (b.n > a.n) throw new ProgramError(`${op}(${a.n}, ${b.n}) needs k ≤ n`);
      let value = Q.ONE;
      for (let i = 0; i < b.n; i++) value = Q.mul(value, Q.rat(a.n - i));
      if (op === 'choose') for (let i = 2; i <= b.n; i++) value = Q.div(value, Q.rat(i));
      return value;
    }
  }
}

/** Tells whether a step may be solved for the argument at `position` (used by backward reasoning). */
export function invertible(op: Op, argCount: number, position: number): boolean {
  if (op === 'add' || op === 'mul' || op === 'sub' || op === 'div' || op === 'pct') return position < argCount;
  return false;
}

/**
 * Evaluates every given and step. Throws ProgramError when a step's value breaks its domain:
 * fractions and negatives are invalid unless the step allows them.
 */
export function evaluate(program: Program, overrides: ReadonlyMap<string, Rational> = new Map()): Map<string, Rational> {
  const values = new Map<string, Rational>();
  for (const given of program.givens) values.set(given.id, overrides.get(given.id) ?? given.value);
  for (const step of program.steps) {
    const args = step.args.map((id) => {
      const value = values.get(id);
      if (!value) throw new ProgramError(`step ${step.id} uses ${id} before it is defined`);
      return value;
    });
    const value = overrides.get(step.id) ?? applyOp(step.op, args);
    checkDomain(step, value);
    values.set(step.id, value);
  }
  if (!values.has(program.answer)) throw new ProgramError(`answer ${program.answer} is not a step or given`);
  return values;
}

export function checkDomain(step: Step, value: Rational): void {
  if (!step.allowFraction && !Q.isInteger(value)) throw new ProgramError(`${step.label} is ${Q.formatRational(value)}, not a whole number`);
  if (!step.allowNegative && value.n < 0) throw new ProgramError(`${step.label} is negative (${Q.formatRational(value)})`);
}

/** Ids of the steps that depend on `id`, directly or through other steps. */
export function dependents(program: Program, id: string): Set<string> {
  const reached = new Set<string>([id]);
  for (const step of program.steps) if (step.args.some((a) => reached.has(a))) reached.add(step.id);
  reached.delete(id);
  return reached;
}

/** Renders a value as it appears in problem text. */
export function formatGiven(kind: ValueKind, value: Rational | string): string {
  const text = typeof value === 'string' ? value : Q.formatRational(value);
  if (kind === 'money') return `$${text}`;
  if (kind === 'percent') return `${text}%`;
  return text;
}

/** Replaces {id} placeholders with the rendered givens; `hidden` renders one given as the unknown X. */
export function fillTemplate(template: string, program: Program, hidden?: string): string {
  return template.replace(/\{(\w+)\}/g, (whole, id: string) => {
    const given = program.givens.find((g) => g.id === id);
    if (!given) return whole;
    return formatGiven(given.kind, id === hidden ? 'X' : given.value);
  });
}

/** Copies the program with the {givenId} placeholders of its step labels filled in, for writing solutions. */
export function resolveLabels(program: Program, hidden?: string): Program {
  if (!program.steps.some((s) => s.label.includes('{'))) return program;
  return { ...program, steps: program.steps.map((s) => ({ ...s, label: fillTemplate(s.label, program, hidden) })) };
}

/**
 * Writes the problem statement with its givens filled in (X for the hidden one). A negative number
 * after a plus or minus sign is written with the sign folded in ("x + -5" becomes "x - 5"), and a
 * hidden coefficient gets a multiplication dot ("X·x", not "Xx").
 */
export function problemText(program: Program, hidden?: string): string {
  return `${fillTemplate(program.context, program, hidden)} ${fillTemplate(program.question, program, hidden)}`
    .replace(/\s+/g, ' ')
    .replace(/ \+ -(?=\d)/g, ' - ')
    .replace(/ - -(?=\d)/g, ' + ')
    .replace(/\bX(?=[a-z](?![a-z]))/g, 'X·')
    .trim();
}

/** Builds a program with fresh ids; families and augmentation operators use it. */
export class ProgramBuilder {
  private readonly givens: Given[] = [];
  private readonly steps: Step[] = [];
  private counter = 0;

  constructor(
    readonly family: string,
    readonly rng: Rng,
    readonly level: number,
  ) {}

  /** Adds a given and returns its placeholder, e.g. "{g3}", for templates and step arguments. */
  given(value: number | Rational, kind: ValueKind = 'count', scalable = kind !== 'percent' && kind !== 'fraction'): string {
    const id = `g${++this.counter}`;
    this.givens.push({ id, value: typeof value === 'number' ? Q.rat(value) : value, kind, scalable });
    return `{${id}}`;
  }

  /** Adds a step over placeholders or ids and returns its placeholder. */
  step(op: Op, args: string[], label: string, options: { allowFraction?: boolean; allowNegative?: boolean } = {}): string {
    const id = `s${++this.counter}`;
    this.steps.push({ id, op, args: args.map(stripBraces), label, ...options });
    return `{${id}}`;
  }

  build(parts: { context: string; question: string; answer: string; answerKind: ValueKind; answerNoun: string }): Program {
    return {
      family: this.family,
      context: parts.context,
      question: parts.question,
      givens: this.givens,
      steps: this.steps,
      answer: stripBraces(parts.answer),
      answerKind: parts.answerKind,
      answerNoun: parts.answerNoun,
      level: this.level,
      detailed: false,
    };
  }
}

export function stripBraces(ref: string): string {
  return ref.replace(/^\{|\}$/g, '');
}

/** Copies the program deeply, so augmentation operators never change the seed program. */
export function cloneProgram(program: Program): Program {
  return {
    ...program,
    givens: program.givens.map((g) => ({ ...g })),
    steps: program.steps.map((s) => ({ ...s, args: [...s.args] })),
  };
}

/** Returns a fresh id that no given or step of the program uses. */
export function freshId(program: Program, prefix: 'g' | 's'): string {
  const used = new Set([...program.givens.map((g) => g.id), ...program.steps.map((s) => s.id)]);
  let i = used.size + 1;
  while (used.has(`${prefix}${i}`)) i++;
  return `${prefix}${i}`;
}
