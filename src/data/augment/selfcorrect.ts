/**
 * Self-correction (Xwin style): a solution that makes one plausible mistake in a step (an arithmetic
 * slip or the wrong operation) and carries it forward, then a check that finds the faulty step, then
 * the corrected steps from there and the right answer.
 */
import type { Rng } from '../../util/random.ts';
import { applyOp, checkDomain, evaluate, ProgramError, resolveLabels, type Op, type Program, type Step } from '../program.ts';
import * as Q from '../rational.ts';
import type { Rational } from '../rational.ts';
import { answerLine, expression, stepSentence } from '../solution.ts';

export type MistakeKind = 'arithmetic' | 'operation';

const SWAPPED: Partial<Record<Op, Op>> = { add: 'sub', sub: 'add', mul: 'div', div: 'mul' };

export interface SelfCorrectResult {
  solution: string;
  answer: Rational;
  wrongAnswer: Rational;
  mistake: { kind: MistakeKind; step: string };
}

interface Mistake {
  kind: MistakeKind;
  step: Step;
  wrong: Rational;
  /** The step as the flawed attempt writes it. */
  shownOp: Op;
}

/** Steps whose flawed line can be written as "{expression} = {wrong value}". */
const SLIPPABLE = new Set<Op>(['add', 'sub', 'mul', 'div', 'pct', 'square', 'choose', 'perm']);

function planMistake(program: Program, values: Map<string, Rational>, rng: Rng): Mistake | null {
  const candidates = program.steps.filter((s) => SLIPPABLE.has(s.op));
  if (candidates.length === 0) return null;
  const step = rng.pick(candidates);
  const args = step.args.map((id) => values.get(id)!);
  const correct = values.get(step.id)!;
  const swapped = SWAPPED[step.op];
  if (swapped && args.length === 2 && rng.next() < 0.4) {
    try {
      const wrong = applyOp(swapped, args);
      if (!Q.equals(wrong, correct) && wrong.n >= 0) return { kind: 'operation', step, wrong, shownOp: swapped };
    } catch (error) {
      if (!(error instanceof ProgramError || error instanceof RangeError)) throw error;
    }
  }
  const slip = Q.isInteger(correct)
    ? rng.pick([1, -1, 2, -2, 10, -10, correct.n >= 10 ? 9 : 3])
    : rng.pick([1, -1]);
  const wrong = Q.add(correct, Q.rat(slip));
  if (wrong.n < 0 && !step.allowNegative) return null;
  return { kind: 'arithmetic', step, wrong, shownOp: step.op };
}

/** Values with the mistake carried forward; null when a later step becomes undefined. */
function propagate(program: Program, mistake: Mistake): Map<string, Rational> | null {
  try {
    const values = new Map<string, Rational>();
    for (const given of program.givens) values.set(given.id, given.value);
    for (const step of program.steps) {
      const args = step.args.map((id) => values.get(id)!);
      const value = step === mistake.step ? mistake.wrong : applyOp(step.op, args);
      if (step !== mistake.step) {
        if (!step.allowNegative && value.n < 0) return null;
        if (['gcd', 'lcm', 'mod', 'floordiv', 'ceildiv', 'choose', 'perm'].includes(step.op) && !Q.isInteger(value)) return null;
      }
      values.set(step.id, value);
    }
    return values;
  } catch (error) {
    if (error instanceof ProgramError || error instanceof RangeError) return null;
    throw error;
  }
}

export function selfCorrect(seed: Program, rng: Rng): SelfCorrectResult | null {
  const program = resolveLabels(seed);
  const values = evaluate(program);
  const answer = values.get(program.answer)!;
  for (let attempt = 0; attempt < 6; attempt++) {
    const mistake = planMistake(program, values, rng);
    if (!mistake) continue;
    const flawed = propagate(program, mistake);
    if (!flawed) continue;
    const wrongAnswer = flawed.get(program.answer)!;
    if (Q.equals(wrongAnswer, answer)) continue;
    return { solution: write(program, values, flawed, mistake, rng), answer, wrongAnswer, mistake: { kind: mistake.kind, step: mistake.step.id } };
  }
  return null;
}

function write(program: Program, values: Map<string, Rational>, flawed: Map<string, Rational>, mistake: Mistake, rng: Rng): string {
  const lines: string[] = [];
  const index = program.steps.indexOf(mistake.step);
  const options = (i: number) => ({ detailed: program.detailed, variant: i === 0 ? 0 : rng.int(0, 3) });
  program.steps.forEach((step, i) => {
    const args = step.args.map((id) => flawed.get(id)!);
    if (step === mistake.step) {
      // The flawed attempt states the wrong value as if it were right; only this line is wrong.
      lines.push(`${i === 0 ? capitalized(step.label) : `Then ${step.label}`} is ${expression(mistake.shownOp, args)} = ${Q.formatRational(mistake.wrong)}.`);
    } else {
      lines.push(stepSentence(step, args, flawed.get(step.id)!, options(i)));
    }
  });
  lines.push(`So the answer would be ${Q.formatRational(flawed.get(program.answer)!)}.`);

  const args = mistake.step.args.map((id) => values.get(id)!);
  const correct = values.get(mistake.step.id)!;
  const right = `${expression(mistake.step.op, args)} = ${Q.formatRational(correct)}`;
  if (mistake.kind === 'arithmetic') {
    lines.push(`Let me check each step. For ${mistake.step.label}, ${right}, not ${Q.formatRational(mistake.wrong)}. That was an arithmetic mistake.`);
  } else {
    lines.push(`Let me check each step. For ${mistake.step.label}, I used the wrong operation: it should be ${right}, not ${Q.formatRational(mistake.wrong)}.`);
  }
  lines.push('Correcting from that step:');
  program.steps.slice(index).forEach((step, i) => {
    const stepArgs = step.args.map((id) => values.get(id)!);
    checkDomain(step, values.get(step.id)!);
    lines.push(stepSentence(step, stepArgs, values.get(step.id)!, options(i)));
  });
  lines.push(answerLine(values.get(program.answer)!));
  return lines.join('\n');
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
