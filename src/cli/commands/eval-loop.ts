/**
 * Evaluation on the command line, where there is no IndexedDB: benchmark problems read from a JSONL
 * file, prompts rendered by a template, completions from a Generator with batched decoding, and each
 * finished sample graded and handed to the caller at once (which appends it to a results file). The
 * browser runs the same steps through the stored eval runs of src/eval/runs/orchestrator.ts.
 */
import { createReadStream } from 'node:fs';
import type { BenchmarkKind, EvalResultRecord } from '../../db/eval.ts';
import { BENCHMARK_LABELS, parseProblem, type ParsedProblem } from '../../eval/benchmarks.ts';
import type { FinishedSequence, GenerationRequest, Generator, SamplingParams } from '../../eval/runs/generator.ts';
import { gradeOutput, resultFields } from '../../eval/runs/grading.ts';
import { renderPrompt, type PromptTemplate, type RenderChat, type ResolvedExemplar } from '../../eval/templates.ts';
import { isJsonlError, parseJsonl } from '../../util/jsonl.ts';
import { requireFile } from './data-files.ts';

/** A problem to evaluate, with its position in the benchmark. */
export interface EvalProblem {
  index: number;
  problemId: string;
  problem: string;
  gold: string;
  /** The worked solution, when the file has one (few-shot exemplars need it). */
  solution?: string;
  subject?: string;
  level?: number;
}

/** One graded sample: the fields of a stored eval result, plus the problem text (so the line can be imported elsewhere). */
export type EvalLine = Omit<EvalResultRecord, 'runId'> & { problem: string };

export interface BenchmarkFile {
  problems: EvalProblem[];
  /** Lines that were not problems of the chosen benchmark, with their reasons. */
  skipped: { line: number; error: string }[];
}

/**
 * Reads the problems of a benchmark JSONL file. Raises when the file has no problem of the chosen
 * kind, naming the fields the first line lacks; other bad lines are returned in `skipped`.
 */
export async function readBenchmarkFile(path: string, kind: Exclude<BenchmarkKind, 'custom'>, limit?: number): Promise<BenchmarkFile> {
  requireFile(path, 'benchmark file');
  const problems: EvalProblem[] = [];
  const skipped: { line: number; error: string }[] = [];
  for await (const entry of parseJsonl(createReadStream(path))) {
    if (isJsonlError(entry)) {
      skipped.push({ line: entry.line, error: entry.error });
      continue;
    }
    const parsed = parseProblem(entry.value, entry.line, kind);
    if (!parsed.ok) {
      if (problems.length === 0 && skipped.length === 0) {
        throw new Error(`${path}:${entry.line} is not a ${BENCHMARK_LABELS[kind]} problem: ${parsed.error}. Choose the --bench that matches the file.`);
      }
      skipped.push({ line: entry.line, error: parsed.error });
      continue;
    }
    problems.push(toEvalProblem(parsed.problem, problems.length));
    if (limit !== undefined && problems.length >= limit) break;
  }
  if (problems.length === 0) throw new Error(`${path} contains no ${BENCHMARK_LABELS[kind]} problems (${skipped.length} lines skipped).`);
  return { problems, skipped };
}

function toEvalProblem(parsed: ParsedProblem, index: number): EvalProblem {
  return {
    index,
    problemId: parsed.problemId ?? String(index),
    problem: parsed.problem,
    gold: parsed.gold,
    ...(parsed.solution !== undefined ? { solution: parsed.solution } : {}),
    ...(parsed.subject !== undefined ? { subject: parsed.subject } : {}),
    ...(parsed.level !== undefined ? { level: parsed.level } : {}),
  };
}

export interface GenerateAndGradeOptions {
  template: PromptTemplate;
  renderChat?: RenderChat;
  /** Few-shot exemplars, for templates with few-shot settings. */
  exemplars?: readonly ResolvedExemplar[];
  sampling: SamplingParams;
  /** Samples per problem (k of maj@k and pass@k). */
  samples: number;
  kind: BenchmarkKind;
  /** Samples already graded, as "problemIndex:sample", which are not generated again. */
  finished?: ReadonlySet<string>;
  signal?: AbortSignal;
  /** Called once per finished sample, in finishing order; generation waits for a returned promise only at the end. */
  onResult(line: EvalLine): void | Promise<void>;
}

/**
 * Generates and grades every problem sample not in `finished`. Resolves when all have been handed to
 * onResult or the signal stopped generation; rejects when the engine fails. Returns the samples that
 * were still missing at the end (aborted ones).
 */
export async function generateAndGrade(generator: Generator, problems: readonly EvalProblem[], options: GenerateAndGradeOptions): Promise<number> {
  const requests = new Map<string, { request: GenerationRequest; problem: EvalProblem; sample: number }>();
  for (const problem of problems) {
    let prompt: string | undefined;
    for (let sample = 0; sample < options.samples; sample++) {
      const id = `${problem.index}:${sample}`;
      if (options.finished?.has(id)) continue;
      prompt ??= renderPrompt(options.template, problem.problem, options.exemplars ?? [], options.renderChat);
      requests.set(id, { request: { id, prompt, seed: options.sampling.seed + sample }, problem, sample });
    }
  }
  if (requests.size === 0) return 0;

  const writes: Promise<void>[] = [];
  const sampling = { ...options.sampling, stop: [...new Set([...options.sampling.stop, ...options.template.stop])] };
  await generator.generate(
    [...requests.values()].map((r) => r.request),
    sampling,
    {
      signal: options.signal,
      onFinished(id: string, result: FinishedSequence) {
        const entry = requests.get(id);
        if (!entry || result.stopReason === 'aborted') return;
        requests.delete(id);
        const { problem, sample } = entry;
        const graded = gradeOutput(result.text, problem.gold, options.kind, problem.problem);
        const line: EvalLine = { ...resultFields(problem.index, sample, problem, entry.request.prompt, result, graded), problem: problem.problem };
        const write = options.onResult(line);
        if (write) writes.push(write);
      },
    },
  );
  await Promise.all(writes);
  return requests.size;
}
