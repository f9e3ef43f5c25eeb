/** `mwb experiment` and `mwb fit` on its output, through the real binary, with a micro model trained for a few steps. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMwb, runMwbAsync, SHARED_DATA } from '../../test/cli.ts';
import { parseResults } from '../scaling/results.ts';

const SPEC = {
  name: 'cli micro sweep',
  sizes: [8, 16, 24],
  methods: ['plain'],
  curriculum: ['mixed'],
  epochs: 1,
  testSize: 2,
  model: { preset: 'micro', context: 512 },
  data: { families: ['arithmetic'], normalDifficulty: 1, hardDifficulty: 2, hardFraction: 0.25 },
  tokenizer: { kind: 'bpe', vocabSize: 400 },
  training: { batch: 8, microBatch: 2 },
  evaluation: { maxTokens: 6, batch: 2 },
  benchmark: { kind: 'gsm8k', path: join(SHARED_DATA, 'gsm8k', 'test.jsonl'), limit: 2 },
};

let dir: string;
let specPath: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-experiment-cli-'));
  specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(SPEC));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mwb experiment', () => {
  it('rejects an impossible spec', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...SPEC, epochs: 0 }));
    const result = runMwb(['experiment', bad, '--check']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Invalid ${bad}, field "epochs": expected an integer from 1 to 1000, got 0`);
  });

  it('prints the grid with --check', () => {
    const result = runMwb(['experiment', specPath, '--check']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/3 cells \(3 sizes × 1 method × 1 curriculum × 1 seed\)/);
    expect(result.stdout).toMatch(/size 24: 18 normal \+ 6 hard examples, 1 epochs, 3 optimizer steps/);
    expect(result.stdout).toMatch(/test set: 2 normal \+ 2 hard problems \+ 2 gsm8k/);
  });

  it('sweep feeds mwb fit and resumes', { timeout: 300_000 }, async () => {
    const out = join(dir, 'results.json');
    const outputs = join(dir, 'outputs');
    const run = await runMwbAsync(['experiment', specPath, '--out', out, '--outputs', outputs]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/finished: 3 cells done, 0 failed, 0 to run/);
    const results = parseResults(readFileSync(out, 'utf8'), out);
    expect(results.cells.map((c) => [c.id, c.status, c.evaluations.map((e) => e.total)])).toEqual([
      ['plain-mixed-s1-n8', 'done', [2, 2, 2]],
      ['plain-mixed-s1-n16', 'done', [2, 2, 2]],
      ['plain-mixed-s1-n24', 'done', [2, 2, 2]],
    ]);
    expect(results.cells[0].evaluations[2]).toMatchObject({ testSet: 'benchmark', benchmark: 'gsm8k' });
    expect(results.experiment.spec).toMatchObject({ name: SPEC.name, sizes: SPEC.sizes, data: { seed: 1 } });
    expect(readFileSync(join(outputs, 'plain-mixed-s1-n24.hard.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(existsSync(`${out}.checkpoints`)).toBe(false);

    const fit = runMwb(['fit', out]);
    expect(fit.code, fit.stderr).toBe(0);
    expect(fit.stdout).toMatch(/panel normal\n {2}plain · mixed {2}\(3 points, 8–24\)/);
    expect(fit.stdout).toMatch(/panel benchmark:gsm8k/);

    const again = await runMwbAsync(['experiment', specPath, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/training/);
    expect(parseResults(readFileSync(out, 'utf8'), out).cells).toEqual(results.cells);

    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ ...SPEC, seeds: [2] }));
    const clash = runMwb(['experiment', other, '--out', out]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/contains experiment "cli micro sweep" with another spec; pass --restart/);
  });
});
