/** Areas and perimeters: fences, triangles, L-shaped floors, painted walls, squares. */
import type { Rng } from '../../util/random.ts';
import { ProgramBuilder, type Program } from '../program.ts';
import { amount, divisorsBetween, factor, type Family } from './common.ts';

function side(rng: Rng, level: number): number {
  return amount(rng, Math.min(level, 4), 2);
}

function fence(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('geometry', rng, level);
  const place = rng.pick(['garden', 'field', 'playground', 'yard']);
  const l = b.given(side(rng, level), 'length');
  const w = b.given(side(rng, level), 'length');
  const context = `A rectangular ${place} is ${l} meters long and ${w} meters wide.`;
  if (level === 1 || rng.next() < 0.3) {
    const ref = b.step('mul', [l, w], `the area of the ${place}`);
    return b.build({ context, question: 'What is its area in square meters?', answer: ref, answerKind: 'area', answerNoun: 'square meters' });
  }
  const two = b.given(2, 'number', false);
  const half = b.step('add', [l, w], 'the length plus the width');
  const perimeter = b.step('mul', [half, two], 'the perimeter');
  if (level === 2) return b.build({ context, question: `How many meters of fence go around the ${place}?`, answer: perimeter, answerKind: 'length', answerNoun: 'meters' });
  const price = b.given(rng.int(2, 20), 'money');
  const ref = b.step('mul', [perimeter, price], 'the cost of the fence');
  return b.build({ context: `${context} Fencing costs ${price} per meter.`, question: `How much does it cost to fence the ${place}?`, answer: ref, answerKind: 'money', answerNoun: 'dollars' });
}

function triangle(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('geometry', rng, level);
  let base = side(rng, level);
  const height = side(rng, level);
  if ((base * height) % 2 === 1) base++;
  const bs = b.given(base, 'length');
  const h = b.given(height, 'length');
  const two = b.given(2, 'number', false);
  const product = b.step('mul', [bs, h], 'the base times the height');
  const ref = b.step('div', [product, two], 'the area of the triangle');
  return b.build({ context: `A triangle has a base of ${bs} cm and a height of ${h} cm.`, question: 'What is its area in square centimeters?', answer: ref, answerKind: 'area', answerNoun: 'square centimeters' });
}

function lShape(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('geometry', rng, level);
  const dims = [side(rng, level), side(rng, level), side(rng, level), side(rng, level)];
  const [a, c, d, e] = dims.map((v) => b.given(v, 'length'));
  const context = `An L-shaped floor is made of two rectangles, one ${a} m by ${c} m and the other ${d} m by ${e} m.`;
  const first = b.step('mul', [a, c], 'the area of the first rectangle');
  const second = b.step('mul', [d, e], 'the area of the second rectangle');
  const total = b.step('add', [first, second], 'the area of the floor');
  if (level <= 2) return b.build({ context, question: 'What is the area of the floor in square meters?', answer: total, answerKind: 'area', answerNoun: 'square meters' });
  const price = b.given(rng.int(3, 40), 'money');
  const ref = b.step('mul', [total, price], 'the cost of the carpet');
  return b.build({ context: `${context} Carpet costs ${price} per square meter.`, question: 'How much does it cost to carpet the floor?', answer: ref, answerKind: 'money', answerNoun: 'dollars' });
}

function paint(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('geometry', rng, level);
  const height = rng.int(2, 5 + 2 * level);
  const width = rng.int(4, 10 + 5 * level);
  const wa = rng.int(1, Math.min(3, height - 1));
  const wb = rng.int(1, 3);
  const area = height * width - wa * wb;
  const cover = divisorsBetween(area, 2, 12);
  const h = b.given(height, 'length');
  const w = b.given(width, 'length');
  const x = b.given(wa, 'length');
  const y = b.given(wb, 'length');
  const wall = rng.pick(['A wall', 'A garden wall', 'The side of a shed', 'A classroom wall']);
  const opening = rng.pick(['a window', 'a door', 'an opening']);
  const context = `${wall} is ${h} m high and ${w} m wide. It has ${opening} that is ${x} m by ${y} m.`;
  const wallArea = b.step('mul', [h, w], 'the area of the wall');
  const openingArea = b.step('mul', [x, y], `the area of ${opening}`);
  const paintArea = b.step('sub', [wallArea, openingArea], 'the area to paint');
  if (cover.length === 0) return b.build({ context, question: 'How many square meters of wall need paint?', answer: paintArea, answerKind: 'area', answerNoun: 'square meters' });
  const c = b.given(rng.pick(cover), 'area', false);
  const ref = b.step('div', [paintArea, c], 'the number of liters of paint');
  return b.build({ context: `${context} One liter of paint covers ${c} square meters.`, question: 'How many liters of paint are needed?', answer: ref, answerKind: 'count', answerNoun: 'liters' });
}

function square(rng: Rng, level: number): Program {
  const b = new ProgramBuilder('geometry', rng, level);
  const s = amount(rng, Math.min(level + 1, 4), 2);
  const p = b.given(4 * s, 'length');
  const four = b.given(4, 'number', false);
  const thing = rng.pick(['A square', 'A square tile', 'A square garden bed', 'A square photo frame', 'A square table top']);
  const sideRef = b.step('div', [p, four], 'the side length');
  const ref = b.step('square', [sideRef], 'the area');
  return b.build({ context: `${thing} has a perimeter of ${p} cm.`, question: 'What is its area in square centimeters?', answer: ref, answerKind: 'area', answerNoun: 'square centimeters' });
}

export const geometryFamily: Family = {
  id: 'geometry',
  title: 'Areas and perimeters',
  generate(rng, level) {
    return rng.pick([fence, triangle, lShape, paint, square])(rng, level);
  },
};
