/** gcd, lcm and remainders: gift bags, buses, the division algorithm, vans for a trip. */
import type { Rng } from '../../util/random.ts';
import { ProgramBuilder, type Program } from '../program.ts';
import { amount, capitalizeFirst, factor, person, type Family } from './common.ts';

function divisionAlgorithm(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('number-theory', rng, level);
  const dv = factor(rng, level, 3);
  const d = b.given(dv, 'number');
  const q = b.given(amount(rng, level, 2), 'number');
  const r = b.given(rng.int(0, dv - 1), 'number', false);
  const context = rng.pick([
    `Dividing a whole number by ${d} gives ${q} with ${r} left over.`,
    `${capitalizeFirst(person(rng).name)} splits some marbles into groups of ${d}. ${q} full groups are made and ${r} marbles are left over.`,
  ]);
  const product = b.step('mul', [q, d], 'the quotient times the divisor');
  const ref = b.step('add', [product, r], 'the number');
  const question = context.startsWith('Dividing') ? 'Find the whole number.' : 'How many marbles are there?';
  return b.build({ context, question, answer: ref, answerKind: 'number', answerNoun: 'units' });
}

function remainder(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('number-theory', rng, level);
  const n = b.given(amount(rng, level + 1, 10), 'number');
  const d = b.given(factor(rng, level, 3), 'number', false);
  const ref = b.step('mod', [n, d], 'the remainder');
  return b.build({ context: `What is the remainder when ${n} is divided by ${d}?`, question: '', answer: ref, answerKind: 'number', answerNoun: 'units' });
}

function giftBags(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('number-theory', rng, level);
  const p = person(rng);
  const g = factor(rng, level, 2);
  let x = factor(rng, level, 2);
  let y = factor(rng, level, 2);
  while (y === x) y++;
  if (x > y) [x, y] = [y, x];
  const things = rng.pick([['pencils', 'erasers'], ['red beads', 'blue beads'], ['apples', 'oranges'], ['stickers', 'cards']]);
  const a = b.given(g * x);
  const c = b.given(g * y);
  const context = `${p.name} has ${a} ${things[0]} and ${c} ${things[1]}. ${capitalizeFirst(p.he)} puts all of them into identical gift bags, with no items left over, making as many bags as possible.`;
  const bags = b.step('gcd', [a, c], 'the number of bags');
  if (level === 1) return b.build({ context, question: 'How many bags does ' + p.he + ' make?', answer: bags, answerKind: 'count', answerNoun: 'bags' });
  const price = b.given(rng.int(2, 15), 'money');
  const ref = b.step('mul', [bags, price], 'the money from selling the bags');
  return b.build({ context: `${context} ${capitalizeFirst(p.he)} sells each bag for ${price}.`, question: `How much money does ${p.he} make?`, answer: ref, answerKind: 'money', answerNoun: 'dollars' });
}

function buses(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('number-theory', rng, level);
  const av = rng.int(3, 10 + 6 * level);
  let bv = rng.int(3, 10 + 6 * level);
  if (bv === av) bv++;
  const a = b.given(av, 'time');
  const c = b.given(bv, 'time');
  const [first, second, rest] = rng.pick([
    ['Bus A', 'bus B', 'leaves the station'],
    ['The red train', 'the blue train', 'leaves the platform'],
    ['One ferry', 'another ferry', 'leaves the harbor'],
    ['A green light', 'a yellow light', 'flashes on the tower'],
  ]);
  const verb = rest.startsWith('flashes') ? 'flash' : 'leave';
  const context = `${first} ${rest} every ${a} minutes and ${second} every ${c} minutes. Both ${verb} together at 8:00.`;
  const together = b.step('lcm', [a, c], `the number of minutes until they ${verb} together again`);
  if (level <= 2) return b.build({ context, question: `After how many minutes do they next ${verb} together?`, answer: together, answerKind: 'time', answerNoun: 'minutes' });
  const k = b.given(rng.int(2, 5), 'count');
  const ref = b.step('mul', [together, k], 'the number of minutes until that time');
  return b.build({ context, question: `How many minutes after 8:00 do they ${verb} together for the ${k}th time after 8:00?`, answer: ref, answerKind: 'time', answerNoun: 'minutes' });
}

function vans(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('number-theory', rng, level);
  const n = b.given(amount(rng, level + 1, 10));
  const c = b.given(factor(rng, level, 4), 'count', false);
  const context = `${n} students are going on a trip. Each van holds ${c} students.`;
  const count = b.step('ceildiv', [n, c], 'the number of vans needed');
  if (level === 1) return b.build({ context, question: 'How many vans are needed?', answer: count, answerKind: 'count', answerNoun: 'vans' });
  const cost = b.given(rng.int(20, 90), 'money');
  const ref = b.step('mul', [count, cost], 'the cost of the vans');
  return b.build({ context: `${context} Each van costs ${cost} to rent.`, question: 'How much does it cost to rent the vans?', answer: ref, answerKind: 'money', answerNoun: 'dollars' });
}

export const numberTheoryFamily: Family = {
  id: 'number-theory',
  title: 'gcd, lcm and remainders',
  generate(rng, level) {
    return rng.pick([divisionAlgorithm, remainder, giftBags, buses, vans])(rng, level);
  },
};
