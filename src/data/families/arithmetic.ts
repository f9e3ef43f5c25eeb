/** Multi-step arithmetic word problems: a running count, shopping with change, production rates, ages. */
import type { Rng } from '../../util/random.ts';
import { ProgramBuilder, ProgramError, type Program } from '../program.ts';
import { amount, capitalizeFirst, divisorsBetween, factor, ITEMS, person, type Family } from './common.ts';

function runningCount(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('arithmetic', rng, level);
  const p = person(rng);
  const friend = person(rng, p.name);
  const items = rng.pick(ITEMS);
  let current = amount(rng, level, 5);
  let ref = b.given(current);
  const sentences = [
    rng.pick([`${p.name} has ${ref} ${items}.`, `${p.name} collects ${items} and has ${ref} of them.`, `There are ${ref} ${items} in ${p.name}'s box.`]),
  ];
  const events = level + 1;
  for (let i = 0; i < events; i++) {
    const kind = rng.pick(['gain', 'gain', 'lose', 'lose', 'times', 'split']);
    if (kind === 'gain') {
      const k = amount(rng, level, 1);
      const g = b.given(k);
      sentences.push(rng.pick([`${capitalizeFirst(p.he)} buys ${g} more.`, `${friend.name} gives ${p.him} ${g} more.`, `${capitalizeFirst(p.he)} finds ${g} more.`]));
      ref = b.step('add', [ref, g], `the number of ${items} after getting more`);
      current += k;
    } else if (kind === 'lose' && current > 2) {
      const k = rng.int(1, current - 1);
      const g = b.given(k);
      sentences.push(rng.pick([`${capitalizeFirst(p.he)} gives ${g} to ${friend.name}.`, `${capitalizeFirst(p.he)} uses ${g} of them for a project.`, `${capitalizeFirst(p.he)} loses ${g} of them.`]));
      ref = b.step('sub', [ref, g], `the number of ${items} left`);
      current -= k;
    } else if (kind === 'times' && current * 5 <= 4 * amount(rng, level + 1, 10)) {
      const k = rng.int(2, 4);
      const g = b.given(k, 'count', false);
      sentences.push(rng.pick([`Then the number of ${items} ${p.he} has becomes ${g} times as large.`, `A month later ${p.he} has ${g} times as many ${items} as before.`]));
      ref = b.step('mul', [ref, g], `the number of ${items} after it grows`);
      current *= k;
    } else {
      const divisors = divisorsBetween(current, 2, 9);
      if (divisors.length === 0) {
        i--;
        continue;
      }
      const k = rng.pick(divisors);
      const g = b.given(k, 'count', false);
      sentences.push(rng.pick([`${capitalizeFirst(p.he)} splits them equally into ${g} groups and keeps one group.`, `${capitalizeFirst(p.he)} shares them equally among ${g} friends, ${p.him}self included, and keeps one share.`]));
      ref = b.step('div', [ref, g], `the number of ${items} in one share`);
      current /= k;
    }
  }
  const question = rng.pick([`How many ${items} does ${p.name} have now?`, `How many ${items} does ${p.name} have at the end?`]);
  return b.build({ context: sentences.join(' '), question, answer: ref, answerKind: 'count', answerNoun: items });
}

const GOODS = [
  ['notebooks', 'pens', 'folders'],
  ['shirts', 'hats', 'pairs of socks'],
  ['apples', 'melons', 'bags of nuts'],
  ['tickets', 'snacks', 'drinks'],
  ['plants', 'pots', 'bags of soil'],
];

/** Highest unit price in dollars at each level (index 0 unused). */
const PRICE_MAX = [0, 12, 30, 30, 90, 90];

function shopping(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('arithmetic', rng, level);
  const p = person(rng);
  const goods = rng.pick(GOODS);
  const kinds = level >= 3 ? 3 : 2;
  const costs: string[] = [];
  const parts: string[] = [];
  let total = 0;
  for (let i = 0; i < kinds; i++) {
    const count = factor(rng, level, 2);
    const price = rng.int(2, PRICE_MAX[level]);
    const c = b.given(count);
    const pr = b.given(price, 'money');
    parts.push(`${c} ${goods[i]} for ${pr} each`);
    costs.push(b.step('mul', [c, pr], `the cost of the ${goods[i]}`));
    total += count * price;
  }
  const sum = b.step('add', costs, 'the total cost');
  const context = `${p.name} buys ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}.`;
  if (level === 1 || rng.next() < 0.3) {
    return b.build({ context, question: `How much does ${p.he} spend in total?`, answer: sum, answerKind: 'money', answerNoun: 'dollars' });
  }
  const bill = Math.ceil((total + 1) / 50) * 50 + rng.pick([0, 0, 50, 100]);
  const paid = b.given(bill, 'money');
  const change = b.step('sub', [paid, sum], 'the change');
  return b.build({ context: `${context} ${capitalizeFirst(p.he)} pays with ${paid}.`, question: `How much change does ${p.he} get?`, answer: change, answerKind: 'money', answerNoun: 'dollars' });
}

const MACHINES = [
  ['machine', 'toys'],
  ['bakery oven', 'loaves'],
  ['printer', 'posters'],
  ['factory line', 'bottles'],
];

function production(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('arithmetic', rng, level);
  const [machine, things] = rng.pick(MACHINES);
  const rate = b.given(amount(rng, level, 3));
  const hours = b.given(rng.int(2, 10));
  let context = `A ${machine} makes ${rate} ${things} every hour. It runs for ${hours} hours a day.`;
  let ref = b.step('mul', [rate, hours], `the number of ${things} made in one day`);
  let question = `How many ${things} does it make in one day?`;
  if (level >= 2) {
    const days = b.given(rng.int(2, 7));
    context += ` It runs like this for ${days} days.`;
    ref = b.step('mul', [ref, days], `the number of ${things} made over all the days`);
    question = `How many ${things} does it make in all?`;
  }
  if (level >= 3) {
    const defective = b.given(rng.int(1, 3 * level));
    context += ` Of these, ${defective} ${things} are defective.`;
    ref = b.step('sub', [ref, defective], `the number of good ${things}`);
    question = `How many good ${things} does it make?`;
  }
  return b.build({ context, question, answer: ref, answerKind: 'count', answerNoun: things });
}

function ages(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('arithmetic', rng, level);
  const p = person(rng);
  const q = person(rng, p.name);
  const age = b.given(rng.int(3, 15));
  const older = b.given(rng.int(2, 12));
  let context = `${p.name} is ${age} years old. ${q.name} is ${older} years older than ${p.name}.`;
  let ref = b.step('add', [age, older], `${q.name}'s age`);
  let question = `How old is ${q.name}?`;
  if (level >= 2) {
    const times = b.given(rng.int(2, 3), 'count', false);
    context += ` Their grandfather is ${times} times as old as ${q.name}.`;
    ref = b.step('mul', [ref, times], 'the grandfather\'s age');
    question = 'How old is their grandfather?';
  }
  if (level >= 3) {
    const years = b.given(rng.int(2, 20));
    ref = b.step('add', [ref, years], `the grandfather's age then`);
    question = `How old will their grandfather be in ${years} years?`;
  }
  return b.build({ context, question, answer: ref, answerKind: 'number', answerNoun: 'years' });
}

export const arithmeticFamily: Family = {
  id: 'arithmetic',
  title: 'Multi-step arithmetic word problems',
  generate(rng, level) {
    const template = rng.pick([runningCount, runningCount, shopping, production, ages]);
    const program = template(rng, level);
    if (program.steps.length === 0) throw new ProgramError('no steps');
    return program;
  },
};
