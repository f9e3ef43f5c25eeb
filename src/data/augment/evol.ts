/**
 * Evolutionary complexity (Evol-Instruct style) as exact program transformations, applied for up to
 * five rounds: add a constraint on the answer, add a step after it, concretize a given as a relation,
 * enlarge the numbers, or demand more reasoning steps. Each operator returns a new program or null
 * when it does not apply; the result is re-evaluated, so every evolved problem stays exactly solvable.
 */
import type { Rng } from '../../util/random.ts';
import { cloneProgram, evaluate, freshId, ProgramError, type Given, type Op, type Program, type Step, type ValueKind } from '../program.ts';
import * as Q from '../rational.ts';
import type { Rational } from '../rational.ts';
import { divisorsBetween } from '../families/common.ts';

export type EvolOperator = 'add-constraint' | 'add-step' | 'concretize' | 'enlarge-numbers' | 'more-steps';
export const EVOL_OPERATORS: readonly EvolOperator[] = ['add-constraint', 'add-step', 'concretize', 'enlarge-numbers', 'more-steps'];

/** Largest value an evolved program may reach, so later rounds stay far from the safe-integer limit. */
const MAX_VALUE = 1e9;

function addGiven(program: Program, value: Rational | number, kind: ValueKind, scalable = false): string {
  const id = freshId(program, 'g');
  program.givens.push({ id, value: typeof value === 'number' ? Q.rat(value) : value, kind, scalable });
  return id;
}

function addStep(program: Program, op: Op, args: string[], label: string, answerKind = program.answerKind): string {
  const id = freshId(program, 's');
  const free = answerKind === 'fraction' || answerKind === 'probability' || answerKind === 'number' || answerKind === 'percent';
  program.steps.push({ id, op, args, label, allowFraction: free, allowNegative: answerKind === 'number' });
  return id;
}

/** Moves the old question into the context, so the new question builds on its answer. */
function chainQuestion(program: Program, sentence: string, question: string): void {
  program.context = `${program.context} ${program.question} ${sentence}`.trim();
  program.question = question;
}

function addStepOp(seed: Program, rng: Rng, answer: Rational): Program | null {
  const program = cloneProgram(seed);
  const noun = program.answerNoun;
  const a = program.answer;
  const kind = program.answerKind;
  const choices: (() => boolean)[] = [];
  if (Q.isInteger(answer) && answer.n >= 2 && (kind === 'count' || kind === 'money')) {
    choices.push(() => {
      const k = addGiven(program, rng.int(1, answer.n - 1), kind, true);
      const text = kind === 'money' ? `Then {${k}} of it is spent on a gift.` : `Then {${k}} of the ${noun} are given away.`;
      chainQuestion(program, text, kind === 'money' ? 'How many dollars are left?' : `How many ${noun} are left?`);
      program.answer = addStep(program, 'sub', [a, k], kind === 'money' ? 'the money left' : `the number of ${noun} left`);
      return true;
    });
    const divisors = divisorsBetween(answer.n, 2, 9);
    if (divisors.length > 0) {
      choices.push(() => {
        const k = addGiven(program, rng.pick(divisors), 'count');
        chainQuestion(program, `This is shared equally among {${k}} people.`, kind === 'money' ? 'How many dollars does each person get?' : `How many ${noun} does each person get?`);
        program.answer = addStep(program, 'div', [a, k], 'the share of each person');
        return true;
      });
    }
  }
  if (kind !== 'fraction' && kind !== 'probability' && kind !== 'percent') {
    choices.push(() => {
      const k = addGiven(program, rng.int(2, 6), 'count');
      chainQuestion(program, `The same thing happens in each of {${k}} weeks.`, `What is the total over all the weeks, in ${noun}?`);
      program.answer = addStep(program, 'mul', [a, k], 'the total over all the weeks');
      return true;
    });
  }
  choices.push(() => {
    const k = addGiven(program, rng.int(2, 5), 'number');
    const m = addGiven(program, rng.int(1, 20), 'number', true);
    chainQuestion(program, `Multiply that result by {${k}} and then add {${m}}.`, 'What number do you get?');
    const product = addStep(program, 'mul', [a, k], 'the result times the multiplier', 'number');
    program.answer = addStep(program, 'add', [product, m], 'the final number', 'number');
    program.answerKind = 'number';
    program.answerNoun = 'units';
    return true;
  });
  rng.pick(choices)();
  return program;
}

