/**
 * The procedural generator: a deterministic stream of verified problems from (seed, index), so a run
 * resumes at any index and a held-out test set never overlaps training data. Train and test split the
 * space of problem hashes: a problem whose exact hash falls in the test bucket (1/32 of hashes) is
 * never emitted for training, and test sets only contain such problems.
 */
import { Rng } from '../util/random.ts';
import { backward, eligibleGivens } from './augment/backward.ts';
import { evolve } from './augment/evol.ts';
import { selfCorrect } from './augment/selfcorrect.ts';
import { FAMILIES, familyById, type FamilyId } from './families/index.ts';
import { evaluate, problemText, ProgramError, type Program } from './program.ts';
import * as Q from './rational.ts';
import { writeSolution } from './solution.ts';
import { exactHash, fmix32, hashString32 } from './text.ts';
import type { Method, RejectedItem, Stage, SynthItem } from './types.ts';
import { verifyProcedural, type ProceduralCheck } from './verify.ts';

export const GENERATOR_NAME = 'procedural';
/** Raise when a change makes the same seed produce different problems. */
export const GENERATOR_VERSION = 3;

export type Split = 'train' | 'test';

export interface GenerateOptions {
  stage: Stage;
  /** Methods in equal shares, by index (list one twice to double its share). */
  methods: readonly Method[];
  /** Families drawn uniformly; all when omitted. */
  families?: readonly FamilyId[];
  /** Number of accepted items to yield. */
  count: number;
  seed: number;
  /** A fixed level (1–5) or a range; by default normal draws 1–3 and hard 3–5. */
  difficulty?: number | readonly [number, number];
  split?: Split;
  /** First index to generate, for resuming; items depend only on (seed, index). */
  start?: number;
}

export type GenerationEvent = { index: number; item: SynthItem } | { index: number; rejected: RejectedItem };

const TEST_BUCKETS = 32;
const MAX_ATTEMPTS = 64;

/** Tells whether a problem's hash belongs to the held-out test bucket. */
export function isTestProblem(hash: string): boolean {
  return Number.parseInt(hash.slice(0, 8), 16) % TEST_BUCKETS === 0;
}

function seedFor(seed: number, index: number, attempt: number, split: Split): number {
  return fmix32(hashString32(`${split}:${seed}`) ^ fmix32(index * 0x9e3779b1 + attempt * 0x85ebca6b));
}

function levelRange(options: GenerateOptions): [number, number] {
  const d = options.difficulty;
  if (typeof d === 'number') return [d, d];
  if (d) return [d[0], d[1]];
  return options.stage === 'hard' ? [3, 5] : [1, 3];
}

export function validateOptions(options: GenerateOptions): void {
  if (options.methods.length === 0) throw new RangeError('methods must list at least one of plain, backward, evol, selfcorrect');
  for (const f of options.families ?? []) familyById(f);
  const [lo, hi] = levelRange(options);
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi <= 5 && lo <= hi)) throw new RangeError(`difficulty must be levels between 1 and 5, got ${lo}–${hi}`);
  if (!Number.isInteger(options.count) || options.count < 0) throw new RangeError(`count must be a non-negative integer, got ${options.count}`);
  if (!Number.isInteger(options.seed)) throw new RangeError(`seed must be an integer, got ${options.seed}`);
}

interface Built {
  item: Omit<SynthItem, 'id' | 'stage' | 'hash' | 'generator' | 'verification' | 'verificationDetail'>;
  check: ProceduralCheck;
}

function seedProgram(rng: Rng, families: readonly FamilyId[], level: number): Program {
  for (let attempt = 0; ; attempt++) {
    try {
      const program = familyById(rng.pick(families)).generate(rng, level);
      evaluate(program);
      return program;
    } catch (error) {
      if (!(error instanceof ProgramError || error instanceof RangeError) || attempt >= 20) throw error;
    }
  }
}

