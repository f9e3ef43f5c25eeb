/**
 * Opt-in heavy test (`npm run test:heavy`): the whole demo sweep (docs/experiments/demo.json) through
 * `mwb experiment`, which trains three 2 × 128 models and evaluates each on 400 test problems.
 * Accuracy on the normal test set must rise with the data size, with the 95% intervals of the
 * smallest and the largest size apart. It took 71 minutes on a loaded 2-core software adapter
 * (docs/experiments.md).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/eval/statistics.ts';
import { parseResults } from '../../src/scaling/results.ts';
import { ROOT } from '../cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'mwb-experiment-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('demo sweep accuracy rises with data size', { timeout: 6 * 3_600_000 }, async () => {
  const out = join(dir, 'demo-results.json');
  const args = [join(ROOT, 'bin', 'mwb.js'), 'experiment', join(ROOT, 'docs', 'experiments', 'demo.json'), '--out', out];
  await promisify(execFile)(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 2 ** 20 });

  const results = parseResults(readFileSync(out, 'utf8'), out);
  expect(results.cells.map((c) => c.status)).toEqual(['done', 'done', 'done']);
  const normal = results.cells.map((cell) => {
    const evaluation = cell.evaluations.find((e) => e.testSet === 'normal')!;
    return { size: cell.dataSize, correct: evaluation.correct, total: evaluation.total, ...wilsonInterval(evaluation.correct, evaluation.total) };
  });
  console.log(normal.map((p) => `N=${p.size}: ${p.correct}/${p.total} [${p.low.toFixed(3)}, ${p.high.toFixed(3)}]`).join('\n'));
  const [smallest, largest] = [normal[0], normal[normal.length - 1]];
  expect(largest.correct / largest.total).toBeGreaterThan(smallest.correct / smallest.total);
  expect(largest.low, 'the intervals of the smallest and largest sizes overlap').toBeGreaterThan(smallest.high);
});
