/** Shared vocabulary and number ranges for the problem families. */
import type { Rng } from '../../util/random.ts';
import type { Program } from '../program.ts';

export type FamilyId = 'arithmetic' | 'percent' | 'linear' | 'system' | 'fractions' | 'counting' | 'number-theory' | 'geometry';

export interface Family {
  id: FamilyId;
  title: string;
  /** Builds one problem at difficulty `level` (1–5); may throw ProgramError, and the caller retries. */
  generate(rng: Rng, level: number): Program;
}

export interface Person {
  name: string;
  /** Subject, object and possessive pronouns. */
  he: string;
  him: string;
  his: string;
}

const WOMEN = ['Ava', 'Maya', 'Lena', 'Sofia', 'Priya', 'Chloe', 'Nora', 'Amara', 'Julia', 'Keiko', 'Rosa', 'Hana', 'Zoe', 'Ines', 'Fatima', 'Grace'];
const MEN = ['Liam', 'Omar', 'Ravi', 'Lucas', 'Mateo', 'Ben', 'Kenji', 'Tomas', 'Noah', 'Diego', 'Samir', 'Felix', 'Jonah', 'Arjun', 'Leo', 'Marco'];

export function person(rng: Rng, avoid?: string): Person {
  for (;;) {
    const woman = rng.next() < 0.5;
    const name = rng.pick(woman ? WOMEN : MEN);
    if (name === avoid) continue;
    return woman ? { name, he: 'she', him: 'her', his: 'her' } : { name, he: 'he', him: 'him', his: 'his' };
  }
}

/** Upper end of ordinary amounts at each level: numbers grow with difficulty. */
const AMOUNT_MAX = [0, 20, 60, 250, 1200, 6000];

export function amount(rng: Rng, level: number, min = 2): number {
  const max = AMOUNT_MAX[Math.min(5, Math.max(1, level))];
  return rng.int(min, Math.max(min, max));
}

/** Draws a small factor (multiplier, divisor, count of groups) that grows slowly with the level. */
export function factor(rng: Rng, level: number, min = 2): number {
  return rng.int(min, Math.max(min, 3 + 2 * level));
}

export function capitalizeFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Divisors of n between lo and hi. */
export function divisorsBetween(n: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let d = lo; d <= Math.min(hi, n); d++) if (n % d === 0) out.push(d);
  return out;
}

export const ITEMS = ['apples', 'stickers', 'marbles', 'cookies', 'books', 'stamps', 'shells', 'cards', 'pencils', 'beads', 'coins', 'toy cars', 'seashells', 'buttons', 'eggs', 'balloons'];
