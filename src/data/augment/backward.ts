/**
 * Backward reasoning (MetaMath FOBAR style): one given quantity of a solved problem is replaced by the
 * unknown X, the answer is stated, and the question asks for X. The solution computes what it can
 * forward, then inverts the chain of steps from the answer back to X, and checks the result.
 */
import type { Rng } from '../../util/random.ts';
import { dependents, evaluate, formatGiven, invertible, problemText, resolveLabels, type Program, type Step } from '../program.ts';
import * as Q from '../rational.ts';
import type { Rational } from '../rational.ts';
import { answerLine, capitalize, operand, stepSentence } from '../solution.ts';

export const BACKWARD_SUFFIX = 'If we know the answer to the above question is {answer}, what is the value of unknown variable X?';

function inText(program: Program, id: string): boolean {
  return program.context.includes(`{${id}}`) || program.question.includes(`{${id}}`);
}

/**
 * Givens that can be hidden: stated in the text, and every step that depends on them has exactly one
 * dependent argument, through an invertible operation, so the chain can be undone step by step.
 */
export function eligibleGivens(program: Program): string[] {
  return program.givens
    .filter((given) => inText(program, given.id))
    .filter((given) => {
      const chain = dependents(program, given.id);
      if (!chain.has(program.answer)) return false;
      const dependent = new Set([given.id, ...chain]);
      return program.steps
        .filter((step) => chain.has(step.id))
        .every((step) => {
          const positions = step.args.map((a, i) => (dependent.has(a) ? i : -1)).filter((i) => i >= 0);
          return positions.length === 1 && invertible(step.op, step.args.length, positions[0]);
        });
    })
    .map((given) => given.id);
}

/** Solves `step` for its dependent argument from the step's result and its other arguments. */
function inverse(step: Step, position: number, result: Rational, args: Rational[]): { text: string; value: Rational } {
  const others = args.filter((_, i) => i !== position);
  const r = Q.formatRational(result);
  switch (step.op) {
    case 'add':
      return { text: [r, ...others.map((o) => operand(o, 'sub', 1))].join(' - '), value: others.reduce(Q.sub, result) };
    case 'sub':
      return position === 0
        ? { text: `${r} + ${operand(args[1], 'add', 1)}`, value: Q.add(result, args[1]) }
        : { text: `${Q.formatRational(args[0])} - ${operand(result, 'sub', 1)}`, value: Q.sub(args[0], result) };
    case 'mul': {
      const product = others.reduce(Q.mul, Q.ONE);
      const divisor = others.length === 1 ? operand(others[0], 'div', 1) : `(${others.map((o, i) => operand(o, 'mul', i)).join(' * ')})`;
      return { text: `${operand(result, 'div', 0)} / ${divisor}`, value: Q.div(result, product) };
    }
    case 'div':
      return position === 0
        ? { text: `${operand(result, 'mul', 0)} * ${operand(args[1], 'mul', 1)}`, value: Q.mul(result, args[1]) }
        : { text: `${operand(args[0], 'div', 0)} / ${operand(result, 'div', 1)}`, value: Q.div(args[0], result) };
    case 'pct': {
      const other = args[1 - position];
      return { text: `${operand(result, 'mul', 0)} * 100 / ${operand(other, 'div', 1)}`, value: Q.div(Q.mul(result, Q.rat(100)), other) };
    }
    default:
      throw new RangeError(`${step.op} cannot be inverted`);
  }
}

export interface BackwardResult {
  problem: string;
  solution: string;
  answer: Rational;
  hidden: string;
}

export function backward(seed: Program, rng: Rng, hidden = rng.pick(eligibleGivens(seed))): BackwardResult {
  const program = resolveLabels(seed, hidden);
  const values = evaluate(program);
  const given = program.givens.find((g) => g.id === hidden)!;
  const stated = values.get(program.answer)!;
  const chain = dependents(program, hidden);
  const names = new Map<string, string>([[hidden, 'X']]);
  for (const step of program.steps) names.set(step.id, step.label);

  const lines: string[] = [];
  let variant = 0;
  for (const step of program.steps) {
    if (chain.has(step.id)) continue;
    const args = step.args.map((id) => values.get(id)!);
    lines.push(stepSentence(step, args, values.get(step.id)!, { detailed: program.detailed, variant: variant++ === 0 ? 0 : rng.int(0, 3) }));
  }

  const answerStep = program.steps.find((s) => s.id === program.answer)!;
  lines.push(`We know that ${answerStep.label} is ${Q.formatRational(stated)}.`);
  const dependent = new Set([hidden, ...chain]);
  const ordered = program.steps.filter((s) => chain.has(s.id)).reverse();
  for (const step of ordered) {
    const position = step.args.findIndex((a) => dependent.has(a));
    const args = step.args.map((id) => values.get(id)!);
    const result = values.get(step.id)!;
    const unknown = step.args[position];
    const unknownName = names.get(unknown)!;
    const shown = withName(step, args, position, unknownName);
    const solved = inverse(step, position, result, args);
    // No "=" follows the named expression, so checkArithmetic never reads "X - 10" as the number -10.
    lines.push(`${capitalize(step.label)} is ${shown}, and it is ${Q.formatRational(result)}, so ${unknownName} is ${solved.text} = ${Q.formatRational(solved.value)}.`);
  }
  const value = values.get(hidden)!;
  lines.push(`Check: with X = ${Q.formatRational(value)}, the steps give ${Q.formatRational(stated)}, which matches.`);
  lines.push(answerLine(value));

  const suffix = BACKWARD_SUFFIX.replace('{answer}', formatGiven(program.answerKind, stated));
  return { problem: `${problemText(program, hidden)} ${suffix}`, solution: lines.join('\n'), answer: value, hidden: given.id };
}

/** Writes the step's expression with the unknown argument by name ("50 - the total cost"). */
function withName(step: Step, args: Rational[], position: number, name: string): string {
  const parts = args.map((v, i) => (i === position ? name : operand(v, step.op, i)));
  switch (step.op) {
    case 'add':
      return parts.join(' + ');
    case 'sub':
      return parts.join(' - ');
    case 'mul':
      return parts.join(' * ');
    case 'div':
      return parts.join(' / ');
    case 'pct':
      return `${parts[1]} * ${parts[0]} / 100`;
    default:
      throw new RangeError(`${step.op} cannot be inverted`);
  }
}
