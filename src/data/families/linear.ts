/** Linear equations in one unknown, as bare equations and as "think of a number" puzzles. */
import type { Rng } from '../../util/random.ts';
import { ProgramBuilder, type Program } from '../program.ts';
import { amount, factor, type Family } from './common.ts';

const FREE = { allowNegative: true };

function solution(rng: Rng, level: number): number {
  const x = amount(rng, level, 1);
  return level >= 3 && rng.next() < 0.3 ? -x : x;
}

/** a x + b = c or a x - b = c. */
function oneSided(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('linear', rng, level);
  const x = solution(rng, level);
  const av = factor(rng, level, 2);
  const bv = amount(rng, level, 1);
  const minus = rng.next() < 0.4;
  const cv = av * x + (minus ? -bv : bv);
  const a = b.given(av, 'number', false);
  const k = b.given(bv, 'number');
  const c = b.given(cv, 'number');
  const wordy = rng.next() < 0.5;
  const context = wordy
    ? `I think of a number. I multiply it by ${a} and then ${minus ? `subtract ${k}` : `add ${k}`}. The result is ${c}.`
    : `Solve for x: ${a}x ${minus ? '-' : '+'} ${k} = ${c}.`;
  const question = wordy ? 'What is my number?' : 'What is x?';
  const term = b.step(minus ? 'add' : 'sub', [c, k], wordy ? 'the number times the multiplier' : 'the value of the x-term', FREE);
  const ref = b.step('div', [term, a], wordy ? 'my number' : 'the value of x', FREE);
  return b.build({ context, question, answer: ref, answerKind: 'number', answerNoun: 'units' });
}

/** a x + b = c x + d with a > c. */
function twoSided(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('linear', rng, level);
  const x = solution(rng, level);
  const cv = factor(rng, level, 1);
  const av = cv + factor(rng, level, 1);
  const bv = amount(rng, level, 1);
  const dv = (av - cv) * x + bv;
  const a = b.given(av, 'number', false);
  const k = b.given(bv, 'number');
  const c = b.given(cv, 'number', false);
  const d = b.given(dv, 'number');
  const context = `Solve for x: ${a}x + ${k} = ${c}x + ${d}.`;
  const coefficient = b.step('sub', [a, c], 'the coefficient of x after moving the x-terms to the left');
  const constant = b.step('sub', [d, k], 'the constant after moving it to the right', FREE);
  const ref = b.step('div', [constant, coefficient], 'the value of x', FREE);
  return b.build({ context, question: 'What is x?', answer: ref, answerKind: 'number', answerNoun: 'units' });
}

/** a (x + b) = c. */
function bracketed(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('linear', rng, level);
  const x = solution(rng, level);
  const av = factor(rng, level, 2);
  const bv = amount(rng, level, 1);
  const a = b.given(av, 'number', false);
  const k = b.given(bv, 'number');
  const c = b.given(av * (x + bv), 'number');
  const context = rng.pick([`Solve for x: ${a}(x + ${k}) = ${c}.`, `When ${k} is added to a number and the sum is multiplied by ${a}, the result is ${c}.`]);
  const question = context.startsWith('Solve') ? 'What is x?' : 'What is the number?';
  const inner = b.step('div', [c, a], 'the value inside the parentheses', FREE);
  const ref = b.step('sub', [inner, k], context.startsWith('Solve') ? 'the value of x' : 'the number', FREE);
  return b.build({ context, question, answer: ref, answerKind: 'number', answerNoun: 'units' });
}

export const linearFamily: Family = {
  id: 'linear',
  title: 'Linear equations',
  generate(rng, level) {
    return rng.pick(level >= 2 ? [oneSided, twoSided, bracketed] : [oneSided, bracketed])(rng, level);
  },
};
