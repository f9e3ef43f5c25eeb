import { describe, expect, it } from 'vitest';
import { experimentPanels, experimentSeries, failedCells, lossCurves, variantLabel } from './experiment-series.ts';
import { wilsonInterval } from '../eval/statistics.ts';
import { formatResults, parseResults, RESULTS_FORMAT, ResultsFormatError, validateCell, validateResults, type ExperimentCell, type ExperimentResults } from './results.ts';

function cell(id: string, methods: string[], seed: number, dataSize: number, normal: [number, number], extra: Partial<ExperimentCell> = {}): ExperimentCell {
  return {
    id,
    variant: { methods, curriculum: 'staged', seed },
    dataSize,
    status: 'done',
    evaluations: [
      { testSet: 'normal', correct: normal[0], total: normal[1], evalRunId: `run-${id}-normal` },
      { testSet: 'hard', correct: Math.floor(normal[0] / 2), total: normal[1], evalRunId: `run-${id}-hard` },
    ],
    trainingLoss: [
      { step: 0, loss: 3.2 },
      { step: 10, loss: 2.1 },
    ],
    ...extra,
  };
}

function sampleResults(): ExperimentResults {
  return {
    format: RESULTS_FORMAT,
    version: 1,
    experiment: { id: 'exp-1', name: 'micro sweep', createdAt: '2026-12-01T10:00:00.000Z', spec: { sizes: [1000, 2000] } },
    cells: [
      cell('mix-s0-1k', ['metamath', 'evol'], 0, 1000, [20, 100]),
      cell('mix-s1-1k', ['metamath', 'evol'], 1, 1000, [30, 100]),
      cell('mix-s0-2k', ['metamath', 'evol'], 0, 2000, [40, 100]),
      cell('evol-s0-1k', ['evol'], 0, 1000, [10, 100], { evaluations: [{ testSet: 'normal', correct: 10, total: 100 }, { testSet: 'benchmark', benchmark: 'gsm8k', correct: 5, total: 50 }] }),
      cell('evol-s0-2k', ['evol'], 0, 2000, [0, 100], { status: 'failed', error: 'loss became NaN at step 12', evaluations: [], trainingLoss: [{ step: 0, loss: 3 }, { step: 12, loss: null }] }),
    ],
  };
}

describe('results format', () => {
  it('accepts valid results', () => {
    const results = sampleResults();
    expect(validateResults(JSON.parse(JSON.stringify(results)), 'results.json')).toEqual(results);
    expect(parseResults(`\ufeff${JSON.stringify(results)}`, 'results.json').cells).toHaveLength(5);
  });

  it('names every invalid field', () => {
    const bad = sampleResults() as unknown as { cells: Record<string, unknown>[]; experiment: Record<string, unknown> };
    bad.experiment.createdAt = 'yesterday';
    bad.cells[0].dataSize = 0;
    (bad.cells[1].evaluations as Record<string, unknown>[])[0].correct = 101;
    (bad.cells[2].variant as Record<string, unknown>).curriculum = 'random';
    bad.cells[3].id = 'mix-s0-1k';
    delete bad.cells[4].error;
    let error: unknown;
    try {
      validateResults(bad, 'results.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ResultsFormatError);
    expect((error as ResultsFormatError).problems).toEqual([
      'experiment.createdAt: expected an ISO 8601 timestamp, got "yesterday"',
      'cells[0].dataSize: expected an integer from 1, got 0',
      'cells[1].evaluations[0].correct: expected an integer from 0 to 100, got 101',
      'cells[2].variant.curriculum: expected one of "staged", "mixed", got "random"',
      'cells[3].id: expected an id not used by another cell, got "mix-s0-1k"',
      'cells[4].error: expected a non-empty string, got nothing',
    ]);
    expect((error as Error).message).toMatch(/^results\.json is not valid scaling results/);
  });

  it('rejects other files and newer versions', () => {
    expect(() => parseResults('{"format":"something-else","version":1}', 'x.json')).toThrow(/format: expected "mwb-scaling-results"/);
    expect(() => parseResults('not json', 'x.json')).toThrow(/x\.json is not valid scaling results[\s\S]*not JSON/);
    const newer = { ...sampleResults(), version: 2 };
    expect(() => validateResults(newer, 'x.json')).toThrow(/version: 2 is newer than this workbench reads \(1\)/);
  });

  it('checks single cells and formats results', () => {
    const results = sampleResults();
    expect(() => validateCell({ ...results.cells[0], status: 'done?' }, 'cell x')).toThrow(/cell\.status: expected one of "pending", "running", "done", "failed", got "done\?"/);
    expect(parseResults(formatResults(results), 'r.json')).toEqual(results);
    expect(() => formatResults({ ...results, cells: [{ ...results.cells[0], dataSize: 0 }] })).toThrow(/cells\[0\]\.dataSize/);
  });

  it('requires a benchmark name for benchmark evaluations', () => {
    const results = sampleResults();
    delete results.cells[3].evaluations[1].benchmark;
    expect(() => validateResults(results, 'r.json')).toThrow(/cells\[3\]\.evaluations\[1\]\.benchmark: expected a non-empty string/);
  });
});

describe('experiment series', () => {
  it('lists normal, hard and benchmark panels', () => {
    expect(experimentPanels(sampleResults()).map((p) => p.key)).toEqual(['normal', 'hard', 'benchmark:gsm8k']);
  });

  it('pools seeds per variant and size with Wilson intervals', () => {
    const series = experimentSeries(sampleResults(), 'normal');
    expect(series.map((s) => s.label)).toEqual(['metamath + evol · staged', 'evol · staged']);
    const [mix, evol] = series;
    expect(mix.points.map((p) => [p.size, p.correct, p.total, p.accuracy])).toEqual([
      [1000, 50, 200, 0.25],
      [2000, 40, 100, 0.4],
    ]);
    expect(mix.points[0].low).toBeCloseTo(wilsonInterval(50, 200).low, 12);
    expect(mix.points[0].evalRunIds).toEqual(['run-mix-s0-1k-normal', 'run-mix-s1-1k-normal']);
    expect(mix.points[0].note).toBe('2 seeds pooled (0, 1)');
    // The failed 2K cell of evol is left out.
    expect(evol.points.map((p) => p.size)).toEqual([1000]);
  });

  it('splits seeds into their own lines', () => {
    const series = experimentSeries(sampleResults(), 'normal', { splitSeeds: true });
    expect(series.map((s) => s.label)).toEqual(['metamath + evol · staged · seed 0', 'metamath + evol · staged · seed 1', 'evol · staged · seed 0']);
  });

  it('builds loss curves without non-finite losses', () => {
    const curves = lossCurves(sampleResults());
    expect(curves).toHaveLength(5);
    expect(curves[4].label).toBe('evol · staged · seed 0 · N=2K');
    expect(curves[4].points).toEqual([{ step: 0, loss: 3 }]);
    expect(curves[4].status).toBe('failed');
  });

  it('lists failed cells with reasons', () => {
    expect(failedCells(sampleResults())).toEqual([{ id: 'evol-s0-2k', label: 'evol · staged · seed 0 · N=2K', reason: 'loss became NaN at step 12' }]);
    expect(variantLabel({ methods: ['xwin'], curriculum: 'mixed', seed: 3 }, true)).toBe('xwin · mixed · seed 3');
  });
});
