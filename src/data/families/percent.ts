/** Percentages and ratios: discounts, growth, parts of a ratio, "what percent". */
import type { Rng } from '../../util/random.ts';
import { gcd } from '../rational.ts';
import { ProgramBuilder, type Program } from '../program.ts';
import { amount, factor, person, type Family } from './common.ts';

const PERCENTS = [5, 10, 15, 20, 25, 30, 40, 50, 60, 75];

/** Draws a multiple of the smallest base for which base * percent / 100 is whole. */
function baseFor(rng: Rng, percent: number, level: number): number {
  const step = 100 / gcd(percent, 100);
  return step * Math.max(1, Math.round(amount(rng, level, step) / step));
}

function discount(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('percent', rng, level);
  const p = person(rng);
  const item = rng.pick(['jacket', 'bicycle', 'lamp', 'game console', 'tent', 'guitar']);
  const off = rng.pick(PERCENTS);
  const price = baseFor(rng, off, level + 1);
  const pr = b.given(price, 'money');
  const pc = b.given(off, 'percent');
  let context = `A ${item} costs ${pr}. It is on sale for ${pc} off.`;
  const saving = b.step('pct', [pc, pr], 'the discount');
  let ref = b.step('sub', [pr, saving], 'the sale price');
  let question = `What is the sale price of the ${item}?`;
  if (level >= 3) {
    const count = b.given(rng.int(2, 5));
    context += ` ${p.name} buys ${count} of them at the sale price.`;
    ref = b.step('mul', [ref, count], 'the total cost');
    question = `How much does ${p.name} pay?`;
  }
  return b.build({ context, question, answer: ref, answerKind: 'money', answerNoun: 'dollars' });
}

function growth(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('percent', rng, level);
  const p = person(rng);
  const up = rng.pick(PERCENTS);
  const start = baseFor(rng, up, level + 1);
  const s = b.given(start);
  const u = b.given(up, 'percent');
  const things = rng.pick(['followers', 'subscribers', 'members', 'visitors']);
  let context = `${p.name}'s club had ${s} ${things}. The number grew by ${u}.`;
  const gain = b.step('pct', [u, s], `the number of new ${things}`);
  let ref = b.step('add', [s, gain], `the number of ${things} after the growth`);
  let question = `How many ${things} does it have now?`;
  if (level >= 3) {
    const after = (start * (100 + up)) / 100;
    const down = PERCENTS.find((d) => (after * d) % 100 === 0 && d !== up);
    if (down !== undefined) {
      const dn = b.given(down, 'percent');
      context += ` Later it lost ${dn} of its ${things}.`;
      const loss = b.step('pct', [dn, ref], `the number of ${things} lost`);
      ref = b.step('sub', [ref, loss], `the number of ${things} at the end`);
      question = `How many ${things} does it have at the end?`;
    }
  }
  return b.build({ context, question, answer: ref, answerKind: 'count', answerNoun: things });
}

const GROUPS = [
  ['boys', 'girls', 'class'],
  ['red marbles', 'blue marbles', 'jar'],
  ['cats', 'dogs', 'shelter'],
  ['novels', 'comics', 'library shelf'],
];

function ratio(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('percent', rng, level);
  const [first, second, place] = rng.pick(GROUPS);
  const x = factor(rng, level, 1);
  let y = factor(rng, level, 1);
  if (y === x) y++;
  const part = amount(rng, level, 2);
  const a = b.given(x, 'number', false);
  const c = b.given(y, 'number', false);
  const total = b.given((x + y) * part);
  const context = `The ratio of ${first} to ${second} in a ${place} is ${a}:${c}. There are ${total} in total.`;
  const parts = b.step('add', [a, c], 'the number of parts');
  const size = b.step('div', [total, parts], 'the size of one part');
  const ref = b.step('mul', [size, c], `the number of ${second}`);
  return b.build({ context, question: `How many ${second} are there?`, answer: ref, answerKind: 'count', answerNoun: second });
}

function whatPercent(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('percent', rng, level);
  const p = person(rng);
  const total = rng.pick(level <= 2 ? [10, 20, 25, 50] : [20, 25, 40, 50, 80, 200, 400]);
  const unit = total / gcd(total, 100);
  const right = unit * rng.int(1, Math.floor(total / unit));
  const r = b.given(right);
  const n = b.given(total, 'count', false);
  const hundred = b.given(100, 'number', false);
  const context = `${p.name} answered ${r} of the ${n} questions on a test correctly.`;
  const fraction = b.step('div', [r, n], 'the fraction answered correctly', { allowFraction: true });
  const ref = b.step('mul', [fraction, hundred], 'the percentage answered correctly');
  return b.build({ context, question: `What percent of the questions did ${p.he} answer correctly?`, answer: ref, answerKind: 'percent', answerNoun: 'percent' });
}

export const percentFamily: Family = {
  id: 'percent',
  title: 'Percentages and ratios',
  generate(rng, level) {
    return rng.pick([discount, growth, ratio, whatPercent])(rng, level);
  },
};