function build(method: Method, program: Program, rng: Rng, stage: Stage): Built | null {
  const seedProblem = problemText(program);
  const seedProblemId = `p${exactHash(seedProblem).slice(0, 12)}`;
  const base = { method, family: program.family, seedProblemId, difficulty: program.level };
  if (method === 'plain') {
    const { solution, answer } = writeSolution(program, rng);
    const text = Q.formatRational(answer);
    return { item: { ...base, problem: seedProblem, solution, answer: text, meta: { steps: program.steps.length } }, check: { program, solution, answer: text, expected: answer, allowedSlips: 0 } };
  }
  if (method === 'backward') {
    const eligible = eligibleGivens(program);
    if (eligible.length === 0) return null;
    const result = backward(program, rng, rng.pick(eligible));
    const text = Q.formatRational(result.answer);
    const stated = evaluate(program).get(program.answer)!;
    return {
      item: { ...base, problem: result.problem, solution: result.solution, answer: text, meta: { steps: program.steps.length, hidden: result.hidden } },
      check: { program, solution: result.solution, answer: text, expected: result.answer, allowedSlips: 0, backward: { hidden: result.hidden, stated } },
    };
  }
  if (method === 'evol') {
    const rounds = stage === 'hard' ? rng.int(2, 5) : rng.int(1, 3);
    const evolved = evolve(program, rng, rounds);
    if (evolved.operators.length === 0) return null;
    const { solution, answer } = writeSolution(evolved.program, rng);
    const text = Q.formatRational(answer);
    return {
      item: {
        ...base,
        difficulty: Math.min(5, program.level + Math.floor(evolved.operators.length / 2)),
        problem: problemText(evolved.program),
        solution,
        answer: text,
        meta: { steps: evolved.program.steps.length, operators: evolved.operators },
      },
      check: { program: evolved.program, solution, answer: text, expected: answer, allowedSlips: 0 },
    };
  }
  const result = selfCorrect(program, rng);
  if (!result) return null;
  const text = Q.formatRational(result.answer);
  return {
    item: { ...base, problem: seedProblem, solution: result.solution, answer: text, meta: { steps: program.steps.length, mistake: result.mistake.kind, wrongAnswer: Q.formatRational(result.wrongAnswer) } },
    check: { program, solution: result.solution, answer: text, expected: result.answer, allowedSlips: result.mistake.kind === 'arithmetic' ? 1 : 0 },
  };
}

/** Generates, verifies and classifies the item at one index; never throws for a bad draw. */
export function generateAt(options: GenerateOptions, index: number): GenerationEvent {
  const split = options.split ?? 'train';
  const method = options.methods[index % options.methods.length];
  const families = options.families && options.families.length > 0 ? options.families : FAMILIES.map((f) => f.id);
  const [lo, hi] = levelRange(options);
  let lastReason = 'no candidate';
  for (let attempt = 0; attempt < MAX_ATTEMPTS * (split === 'test' ? TEST_BUCKETS : 1); attempt++) {
    const rng = new Rng(seedFor(options.seed, index, attempt, split));
    const level = rng.int(lo, hi);
    let built: Built | null;
    try {
      built = build(method, seedProgram(rng, families, level), rng, options.stage);
    } catch (error) {
      if (!(error instanceof ProgramError || error instanceof RangeError)) throw error;
      lastReason = (error as Error).message;
      continue;
    }
    if (!built) continue;
    const hash = exactHash(built.item.problem);
    if (isTestProblem(hash) !== (split === 'test')) continue;
    const verdict = verifyProcedural(built.check);
    if (!verdict.ok) {
      return { index, rejected: { index, method, family: built.item.family, reason: `verification failed: ${verdict.reason}`, problem: built.item.problem, output: built.item.solution } };
    }
    const id = `${split === 'test' ? 't' : ''}${options.seed}:${index}`;
    const item: SynthItem = { ...built.item, id, stage: options.stage, hash, generator: 'procedural', verification: 'verified', verificationDetail: `recomputed; ${verdict.checked} equalities checked` };
    return { index, item };
  }
  return { index, rejected: { index, method, family: families.join(','), reason: `no valid ${method} problem after ${MAX_ATTEMPTS} attempts (${lastReason})` } };
}

/** Yields every generated index in order, accepted or rejected, until `count` items are accepted. */
export function* generateEvents(options: GenerateOptions): Generator<GenerationEvent> {
  validateOptions(options);
  let accepted = 0;
  for (let index = options.start ?? 0; accepted < options.count; index++) {
    const event = generateAt(options, index);
    if ('item' in event) accepted++;
    yield event;
  }
}

/** Yields `count` verified items; rejected draws are skipped. */
export function* generateProblems(options: GenerateOptions): Generator<SynthItem> {
  for (const event of generateEvents(options)) if ('item' in event) yield event.item;
}

/** How many draws per requested item a test set may use before it stops with fewer items. */
const TEST_DRAWS_PER_ITEM = 50;

/**
 * Generates a held-out test set: problems from the test hash bucket and a separate seed space, each
 * problem text once. Easy levels have few distinct problems, so repeats are skipped; a set whose
 * space runs out before `count` distinct problems comes back shorter rather than padded with repeats.
 */
export function generateTestSet(options: Omit<GenerateOptions, 'split'>): SynthItem[] {
  const seen = new Set<string>();
  const items: SynthItem[] = [];
  const draws = { ...options, split: 'test' as const, count: Number.MAX_SAFE_INTEGER };
  validateOptions({ ...options, split: 'test' });
  for (let index = options.start ?? 0, tried = 0; items.length < options.count && tried < options.count * TEST_DRAWS_PER_ITEM; index++, tried++) {
    const event = generateAt(draws, index);
    if (!('item' in event) || seen.has(event.item.hash)) continue;
    seen.add(event.item.hash);
    items.push(event.item);
  }
  return items;
}
