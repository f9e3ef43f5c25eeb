import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMwb } from '../../test/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'mwb-fit-'));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function cell(id: string, seed: number, dataSize: number, correct: number) {
  return {
    id,
    variant: { methods: ['metamath', 'evol', 'xwin'], curriculum: 'staged', seed },
    dataSize,
    status: 'done',
    evaluations: [
      { testSet: 'normal', correct, total: 200, evalRunId: `run-${id}` },
      { testSet: 'hard', correct: Math.round(correct / 3), total: 200 },
    ],
    trainingLoss: [{ step: 0, loss: 2.5 }],
  };
}

const results = {
  format: 'mwb-scaling-results',
  version: 1,
  experiment: { id: 'exp-cli', name: 'cli sweep', createdAt: '2026-12-01T10:00:00Z' },
  cells: [cell('a', 0, 1000, 40), cell('b', 0, 2000, 55), cell('c', 0, 4000, 66), cell('d', 0, 8000, 74)],
};

describe('mwb fit', () => {
  it('fits each panel of a results file', () => {
    const path = write('results.json', JSON.stringify(results));
    const out = runMwb(['fit', path, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json.groups.map((g: { panel: string }) => g.panel)).toEqual(['normal', 'hard']);
    const series = json.groups[0].series[0];
    expect(series.label).toBe('metamath + evol + xwin · staged');
    expect(series.points.map((p: { accuracy: number }) => p.accuracy)).toEqual([0.2, 0.275, 0.33, 0.37]);
    const [logLinear, power] = series.fits;
    expect(logLinear.model).toBe('log-linear');
    expect(logLinear.ok).toBe(true);
    expect(logLinear.b).toBeGreaterThan(0.05);
    expect(power.model).toBe('power-law');
    expect(power.ok).toBe(true);
  });

  it('prints parameters and R² as text', () => {
    const path = write('results-text.json', JSON.stringify(results));
    const out = runMwb(['fit', path, '--panel', 'normal', '--model', 'log-linear']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/panel normal\n {2}metamath \+ evol \+ xwin · staged {2}\(4 points, 1K–8K\)\n {4}log-linear {2}acc = /);
    expect(out.stdout).toMatch(/R² = 0\.\d+/);
    expect(out.stdout).not.toMatch(/power law/);
  });

  it('fits the paper reference points', () => {
    const out = runMwb(['fit', '--reference', '--json', '--weighted']);
    expect(out.code, out.stderr).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json.groups.map((g: { panel: string }) => g.panel)).toEqual(['MATH', 'GSM8K']);
    const mistral = json.groups[0].series.find((s: { label: string }) => s.label === 'Mistral-7B (paper)');
    expect(mistral.points).toHaveLength(6);
    expect(mistral.fits[0].weighted).toBe(true);
    expect(mistral.fits[0].r2).toBeGreaterThan(0.98);
  });

  it('reads CSV points and reports bad rows and failed fits', () => {
    const path = write('points.csv', 'size,accuracy,label\n60K,27.84,mine\n360K,38.5,mine\nbad,40,mine\n1M,44.56,mine\n1000,20,two sizes\n2000,30,two sizes\n');
    const out = runMwb(['fit', path]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/points\.csv line 4: size "bad" is not a positive number/);
    expect(out.stderr).toMatch(/read as percent/);
    expect(out.stdout).toMatch(/mine {2}\(3 points, 60K–1M\)/);
    expect(out.stdout).toMatch(/note: Only 3 points for 3 parameters/);
    expect(out.stdout).toMatch(/two sizes {2}\(2 points, 1K–2K\)\n {4}log-linear {2}acc = [\s\S]*power law {3}failed: needs at least 3 distinct data sizes, got 2/);
  });

  it('rejects invalid input with the reason', () => {
    const missing = runMwb(['fit', join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.json not found/);

    const invalid = runMwb(['fit', write('bad.json', JSON.stringify({ ...results, cells: [{ ...results.cells[0], dataSize: -1 }] }))]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/cells\[0\]\.dataSize: expected an integer from 1, got -1/);

    const noInput = runMwb(['fit']);
    expect(noInput.code).toBe(1);
    expect(noInput.stderr).toMatch(/give at least one results \.json or points \.csv file, or --reference/);

    const panel = runMwb(['fit', write('p.json', JSON.stringify(results)), '--panel', 'benchmark:gsm8k']);
    expect(panel.code).toBe(1);
    expect(panel.stderr).toMatch(/has no such panel; its panels are normal, hard/);
  });
});
