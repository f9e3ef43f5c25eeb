/**
 * The experiment host of `mwb experiment`: cells live in the results JSON file, which is rewritten
 * (to a temporary file, then renamed) after every change, so the file is always complete and a run
 * started again with the same spec resumes from it. Checkpoints go to one folder per cell, and test
 * sets are evaluated with the WebGPU engine straight into counts (and, with --outputs, a JSONL file of
 * graded outputs per cell and test set, which the Evaluate page can import for inspection).
 */
import { mkdir, rename, rm, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GpuModel } from '../../engine/model.ts';
import { acquireGpu } from '../../gpu/session.ts';
import { GgufTokenizer } from '../../model/tokenizer/tokenizer.ts';
import type { TestSet } from '../../scaling/experiment/data.ts';
import { EXPERIMENT_EVAL_TEMPLATE, type ExperimentHost } from '../../scaling/experiment/runner.ts';
import { formatResults, RESULTS_FORMAT, RESULTS_VERSION, type ExperimentCell, type ExperimentResults } from '../../scaling/results.ts';
import { CheckpointManager } from '../../train/checkpoint.ts';
import { folderStorage } from '../../train/checkpoint-node.ts';
import { LocalGenerator } from '../../worker/services/local-model.ts';
import { memoryBudget } from '../gpu-model.ts';
import { generateAndGrade, readBenchmarkFile } from './eval-loop.ts';

export interface NodeHostOptions {
  /** The results file; rewritten after every cell change. */
  out: string;
  results: ExperimentResults;
  /** Folder of the per-cell checkpoint folders; none disables resuming a cell mid-training. */
  checkpointDir?: string;
  /** Folder for the graded outputs of every cell and test set (JSONL). */
  outputsDir?: string;
  gpuMemoryMb?: number;
}

/** Writes the results file through a temporary file, so a crash never leaves half a file. */
async function writeResults(path: string, results: ExperimentResults): Promise<void> {
  const temporary = `${path}.partial`;
  await writeFile(temporary, formatResults(results));
  await rename(temporary, path);
}

/** Returns a new results object for an experiment that has no cells yet. */
export function newResults(id: string, name: string, spec: unknown): ExperimentResults {
  return { format: RESULTS_FORMAT, version: RESULTS_VERSION, experiment: { id, name, createdAt: new Date().toISOString(), spec }, cells: [] };
}

export function createNodeHost(options: NodeHostOptions): ExperimentHost {
  const { results } = options;
  return {
    gpu: () => acquireGpu(),

    async loadCells() {
      return structuredClone(results.cells);
    },

    async putCell(cell: ExperimentCell) {
      const index = results.cells.findIndex((c) => c.id === cell.id);
      if (index >= 0) results.cells[index] = structuredClone(cell);
      else results.cells.push(structuredClone(cell));
      await writeResults(options.out, results);
    },

    ...(options.checkpointDir
      ? { checkpoints: async (cellId: string) => new CheckpointManager(folderStorage(join(options.checkpointDir!, cellId)), 1) }
      : {}),

    async openModel(ctx, file, settings) {
      const model = await GpuModel.load(ctx, file, { contextLength: settings.contextLength, batch: settings.batch, memoryBudget: memoryBudget(ctx, options.gpuMemoryMb) });
      const generator = new LocalGenerator({ model, tokenizer: GgufTokenizer.fromGguf(file), name: file.name, detail: model.describe() });
      return { generator, close: async () => model.dispose() };
    },

    async evaluate(request) {
      const { cell, testSet } = request;
      let outputs: string | undefined;
      if (options.outputsDir) {
        await mkdir(options.outputsDir, { recursive: true });
        outputs = join(options.outputsDir, `${cell.id}.${testSet.benchmark ?? testSet.key}.jsonl`);
        // Outputs are not resumed within a test set on the command line, so each evaluation starts a new file.
        await rm(outputs, { force: true });
      }
      let correct = 0;
      let finished = 0;
      const missing = await generateAndGrade(request.generator, testSet.problems.map((p, index) => ({ ...p, index, problemId: p.id })), {
        template: EXPERIMENT_EVAL_TEMPLATE,
        sampling: request.sampling,
        samples: 1,
        kind: testSet.kind,
        signal: request.signal,
        onResult: async (line) => {
          finished++;
          if (line.verdict === 'correct') correct++;
          request.onProgress?.(finished, testSet.problems.length);
          if (outputs) await appendFile(outputs, `${JSON.stringify(line)}\n`);
        },
      });
      if (missing > 0) {
        if (request.signal?.aborted) return null;
        throw new Error(`The engine returned without finishing ${missing} of the ${testSet.problems.length} problems of the ${testSet.title}.`);
      }
      return { testSet: testSet.key, ...(testSet.benchmark ? { benchmark: testSet.benchmark } : {}), correct, total: testSet.problems.length };
    },
  };
}

/** Reads the spec's benchmark file as an extra test set, or returns none. */
export async function benchmarkTestSet(benchmark: { kind: 'gsm8k' | 'math' | 'math500'; path?: string; limit: number } | undefined): Promise<TestSet[]> {
  if (!benchmark) return [];
  if (!benchmark.path) throw new Error('The spec\'s benchmark names a browser benchmark (id) but no file (path); the command line reads benchmarks from files.');
  const { problems } = await readBenchmarkFile(benchmark.path, benchmark.kind, benchmark.limit);
  return [
    {
      key: 'benchmark',
      benchmark: benchmark.kind,
      title: `${benchmark.kind} (${benchmark.path})`,
      kind: benchmark.kind,
      problems: problems.map((p) => ({ id: p.problemId, problem: p.problem, gold: p.gold, ...(p.level !== undefined ? { level: p.level } : {}), ...(p.subject !== undefined ? { subject: p.subject } : {}) })),
    },
  ];
}
