/** Fraction arithmetic: sums and differences, a fraction of an amount, division of fractions. */
import type { Rng } from '../../util/random.ts';
import { rat, type Rational } from '../rational.ts';
import { ProgramBuilder, type Program } from '../program.ts';
import { amount, capitalizeFirst, person, type Family } from './common.ts';

const FRACTION = { allowFraction: true };

function properFraction(rng: Rng, level: number): Rational {
  const d = rng.int(2, 4 + 2 * level);
  return rat(rng.int(1, d - 1), d);
}

function sumOfFractions(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('fractions', rng, level);
  const terms = level >= 4 ? 3 : 2;
  const refs = Array.from({ length: terms }, () => b.given(properFraction(rng, level), 'fraction'));
  const subtract = terms === 2 && rng.next() < 0.4;
  const op = subtract ? 'sub' : 'add';
  const context = `What is ${refs.join(subtract ? ' - ' : ' + ')}?`;
  const ref = b.step(op, refs, subtract ? 'the difference' : 'the sum', { allowFraction: true, allowNegative: true });
  return b.build({ context, question: 'Give the answer as a fraction in lowest terms.', answer: ref, answerKind: 'fraction', answerNoun: 'units' });
}

function pizza(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('fractions', rng, level);
  const p = person(rng);
  const q = person(rng, p.name);
  let f1 = properFraction(rng, level);
  let f2 = properFraction(rng, level);
  while (f1.n * f2.d + f2.n * f1.d >= f1.d * f2.d) {
    f1 = properFraction(rng, level);
    f2 = properFraction(rng, level);
  }
  const a = b.given(f1, 'fraction');
  const c = b.given(f2, 'fraction');
  const whole = b.given(1, 'number', false);
  const thing = rng.pick(['pizza', 'cake', 'pie', 'loaf of bread']);
  const context = `${p.name} eats ${a} of a ${thing} and ${q.name} eats ${c} of it.`;
  const eaten = b.step('add', [a, c], `the fraction of the ${thing} eaten`, FRACTION);
  const ref = b.step('sub', [whole, eaten], `the fraction of the ${thing} left`, FRACTION);
  return b.build({ context, question: `What fraction of the ${thing} is left?`, answer: ref, answerKind: 'fraction', answerNoun: 'parts' });
}

function fractionOfAmount(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('fractions', rng, level);
  const p = person(rng);
  const f = properFraction(rng, level);
  const total = f.d * Math.max(1, Math.round(amount(rng, level, f.d) / f.d));
  const m = b.given(total, 'money');
  const fr = b.given(f, 'fraction');
  const thing = rng.pick(['books', 'a gift', 'groceries', 'a concert ticket']);
  const spent = b.step('mul', [fr, m], 'the amount spent');
  if (rng.next() < 0.5) {
    return b.build({ context: `${p.name} had ${m} and spent ${fr} of it on ${thing}.`, question: `How much did ${p.he} spend?`, answer: spent, answerKind: 'money', answerNoun: 'dollars' });
  }
  const ref = b.step('sub', [m, spent], 'the amount left');
  return b.build({ context: `${p.name} had ${m} and spent ${fr} of it on ${thing}.`, question: `How much money does ${p.he} have left?`, answer: ref, answerKind: 'money', answerNoun: 'dollars' });
}

function divideFractions(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('fractions', rng, level);
  const p = person(rng);
  const ribbon = rat(rng.int(2, 6 + level * 2), rng.pick([1, 2, 3, 4]));
  const piece = rat(1, rng.int(2, 3 + level));
  const r = b.given(ribbon, 'fraction');
  const s = b.given(piece, 'fraction');
  if (rng.next() < 0.5) {
    const ref = b.step('div', [r, s], 'the quotient', FRACTION);
    return b.build({ context: `What is ${r} divided by ${s}?`, question: 'Give the answer as a fraction in lowest terms.', answer: ref, answerKind: 'fraction', answerNoun: 'units' });
  }
  const ref = b.step('div', [r, s], 'the number of pieces', FRACTION);
  return b.build({
    context: `${p.name} has ${r} meters of ribbon. ${capitalizeFirst(p.he)} cuts it into pieces that are each ${s} of a meter long.`,
    question: 'How many pieces does the ribbon make? Give a fraction if the last piece is partial.',
    answer: ref,
    answerKind: 'fraction',
    answerNoun: 'pieces',
  });
}

export const fractionsFamily: Family = {
  id: 'fractions',
  title: 'Fractions',
  generate(rng, level) {
    return rng.pick([sumOfFractions, pizza, fractionOfAmount, divideFractions])(rng, level);
  },
};