const UNIT_CONVERSIONS: Record<string, { to: string; factor: number }> = {
  dollars: { to: 'cents', factor: 100 },
  minutes: { to: 'seconds', factor: 60 },
  seconds: { to: 'milliseconds', factor: 1000 },
  meters: { to: 'centimeters', factor: 100 },
  'square meters': { to: 'square decimeters', factor: 100 },
  'square centimeters': { to: 'square millimeters', factor: 100 },
};

function addConstraint(seed: Program, rng: Rng, answer: Rational): Program | null {
  const program = cloneProgram(seed);
  const a = program.answer;
  const conversion = UNIT_CONVERSIONS[program.answerNoun];
  if (conversion) {
    const f = addGiven(program, conversion.factor, 'number');
    program.question = `${program.question} Give the answer in ${conversion.to}.`;
    program.answer = addStep(program, 'mul', [a, f], `the answer in ${conversion.to}`);
    program.answerNoun = conversion.to;
    program.answerKind = program.answerKind === 'money' ? 'count' : program.answerKind;
    return program;
  }
  if (program.answerKind === 'count' && Q.isInteger(answer) && answer.n >= 4) {
    const k = addGiven(program, rng.int(2, Math.min(12, answer.n - 1)), 'count');
    const full = rng.next() < 0.5;
    chainQuestion(
      program,
      `The ${program.answerNoun} must be packed in boxes of {${k}}${full ? ', and only full boxes can be shipped' : ''}.`,
      full ? 'How many full boxes can be shipped?' : `How many boxes are needed to hold all the ${program.answerNoun}?`,
    );
    program.answer = addStep(program, full ? 'floordiv' : 'ceildiv', [a, k], full ? 'the number of full boxes' : 'the number of boxes needed');
    program.answerNoun = 'boxes';
    return program;
  }
  if (program.answerKind === 'fraction' || program.answerKind === 'probability') {
    const hundred = addGiven(program, 100, 'number');
    program.question = `${program.question} Express the answer as a percent.`;
    program.answer = addStep(program, 'mul', [a, hundred], 'the answer as a percent', 'fraction');
    program.answerKind = 'fraction';
    program.answerNoun = 'percent';
    return program;
  }
  if (program.answerKind === 'number' && Q.isInteger(answer) && answer.n > 0) {
    const k = addGiven(program, rng.int(3, 12), 'number');
    chainQuestion(program, `The answer must be rounded up to the next multiple of {${k}} (a multiple stays as it is).`, 'What is the rounded answer?');
    const groups = addStep(program, 'ceildiv', [a, k], 'the number of multiples needed');
    program.answer = addStep(program, 'mul', [groups, k], 'the rounded answer');
    return program;
  }
  return null;
}

const RELATIONS = ['more', 'less', 'times', 'half'] as const;

function concretize(seed: Program, rng: Rng): Program | null {
  const candidates = seed.givens.filter((g) => g.scalable && (seed.context.includes(`{${g.id}}`) || seed.question.includes(`{${g.id}}`)) && Q.isInteger(g.value) && g.value.n >= 4);
  if (candidates.length === 0) return null;
  const program = cloneProgram(seed);
  const target: Given = rng.pick(candidates);
  const v = target.value.n;
  const relation = rng.pick(RELATIONS);
  let op: Op;
  let parts: [number, number];
  let phrase: string;
  if (relation === 'more') {
    const c = rng.int(1, v - 1);
    parts = [v - c, c];
    op = 'add';
    phrase = `{A} more than {B}`;
  } else if (relation === 'less') {
    const c = rng.int(1, Math.max(1, Math.floor(v / 2)));
    parts = [v + c, c];
    op = 'sub';
    phrase = `{B} less than {A}`;
  } else if (relation === 'times' && divisorsBetween(v, 2, 5).some((d) => d < v)) {
    const k = rng.pick(divisorsBetween(v, 2, 5).filter((d) => d < v));
    parts = [v / k, k];
    op = 'mul';
    phrase = `{B} times {A}`;
  } else {
    parts = [2 * v, 2];
    op = 'div';
    phrase = `half of {A}`;
  }
  const a = addGiven(program, parts[0], target.kind, target.scalable);
  const b = addGiven(program, parts[1], op === 'mul' || op === 'div' ? 'count' : target.kind, op !== 'mul' && op !== 'div' && target.scalable);
  // The label keeps placeholders, because a later "enlarge numbers" round may change the values.
  const templatePhrase = phrase.replace('{A}', `{${a}}`).replace('{B}', `{${b}}`);
  const label = templatePhrase;
  const id = freshId(program, 's');
  const step: Step = { id, op, args: [a, b], label };
  program.givens = program.givens.filter((g) => g.id !== target.id);
  for (const s of program.steps) s.args = s.args.map((x) => (x === target.id ? id : x));
  program.steps.unshift(step);
  // "buys {g} more" would read "buys 3 more than 9 more", so the phrase gets parentheses there.
  const placeholder = new RegExp(`\\{${target.id}\\}(?=( more| less| fewer| times| of)\\b)|\\{${target.id}\\}`, 'g');
  const replace = (text: string) => text.replace(placeholder, (_match, next: string | undefined) => (next ? `(${templatePhrase})` : templatePhrase));
  program.context = replace(program.context);
  program.question = replace(program.question);
  return program;
}

