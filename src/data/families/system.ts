/** Systems of two linear equations: sum and difference, tickets, heads and legs, general elimination. */
import type { Rng } from '../../util/random.ts';
import { ProgramBuilder, ProgramError, type Program } from '../program.ts';
import { amount, factor, type Family } from './common.ts';

const FREE = { allowNegative: true };

function sumDifference(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('system', rng, level);
  const y = amount(rng, level, 1);
  const x = y + amount(rng, level, 1);
  const s = b.given(x + y, 'number');
  const d = b.given(x - y, 'number');
  const two = b.given(2, 'number', false);
  const context = rng.pick([`Two numbers add up to ${s} and their difference is ${d}.`, `x + y = ${s} and x - y = ${d}.`]);
  const wordy = context.startsWith('Two');
  const doubled = b.step('add', [s, d], wordy ? 'twice the larger number' : 'the value of 2x');
  const ref = b.step('div', [doubled, two], wordy ? 'the larger number' : 'the value of x');
  return b.build({ context, question: wordy ? 'What is the larger number?' : 'What is x?', answer: ref, answerKind: 'number', answerNoun: 'units' });
}

function tickets(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('system', rng, level);
  const child = rng.int(2, 12);
  const adult = child + rng.int(1, 10);
  const adults = amount(rng, level, 1);
  const children = amount(rng, level, 1);
  const pa = b.given(adult, 'money');
  const pc = b.given(child, 'money');
  const n = b.given(adults + children);
  const t = b.given(adult * adults + child * children, 'money');
  const context = `Adult tickets to a show cost ${pa} and child tickets cost ${pc}. ${n} tickets were sold for ${t} in total.`;
  const allAdult = b.step('mul', [n, pa], 'the total if every ticket were an adult ticket');
  const gap = b.step('sub', [allAdult, t], 'the difference from the real total');
  const diff = b.step('sub', [pa, pc], 'the price difference per ticket');
  const ref = b.step('div', [gap, diff], 'the number of child tickets');
  return b.build({ context, question: 'How many child tickets were sold?', answer: ref, answerKind: 'count', answerNoun: 'tickets' });
}

function headsAndLegs(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('system', rng, level);
  const light = amount(rng, level + 1, 1);
  const heavy = amount(rng, level + 1, 1);
  // [two-legged or two-wheeled kind, four-legged or four-wheeled kind, where, what is counted, what the 2 and 4 count]
  const [pairs, quads, place, counted, feet] = rng.pick([
    ['chickens', 'cows', 'A farm has', 'heads', 'legs'],
    ['ducks', 'goats', 'A farm has', 'heads', 'legs'],
    ['geese', 'sheep', 'A meadow has', 'heads', 'legs'],
    ['bicycles', 'cars', 'A parking lot has', 'vehicles', 'wheels'],
    ['motorcycles', 'vans', 'A garage has', 'vehicles', 'wheels'],
  ]);
  const h = b.given(light + heavy);
  const l = b.given(2 * light + 4 * heavy);
  const two = b.given(2, 'number', false);
  const context = `${place} ${pairs} and ${quads}. Together they have ${h} ${counted} and ${l} ${feet}.`;
  const allTwo = b.step('mul', [h, two], `the number of ${feet} if all of them were ${pairs}`);
  const extra = b.step('sub', [l, allTwo], `the number of extra ${feet}`);
  const ref = b.step('div', [extra, two], `the number of ${quads}`);
  return b.build({ context, question: `How many ${quads} are there?`, answer: ref, answerKind: 'count', answerNoun: quads });
}

/** a1 x + b1 y = c1, a2 x + b2 y = c2, solved for y by elimination. */
function elimination(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('system', rng, level);
  const x = amount(rng, Math.min(level, 3), 1);
  const y = amount(rng, Math.min(level, 3), 1) * (rng.next() < 0.3 ? -1 : 1);
  const [a1, b1, a2, b2] = [factor(rng, level, 1), factor(rng, level, 1), factor(rng, level, 1), factor(rng, level, 1)];
  if (a1 * b2 - a2 * b1 === 0) throw new ProgramError('singular system');
  const A1 = b.given(a1, 'number', false);
  const B1 = b.given(b1, 'number', false);
  const C1 = b.given(a1 * x + b1 * y, 'number');
  const A2 = b.given(a2, 'number', false);
  const B2 = b.given(b2, 'number', false);
  const C2 = b.given(a2 * x + b2 * y, 'number');
  const context = `Solve the system ${A1}x + ${B1}y = ${C1} and ${A2}x + ${B2}y = ${C2}.`;
  const left = b.step('mul', [A1, C2], 'the right side of the second equation times the x-coefficient of the first', FREE);
  const right = b.step('mul', [A2, C1], 'the right side of the first equation times the x-coefficient of the second', FREE);
  const constant = b.step('sub', [left, right], 'the constant after eliminating x', FREE);
  const p1 = b.step('mul', [A1, B2], 'the product of the first x-coefficient and the second y-coefficient', FREE);
  const p2 = b.step('mul', [A2, B1], 'the product of the second x-coefficient and the first y-coefficient', FREE);
  const coefficient = b.step('sub', [p1, p2], 'the coefficient of y after eliminating x', FREE);
  const ref = b.step('div', [constant, coefficient], 'the value of y', FREE);
  return b.build({ context, question: 'What is y?', answer: ref, answerKind: 'number', answerNoun: 'units' });
}

export const systemFamily: Family = {
  id: 'system',
  title: 'Systems of two equations',
  generate(rng, level) {
    return rng.pick(level >= 3 ? [sumDifference, tickets, headsAndLegs, elimination] : [sumDifference, tickets, headsAndLegs])(rng, level);
  },
};
