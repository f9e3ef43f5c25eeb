/** Counting and probability: the product rule, handshakes, committees, arrangements, drawing marbles. */
import type { Rng } from '../../util/random.ts';
import { ProgramBuilder, type Program } from '../program.ts';
import { factor, type Family } from './common.ts';

const FRACTION = { allowFraction: true };

function menu(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('counting', rng, level);
  const kinds = level >= 3 ? 3 : 2;
  const names = rng.pick([
    ['sandwiches', 'drinks', 'desserts'],
    ['shirts', 'pairs of pants', 'hats'],
    ['routes to the river', 'routes from the river to the hill', 'routes from the hill to the town'],
  ]);
  const refs = names.slice(0, kinds).map(() => b.given(factor(rng, level, 2)));
  const context = `There are ${refs.map((r, i) => `${r} ${names[i]}`).join(' and ')} to choose from.`;
  const ref = b.step('mul', refs, 'the number of combinations');
  return b.build({ context, question: 'How many different ways are there to choose one of each?', answer: ref, answerKind: 'count', answerNoun: 'ways' });
}

/** Settings where every pair meets once: [context with {n}, noun for one meeting, noun for the group]. */
const PAIRINGS = [
  ['At a meeting, each of {n} people shakes hands once with every other person.', 'handshake', 'handshakes'],
  ['In a chess club, each of {n} players plays every other player exactly once.', 'game', 'games'],
  ['In a league of {n} teams, every team plays every other team once.', 'match', 'matches'],
  ['At a reunion, each of {n} friends takes one photo with every other friend.', 'photo', 'photos'],
  ['{n} points lie on a circle, and a chord joins every pair of them.', 'chord', 'chords'],
];

function handshakes(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('counting', rng, level);
  const [template, one, many] = rng.pick(PAIRINGS);
  const n = b.given(rng.int(3, 10 + 6 * level));
  const two = b.given(2, 'number', false);
  const context = template.replace('{n}', n);
  const pairs = b.step('choose', [n, two], `the number of ${many}`);
  if (level === 1 || one === 'chord') return b.build({ context, question: `How many ${many} are there?`, answer: pairs, answerKind: 'count', answerNoun: many });
  const t = b.given(rng.int(2, 5 + 5 * level));
  const ref = b.step('mul', [pairs, t], 'the total time in minutes');
  return b.build({ context: `${context} Each ${one} takes ${t} minutes.`, question: `How many minutes do all the ${many} take?`, answer: ref, answerKind: 'time', answerNoun: 'minutes' });
}

function committee(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('counting', rng, level);
  const nv = rng.int(4, 8 + 3 * level);
  const kv = rng.int(2, Math.min(nv - 1, 2 + Math.ceil(level / 2)));
  const n = b.given(nv);
  const k = b.given(kv, 'count', false);
  const ordered = rng.next() < 0.4;
  const group = rng.pick([
    ['club', 'members'],
    ['class', 'students'],
    ['choir', 'singers'],
    ['team', 'players'],
    ['office', 'workers'],
  ]);
  const context = ordered
    ? `${n} ${rng.pick(['runners are in a race', 'swimmers are in a final', 'bakers enter a contest'])}. Prizes go to the first ${k} places.`
    : `A ${group[0]} has ${n} ${group[1]}. It needs a committee of ${k} ${group[1]}.`;
  const ref = b.step(ordered ? 'perm' : 'choose', [n, k], ordered ? 'the number of ways to award the prizes' : 'the number of possible committees');
  return b.build({
    context,
    question: ordered ? 'In how many different ways can the prizes be awarded?' : 'How many different committees can be chosen?',
    answer: ref,
    answerKind: 'count',
    answerNoun: 'ways',
  });
}

function marbles(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('counting', rng, level);
  const colors = ['red', 'blue', 'green'];
  const counts = colors.map(() => rng.int(1, 4 + 3 * level));
  const refs = counts.map((c) => b.given(c));
  const target = rng.int(0, 2);
  const context = `A bag has ${refs[0]} red, ${refs[1]} blue and ${refs[2]} green marbles.`;
  const total = b.step('add', refs, 'the total number of marbles');
  if (level < 3 || counts[target] < 2) {
    const ref = b.step('div', [refs[target], total], `the probability of drawing a ${colors[target]} marble`, FRACTION);
    return b.build({ context, question: `One marble is drawn at random. What is the probability that it is ${colors[target]}?`, answer: ref, answerKind: 'probability', answerNoun: 'probability' });
  }
  const one = b.given(1, 'number', false);
  const first = b.step('div', [refs[target], total], `the probability that the first marble is ${colors[target]}`, FRACTION);
  const left = b.step('sub', [refs[target], one], `the number of ${colors[target]} marbles left after the first draw`);
  const rest = b.step('sub', [total, one], 'the number of marbles left after the first draw');
  const second = b.step('div', [left, rest], `the probability that the second marble is ${colors[target]} too`, FRACTION);
  const ref = b.step('mul', [first, second], `the probability that both are ${colors[target]}`, FRACTION);
  return b.build({
    context,
    question: `Two marbles are drawn at random without replacement. What is the probability that both are ${colors[target]}?`,
    answer: ref,
    answerKind: 'probability',
    answerNoun: 'probability',
  });
}

export const countingFamily: Family = {
  id: 'counting',
  title: 'Counting and probability',
  generate(rng, level) {
    return rng.pick([menu, handshakes, committee, marbles])(rng, level);
  },
};