function enlarge(seed: Program, rng: Rng): Program | null {
  const scalable = seed.givens.filter((g) => g.scalable && (seed.context.includes(`{${g.id}}`) || seed.question.includes(`{${g.id}}`)));
  if (scalable.length === 0) return null;
  const factors = rng.shuffle([10, rng.int(2, 9), rng.int(11, 30), 100]);
  for (const f of factors) {
    const program = cloneProgram(seed);
    for (const g of program.givens) if (scalable.some((s) => s.id === g.id)) g.value = Q.mul(g.value, Q.rat(f));
    try {
      const values = evaluate(program);
      if ([...values.values()].every((v) => Math.abs(v.n) <= MAX_VALUE && v.d <= MAX_VALUE)) return program;
    } catch (error) {
      if (!(error instanceof ProgramError || error instanceof RangeError)) throw error;
    }
  }
  return null;
}

function nonzeroDigits(n: number): number {
  return [...String(n)].filter((d) => d !== '0').length;
}

function moreSteps(seed: Program, values: Map<string, Rational>): Program | null {
  if (seed.detailed) return null;
  const expands = seed.steps.some((s) => {
    const args = s.args.map((id) => values.get(id)!);
    if (!args.every((v) => Q.isInteger(v))) return false;
    if (s.op === 'mul') return args.length === 2 && args.every((v) => v.n >= 10) && nonzeroDigits(Math.min(args[0].n, args[1].n)) >= 2;
    return s.op === 'div' && Math.abs(args[0].n) >= 100 && Q.isInteger(values.get(s.id)!);
  });
  if (!expands) return null;
  const program = cloneProgram(seed);
  program.detailed = true;
  program.question = `${program.question} Show each intermediate result.`;
  return program;
}

export function applyOperator(operator: EvolOperator, program: Program, rng: Rng): Program | null {
  const values = evaluate(program);
  const answer = values.get(program.answer)!;
  let next: Program | null;
  try {
    switch (operator) {
      case 'add-step':
        next = addStepOp(program, rng, answer);
        break;
      case 'add-constraint':
        next = addConstraint(program, rng, answer);
        break;
      case 'concretize':
        next = concretize(program, rng);
        break;
      case 'enlarge-numbers':
        next = enlarge(program, rng);
        break;
      case 'more-steps':
        next = moreSteps(program, values);
        break;
    }
    if (next) {
      const evolved = evaluate(next);
      if ([...evolved.values()].some((v) => Math.abs(v.n) > MAX_VALUE || v.d > MAX_VALUE)) return null;
    }
    return next;
  } catch (error) {
    if (error instanceof ProgramError || error instanceof RangeError) return null;
    throw error;
  }
}

export interface EvolResult {
  program: Program;
  operators: EvolOperator[];
}

/** Applies `rounds` operators in turn, each drawn among those that apply to the current program. */
export function evolve(seed: Program, rng: Rng, rounds: number): EvolResult {
  let program = seed;
  const operators: EvolOperator[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = rng.shuffle([...EVOL_OPERATORS]);
    for (const operator of order) {
      const next = applyOperator(operator, program, rng);
      if (next) {
        program = next;
        operators.push(operator);
        break;
      }
    }
  }
  return { program, operators };
}
