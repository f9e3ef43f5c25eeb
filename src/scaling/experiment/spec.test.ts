import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTestProblem } from '../../data/generate.ts';
import { exactHash } from '../../data/text.ts';
import { cellId, planCells } from './cells.ts';
import { cellStages, generatePools, generateTestSets, stageCounts } from './data.ts';
import { DEMO_SPEC } from './demo.ts';
import { ExperimentSpecError, MAX_PROCEDURAL_SIZE, resolveSpec } from './spec.ts';

const MINIMAL = { sizes: [100, 200] };

function rejection(value: unknown): ExperimentSpecError {
  try {
    resolveSpec(value, 'spec.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentSpecError);
    return error as ExperimentSpecError;
  }
  throw new Error('resolveSpec accepted an invalid spec');
}

describe('resolveSpec', () => {
  it('fills the defaults', () => {
    const spec = resolveSpec(MINIMAL);
    expect(spec.methods).toEqual(['mix']);
    expect(spec.mix).toEqual(['plain', 'backward', 'evol', 'selfcorrect']);
    expect(spec.curriculum).toEqual(['staged']);
    expect(spec.seeds).toEqual([1]);
    expect(spec.epochs).toBe(3);
    expect(spec.model.preset).toBe('tiny');
    expect(spec.training.batch).toBeGreaterThan(0);
    expect(spec.benchmark).toBeUndefined();
  });

  it('is idempotent, so a stored spec resolves to itself', () => {
    const spec = resolveSpec({ ...MINIMAL, methods: ['plain', 'mix'], curriculum: ['staged', 'mixed'], seeds: [1, 2], benchmark: { kind: 'gsm8k', path: 'x.jsonl', limit: 5 } });
    expect(resolveSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('accepts a single value where a list is expected', () => {
    expect(resolveSpec({ sizes: 50, methods: 'evol', curriculum: 'mixed', seeds: 3 })).toMatchObject({ sizes: [50], methods: ['evol'], curriculum: ['mixed'], seeds: [3] });
  });

  const cases: [string, unknown, string, RegExp][] = [
    ['sizes above the available data', { sizes: [100, MAX_PROCEDURAL_SIZE + 1] }, 'sizes[1]', /from 1 to 200000/],
    ['a zero size', { sizes: [0] }, 'sizes[0]', /integer from 1/],
    ['sizes that do not ascend', { sizes: [200, 100] }, 'sizes[1]', /ascend/],
    ['a repeated size', { sizes: [100, 100] }, 'sizes[1]', /listed twice|ascend/],
    ['missing sizes', {}, 'sizes', /missing/],
    ['zero epochs', { ...MINIMAL, epochs: 0 }, 'epochs', /integer from 1/],
    ['fractional epochs', { ...MINIMAL, epochs: 1.5 }, 'epochs', /integer/],
    ['an unknown method', { ...MINIMAL, methods: ['plain', 'paraphrase'] }, 'methods[1]', /unknown method "paraphrase"/],
    ['an unknown method in the mix', { ...MINIMAL, mix: ['evol', 'xwin'] }, 'mix[1]', /unknown method "xwin"/],
    ['an unknown curriculum', { ...MINIMAL, curriculum: ['reverse'] }, 'curriculum[0]', /unknown curriculum/],
    ['a repeated seed', { ...MINIMAL, seeds: [1, 1] }, 'seeds[1]', /listed twice/],
    ['a negative seed', { ...MINIMAL, seeds: [-1] }, 'seeds[0]', /integer from 0/],
    ['a zero test size', { ...MINIMAL, testSize: 0 }, 'testSize', /integer from 1/],
    ['an unknown family', { ...MINIMAL, data: { families: ['calculus'] } }, 'data.families[0]', /unknown problem family/],
    ['a difficulty out of range', { ...MINIMAL, data: { hardDifficulty: [3, 6] } }, 'data.hardDifficulty', /level from 1 to 5/],
    ['a hard fraction above 1', { ...MINIMAL, data: { hardFraction: 1.5 } }, 'data.hardFraction', /from 0 to 1/],
    ['a staged set with an empty stage', { sizes: [2, 100], data: { hardFraction: 0.1 } }, 'sizes[0]', /stage empty/],
    ['an unknown model preset', { ...MINIMAL, model: { preset: 'huge' } }, 'model.preset', /expected one of/],
    ['heads that do not divide the width', { ...MINIMAL, model: { embeddingLength: 60, headCount: 8 } }, 'model.headCount', /does not divide/],
    ['a zero batch', { ...MINIMAL, training: { batch: 0 } }, 'training.batch', /integer from 1/],
    ['a negative learning rate', { ...MINIMAL, training: { learningRate: -1 } }, 'training.learningRate', /number from/],
    ['an unknown schedule', { ...MINIMAL, training: { schedule: 'linear' } }, 'training.schedule', /cosine, constant/],
    ['generation longer than the context', { ...MINIMAL, model: { context: 64 }, evaluation: { maxTokens: 64 } }, 'evaluation.maxTokens', /no room for the prompt/],
    ['a benchmark without a file or id', { ...MINIMAL, benchmark: { kind: 'gsm8k' } }, 'benchmark.path', /missing/],
    ['an unknown benchmark', { ...MINIMAL, benchmark: { kind: 'aime', path: 'a.jsonl' } }, 'benchmark.kind', /gsm8k, math, math500/],
    ['a misspelled setting', { ...MINIMAL, epoch: 2 }, 'epoch', /unknown setting/],
    ['a misspelled nested setting', { ...MINIMAL, training: { lr: 0.1 } }, 'training.lr', /unknown setting/],
    ['a list that is not one', { ...MINIMAL, seeds: [] }, 'seeds', /at least one/],
  ];
  for (const [name, value, field, message] of cases) {
    it(`rejects ${name}, naming ${field}`, () => {
      const error = rejection(value);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      expect(error.message).toContain('spec.json');
    });
  }

  it('rejects a spec that is not an object', () => {
    expect(rejection([1, 2]).field).toBe('(top level)');
  });
});

describe('planCells', () => {
  it('lists the grid size by size with readable ids', () => {
    const spec = resolveSpec({ sizes: [100, 200], methods: ['plain', 'mix'], curriculum: ['staged', 'mixed'], seeds: [1, 2] });
    const cells = planCells(spec);
    expect(cells).toHaveLength(16);
    expect(new Set(cells.map((c) => c.id)).size).toBe(16);
    expect(cells.slice(0, 8).every((c) => c.size === 100)).toBe(true);
    expect(cells[0].id).toBe(cellId('plain', 'staged', 1, 100));
    expect(cells[0].id).toBe('plain-staged-s1-n100');
    expect(cells.find((c) => c.method === 'mix')!.variant.methods).toEqual(spec.mix);
    expect(cells.find((c) => c.method === 'plain')!.variant.methods).toEqual(['plain']);
  });
});

describe('experiment data', () => {
  const spec = resolveSpec({ sizes: [20, 40], methods: ['backward', 'mix'], curriculum: ['staged', 'mixed'], testSize: 12, data: { seed: 3, families: ['arithmetic', 'percent'], hardFraction: 0.25 } });

  it('splits each size into normal and hard examples', () => {
    expect(stageCounts(40, 0.25)).toEqual({ normal: 30, hard: 10 });
    expect(stageCounts(7, 0)).toEqual({ normal: 7, hard: 0 });
  });

  it('is deterministic and nests smaller training sets in larger ones', () => {
    const pools = generatePools(spec);
    expect(generatePools(spec)).toEqual(pools);
    for (const method of spec.methods) {
      for (const curriculum of spec.curriculum) {
        const small = cellStages(pools, method, curriculum, 20, spec.data.hardFraction);
        const large = cellStages(pools, method, curriculum, 40, spec.data.hardFraction);
        const problems = (stages: typeof small) => new Set(stages.flatMap((s) => s.records.map((r) => r.problem)));
        const inLarge = problems(large);
        for (const problem of problems(small)) expect(inLarge.has(problem)).toBe(true);
        expect(small.flatMap((s) => s.records)).toHaveLength(20);
        expect(large.flatMap((s) => s.records)).toHaveLength(40);
      }
    }
  });

  it('stages normal then hard, or mixes both', () => {
    const pools = generatePools(spec);
    const staged = cellStages(pools, 'backward', 'staged', 40, 0.25);
    expect(staged.map((s) => [s.name, s.records.length])).toEqual([
      ['normal', 30],
      ['hard', 10],
    ]);
    const mixed = cellStages(pools, 'backward', 'mixed', 40, 0.25);
    expect(mixed.map((s) => [s.name, s.records.length])).toEqual([['mixed', 40]]);
    expect(staged[0].records.every((r) => r.source?.startsWith('normal backward'))).toBe(true);
  });

  it('draws the mix from every method', () => {
    const pools = generatePools(spec);
    const mix = cellStages(pools, 'mix', 'mixed', 40, 0.25)[0].records;
    const methods = new Set(mix.map((r) => r.source!.split(' ')[1]));
    expect([...methods].sort()).toEqual([...spec.mix].sort());
  });

  it('holds test problems out of every training pool', () => {
    const pools = generatePools(spec);
    const testSets = generateTestSets(spec);
    expect(testSets.map((t) => [t.key, t.problems.length])).toEqual([
      ['normal', 12],
      ['hard', 12],
    ]);
    const training = new Set([...pools.values()].flat().map((r) => r.problem));
    for (const set of testSets) {
      for (const problem of set.problems) {
        expect(training.has(problem.problem)).toBe(false);
        expect(isTestProblem(exactHash(problem.problem))).toBe(true);
      }
    }
    expect(testSets[1].problems.every((p) => p.level! >= 3)).toBe(true);
  });
});

describe('docs/experiments specs', () => {
  const folder = join(import.meta.dirname, '..', '..', '..', 'docs', 'experiments');

  it('are valid specs', () => {
    const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
    expect(files).toContain('demo.json');
    for (const name of files) expect(() => resolveSpec(JSON.parse(readFileSync(join(folder, name), 'utf8')), name)).not.toThrow();
  });

  it('include the demo preset as demo.json', () => {
    const file = JSON.parse(readFileSync(join(folder, 'demo.json'), 'utf8'));
    expect(resolveSpec(file)).toEqual(resolveSpec(DEMO_SPEC));
  });
});
