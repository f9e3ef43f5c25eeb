/**
 * `npm run bench -- grade`: grading speed on every MATH test gold against itself, against rewrites of
 * itself (`\dfrac`, `$…$`, spacing) and against its perturbations (changed digit, swapped bracket,
 * swapped or dropped entries), in pairs per second,
 * next to the compute engine alone (parse both sides + isEqual) on the first pairs of the same list.
 * Runs on the CPU only.
 */
import { ComputeEngine } from '@cortex-js/compute-engine';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { equivalentRewrites, perturbations } from '../src/eval/equivalence-perturb.ts';
import { gradeAnswer } from '../src/eval/equivalence.ts';
import { lastBoxed } from '../src/eval/extract.ts';
import { median, printTable, type Bench } from './report.ts';

const DEFAULT_DATA = join(import.meta.dirname, '..', '..', 'shared', 'data', 'math', 'test.jsonl');

interface Pair {
  gold: string;
  pred: string;
  expected: boolean;
}

function loadGolds(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const gold = lastBoxed(JSON.parse(line).solution ?? '');
      if (gold === null) throw new Error(`${path} line ${index + 1}: solution has no \\boxed{} answer`);
      return gold;
    });
}

/** Grades every pair; returns seconds and how many verdicts differ from the expected one. */
function timePairs(pairs: Pair[]): { seconds: number; wrong: number } {
  let wrong = 0;
  const started = performance.now();
  for (const pair of pairs) if (gradeAnswer(pair.gold, pair.pred).equivalent !== pair.expected) wrong++;
  return { seconds: (performance.now() - started) / 1000, wrong };
}

export const gradeBench: Bench = {
  name: 'grade',
  summary: 'grader pairs/s on all MATH test golds vs themselves, rewrites and perturbations',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, repeats: { type: 'string' }, engine: { type: 'string' } } });
    const path = values.data ?? DEFAULT_DATA;
    const repeats = Number(values.repeats ?? 5);
    const enginePairs = Number(values.engine ?? 300);
    console.log(`host: ${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; data: ${path}`);

    const golds = loadGolds(path);
    const self: Pair[] = golds.map((gold) => ({ gold, pred: gold, expected: true }));
    const rewritten: Pair[] = golds.flatMap((gold) => equivalentRewrites(gold).map((variant) => ({ gold, pred: variant.text, expected: true })));
    const perturbed: Pair[] = golds.flatMap((gold) => perturbations(gold).map((variant) => ({ gold, pred: variant.text, expected: false })));
    const all = [...self, ...rewritten, ...perturbed];
    console.log(`${golds.length} golds: ${self.length} self, ${rewritten.length} rewritten and ${perturbed.length} perturbed pairs`);

    timePairs(all); // warm-up: JIT compilation and the compute engine's first call
    const rows: (string | number)[][] = [];
    let allRate = 0;
    for (const [name, pairs] of [['self', self], ['rewritten', rewritten], ['perturbed', perturbed], ['all', all]] as const) {
      const runs = Array.from({ length: repeats }, () => timePairs(pairs));
      const seconds = median(runs.map((run) => run.seconds));
      const rate = pairs.length / seconds;
      if (name === 'all') allRate = rate;
      rows.push([name, pairs.length, seconds.toFixed(3), rate.toFixed(0), runs[0].wrong]);
    }

    // The compute engine alone on the first rewritten and perturbed pairs (identical strings would not test it).
    const ce = new ComputeEngine();
    const sample = [...rewritten.slice(0, enginePairs / 2), ...perturbed.slice(0, enginePairs / 2)];
    ce.parse('x^2').isEqual(ce.parse('x \\cdot x'));
    let engineFailures = 0;
    const started = performance.now();
    for (const pair of sample) {
      try {
        const a = ce.parse(pair.gold);
        const b = ce.parse(pair.pred);
        if (a?.isEqual(b) !== pair.expected) engineFailures++;
      } catch {
        engineFailures++;
      }
    }
    const engineSeconds = (performance.now() - started) / 1000;
    const engineRate = sample.length / engineSeconds;
    rows.push(['compute-engine only', sample.length, engineSeconds.toFixed(3), engineRate.toFixed(0), engineFailures]);

    console.log(`median of ${repeats} runs; "wrong" counts verdicts that differ from the expected one`);
    printTable(['pairs', 'count', 'seconds', 'pairs/s', 'wrong'], rows);
    console.log(`grader vs compute engine alone: ${(allRate / engineRate).toFixed(1)}× the pairs/s`);
  },
};
