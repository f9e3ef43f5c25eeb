/**
 * `mwb experiment SPEC.json --out results.json`: runs a data-scaling sweep headless. Every cell
 * trains a model on its share of procedural data and evaluates it on the held-out synthetic test set
 * (and the spec's benchmark file). Each cell is written to the results file as soon as it changes,
 * so running the same command again resumes the sweep.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { planCells } from '../../scaling/experiment/cells.ts';
import { stageCounts } from '../../scaling/experiment/data.ts';
import { runExperiment, type ExperimentProgress } from '../../scaling/experiment/runner.ts';
import { ExperimentSpecError, resolveSpec, type ExperimentSpec } from '../../scaling/experiment/spec.ts';
import { wilsonInterval } from '../../eval/statistics.ts';
import { parseResults, type ExperimentCell, type ExperimentResults } from '../../scaling/results.ts';
import { numberOption, parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';
import { benchmarkTestSet, createNodeHost, newResults } from './experiment-host.ts';
import { formatDuration } from './train-output.ts';

const USAGE = `mwb experiment SPEC.json --out results.json [options]

Runs the data-scaling experiment described by SPEC.json: for every training-set size, augmentation
variant (a single method or the mix), curriculum (staged: normal then hard problems; mixed) and
seed, it trains a small llama model from scratch on procedural problems and evaluates it with greedy
decoding on the held-out synthetic test set (normal and hard parts) and, when the spec names one, a
benchmark file. Smaller training sets are prefixes of larger ones. Cells run one after another and
each is written to the results file (the format "mwb fit" and the Scaling page read) as soon as it
changes. Running the command again with the same spec and --out resumes: finished cells are kept,
an interrupted cell continues from its last checkpoint. A cell that fails (NaN loss, lost device)
is recorded with its reason and the sweep goes on. The spec's fields are described in
docs/experiments.md.

Options:
  --out FILE            results JSON (required)
  --check               check the spec and print the grid without training
  --checkpoint-dir DIR  per-cell training checkpoints (default: FILE.checkpoints; removed when done)
  --no-checkpoints      keep no checkpoints: an interrupted cell restarts
  --outputs DIR         also write every graded test output as DIR/CELL.TESTSET.jsonl
  --retry-failed        run failed cells again
  --restart             discard the cells stored in --out and start over
  --gpu-memory MB       GPU memory an evaluated model may use (default: free system memory on a software adapter)
  --json                print the final results JSON on standard output instead of a table`;

async function readSpec(path: string): Promise<ExperimentSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path} not found` : `failed to read ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return resolveSpec(value, path);
}

/** Returns a new experiment id such as "exp-20261205-0312-4f2a". */
function experimentId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
  return `exp-${stamp}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}

/** Opens the results to resume, or starts new ones; stored results of another spec are rejected unless --restart. */
async function openResults(out: string, spec: ExperimentSpec, restart: boolean): Promise<ExperimentResults> {
  if (!existsSync(out) || restart) return newResults(experimentId(), spec.name, spec);
  const stored = parseResults(await readFile(out, 'utf8'), out);
  if (JSON.stringify(stored.experiment.spec) !== JSON.stringify(spec)) {
    throw new UsageError(`${out} contains experiment "${stored.experiment.name}" with another spec; pass --restart to replace it, or choose another --out`);
  }
  return stored;
}

function percent(correct: number, total: number): string {
  const { low, high } = wilsonInterval(correct, total);
  return `${((100 * correct) / total).toFixed(1)}% [${(100 * low).toFixed(1)}, ${(100 * high).toFixed(1)}]`;
}

function cellRow(cell: ExperimentCell): string {
  const seconds = cell.startedAt && cell.finishedAt ? (Date.parse(cell.finishedAt) - Date.parse(cell.startedAt)) / 1000 : NaN;
  if (cell.status !== 'done') return `${cell.id.padEnd(34)} ${cell.status}${cell.error ? `: ${cell.error}` : ''}`;
  const scores = cell.evaluations.map((e) => `${e.benchmark ?? e.testSet} ${percent(e.correct, e.total)}`);
  return `${cell.id.padEnd(34)} ${scores.join('   ')}   ${formatDuration(seconds * 1000)}`;
}

/** Writes "1 seed" or "3 seeds". */
function counted(n: number, singular: string, plural: string): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

function printPlan(spec: ExperimentSpec): void {
  const cells = planCells(spec);
  const grid = [
    counted(spec.sizes.length, 'size', 'sizes'),
    counted(spec.methods.length, 'method', 'methods'),
    counted(spec.curriculum.length, 'curriculum', 'curricula'),
    counted(spec.seeds.length, 'seed', 'seeds'),
  ];
  console.log(`experiment "${spec.name}": ${counted(cells.length, 'cell', 'cells')} (${grid.join(' × ')})`);
  for (const size of spec.sizes) {
    const counts = stageCounts(size, spec.data.hardFraction);
    console.log(`  size ${size}: ${counts.normal} normal + ${counts.hard} hard examples, ${spec.epochs} epochs, ${Math.ceil(size / spec.training.batch) * spec.epochs} optimizer steps`);
  }
  console.log(`test set: ${spec.testSize} normal + ${spec.testSize} hard problems${spec.benchmark ? ` + ${spec.benchmark.limit} ${spec.benchmark.kind}` : ''}, ${spec.evaluation.maxTokens} tokens each at most`);
}

function progressDetail(p: ExperimentProgress): string {
  if (p.phase === 'training') return `step ${p.done}/${p.total}, loss ${p.loss?.toFixed(4)}, ETA ${formatDuration(p.etaMs ?? NaN)}`;
  if (p.phase === 'evaluating') return `${p.done}/${p.total} test problems (${p.message})`;
  return p.message ?? `${p.done}/${p.total}`;
}

/** Prints a progress line on standard error at most every few seconds, and every phase change. */
function progressPrinter(): (p: ExperimentProgress) => void {
  let last = 0;
  let lastKey = '';
  return (p) => {
    const key = `${p.cellId}/${p.phase}`;
    const now = Date.now();
    if (key === lastKey && now - last < 5000 && p.done !== p.total) return;
    last = now;
    lastKey = key;
    const cell = p.cellId ? `cell ${p.cellIndex! + 1}/${p.cells} ${p.cellId}: ` : '';
    console.error(`${cell}${p.phase} ${progressDetail(p)}`);
  };
}

export const experimentCommand: Command = {
  name: 'experiment',
  summary: 'run a data-scaling sweep (sizes × methods × curricula × seeds): train, evaluate, write results JSON',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: { type: 'string' },
      check: { type: 'boolean' },
      'checkpoint-dir': { type: 'string' },
      'no-checkpoints': { type: 'boolean' },
      outputs: { type: 'string' },
      'retry-failed': { type: 'boolean' },
      restart: { type: 'boolean' },
      'gpu-memory': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing SPEC.json' : `expected one SPEC.json, got ${positionals.length} arguments`);
    if (values['checkpoint-dir'] && values['no-checkpoints']) throw new UsageError('--checkpoint-dir and --no-checkpoints exclude each other');
    let spec: ExperimentSpec;
    try {
      spec = await readSpec(positionals[0]);
    } catch (error) {
      if (error instanceof ExperimentSpecError) {
        console.error(`mwb experiment: ${error.message}`);
        return 1;
      }
      throw error;
    }
    if (values.check) {
      printPlan(spec);
      return 0;
    }
    if (!values.out) throw new UsageError('--out results.json is required');
    const out = values.out;
    const gpuMemoryMb = values['gpu-memory'] === undefined ? undefined : numberOption(values['gpu-memory'], '--gpu-memory', 0, { min: 0.01 });
    const checkpointDir = values['no-checkpoints'] ? undefined : (values['checkpoint-dir'] ?? `${out}.checkpoints`);

    const results = await openResults(out, spec, values.restart ?? false);
    if (values.restart && checkpointDir) await rm(checkpointDir, { recursive: true, force: true });
    // A relative benchmark path is read from the spec file's folder, so a spec works from any directory.
    const benchmark = spec.benchmark?.path ? { ...spec.benchmark, path: resolve(dirname(positionals[0]), spec.benchmark.path) } : spec.benchmark;
    const extraTestSets = await benchmarkTestSet(benchmark);
    const host = createNodeHost({ out, results, checkpointDir, outputsDir: values.outputs, gpuMemoryMb });
    if (!values.json) printPlan(spec);

    const controller = new AbortController();
    const onSigint = () => {
      console.error('\nstopping: the running cell keeps its latest checkpoint; run the same command again to resume');
      controller.abort();
    };
    process.once('SIGINT', onSigint);
    const started = performance.now();
    let summary;
    try {
      summary = await runExperiment(host, spec, {
        signal: controller.signal,
        retryFailed: values['retry-failed'],
        extraTestSets,
        onProgress: values.json ? undefined : progressPrinter(),
        onCell: (cell) => {
          if (!values.json && (cell.status === 'done' || cell.status === 'failed')) console.error(cellRow(cell));
        },
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (summary.status === 'finished' && checkpointDir) await rm(checkpointDir, { recursive: true, force: true });

    if (values.json) {
      printJson(results);
    } else {
      console.log(`\n${results.experiment.name} (${results.experiment.id}), ${out}:`);
      for (const cell of results.cells) console.log(cellRow(cell));
      console.log(`${summary.status}: ${summary.done} cells done, ${summary.failed} failed, ${summary.remaining} to run; ${formatDuration(performance.now() - started)} this session`);
    }
    if (summary.status === 'paused') return 1;
    return summary.failed > 0 ? 1 : 0;
  },
};
