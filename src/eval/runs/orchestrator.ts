/**
 * Runs an evaluation: builds the prompts of the problem samples that have no stored result yet,
 * hands them to a Generator, and grades and stores each sequence the moment it finishes. Because
 * every finished sample is its own write, closing the tab loses only the sequences in flight, and
 * calling runEval again on the same run resumes it, skipping what is stored.
 */
import type { WorkbenchDatabase } from '../../db/database.ts';
import type { BenchmarkProblemRecord, BenchmarkRecord, EvalResultRecord, EvalRunRecord, ModelDescription } from '../../db/eval.ts';
import { FREE_SPACE_ADVICE, isQuotaError, StorageFullError } from '../storage-errors.ts';
import { renderPrompt, validateTemplate, type PromptTemplate, type RenderChat, type ResolvedExemplar } from '../templates.ts';
import type { FinishedSequence, GenerationRequest, Generator, SamplingParams } from './generator.ts';
import { gradeOutput, resultFields, type GradeOutput } from './grading.ts';
import { finishedSampleKeys, parseSampleKey, sampleKey, updateRun } from './store.ts';

export interface EvalRunConfig {
  name: string;
  benchmark: BenchmarkRecord;
  model: ModelDescription;
  template: PromptTemplate;
  /** Exemplars for a few-shot template (see selectExemplars); ignored otherwise. */
  exemplars?: ResolvedExemplar[];
  sampling: SamplingParams;
  /** Samples per problem, for maj@k and pass@k; 1 for plain top-1 accuracy. */
  samplesPerProblem: number;
  /** Evaluate only the first `limit` problems of the benchmark. */
  limit?: number;
}

/** Validates the configuration and stores a new run (status 'created'); nothing is generated yet. */
export async function createEvalRun(db: WorkbenchDatabase, config: EvalRunConfig): Promise<EvalRunRecord> {
  const templateProblems = validateTemplate(config.template);
  if (templateProblems.length > 0) throw new Error(`Invalid template "${config.template.name}": ${templateProblems.join(' ')}`);
  const fewShot = config.template.fewShot;
  const exemplars = fewShot ? (config.exemplars ?? []) : [];
  if (fewShot && exemplars.length !== fewShot.count) {
    throw new Error(`Template "${config.template.name}" needs ${fewShot.count} exemplars, got ${exemplars.length}: choose them from a loaded split first.`);
  }
  if (!Number.isInteger(config.samplesPerProblem) || config.samplesPerProblem < 1) {
    throw new Error(`Samples per problem must be an integer ≥ 1, got ${config.samplesPerProblem}.`);
  }
  if (config.benchmark.status !== 'ready') throw new Error(`Benchmark "${config.benchmark.name}" did not finish loading; load its file again.`);
  const available = config.benchmark.problemCount;
  const limit = config.limit === undefined ? available : config.limit;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`The problem limit must be an integer ≥ 1, got ${config.limit}.`);

  const now = Date.now();
  const run: EvalRunRecord = {
    id: crypto.randomUUID(),
    name: config.name.trim() || `${config.model.name} on ${config.benchmark.name}`,
    benchmarkId: config.benchmark.id,
    benchmarkName: config.benchmark.name,
    benchmarkKind: config.benchmark.kind,
    source: 'model',
    model: config.model,
    template: structuredClone(config.template),
    exemplars: structuredClone(exemplars),
    sampling: { ...config.sampling, stop: [...config.sampling.stop] },
    samplesPerProblem: config.samplesPerProblem,
    problemIndices: Array.from({ length: Math.min(limit, available) }, (_, i) => i),
    status: 'created',
    createdAt: now,
    updatedAt: now,
    generationMs: 0,
  };
  await db.evalRuns.add(run);
  return run;
}

export interface EvalProgress {
  runId: string;
  /** Problem samples in the run (problems × samples per problem). */
  total: number;
  /** Samples with a stored result, from earlier sessions included. */
  finished: number;
  correct: number;
  unparsed: number;
  /** correct / finished; null before the first result. */
  accuracy: number | null;
  /** Samples finished in this session, which the rate and ETA are measured on. */
  sessionFinished: number;
  elapsedMs: number;
  /** Estimated milliseconds to finish at this session's rate; null until a sample finished. */
  etaMs: number | null;
  /** Generated tokens per second in this session. */
  tokensPerSecond: number;
  status: EvalRunRecord['status'];
}

export interface RunEvalOptions {
  generator: Generator;
  /** The model's chat template, for templates of the chat format. */
  renderChat?: RenderChat;
  /** Aborting pauses the run; the finished samples stay stored. */
  signal?: AbortSignal;
  onProgress?(progress: EvalProgress): void;
  grade?: GradeOutput;
}

/** Loads the benchmark problems of a run, failing clearly when the benchmark was deleted. */
async function runProblems(db: WorkbenchDatabase, run: EvalRunRecord): Promise<Map<number, BenchmarkProblemRecord>> {
  const keys = run.problemIndices.map((index) => [run.benchmarkId, index] as [string, number]);
  const rows = await db.benchmarkProblems.bulkGet(keys);
  const problems = new Map<number, BenchmarkProblemRecord>();
  rows.forEach((row, i) => {
    if (!row) throw new Error(`Problem ${run.problemIndices[i]} of benchmark "${run.benchmarkName}" is missing: the benchmark was deleted or reloaded, so run "${run.name}" cannot continue.`);
    problems.set(row.index, row);
  });
  return problems;
}

/** Counts the stored correct and unparsed results of a run over all its samples, from the verdict index. */
async function storedVerdictCounts(db: WorkbenchDatabase, run: EvalRunRecord): Promise<{ correct: number; unparsed: number }> {
  const countOf = (sample: number, verdict: 'correct' | 'unparsed') => db.evalResults.where('[runId+sample+verdict]').equals([run.id, sample, verdict]).count();
  const samples = Array.from({ length: run.samplesPerProblem }, (_, sample) => sample);
  const [correct, unparsed] = await Promise.all([
    Promise.all(samples.map((sample) => countOf(sample, 'correct'))),
    Promise.all(samples.map((sample) => countOf(sample, 'unparsed'))),
  ]);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return { correct: sum(correct), unparsed: sum(unparsed) };
}

/**
 * Runs (or resumes) a stored run until every problem sample has a result, the signal aborts it, or a
 * write fails. Returns the final progress. A full disk pauses the run and raises StorageFullError;
 * the results stored before stay.
 */
export async function runEval(db: WorkbenchDatabase, runId: string, options: RunEvalOptions): Promise<EvalProgress> {
  const run = await db.evalRuns.get(runId);
  if (!run) throw new Error(`Run ${runId} not found: it may have been deleted.`);
  if (run.source !== 'model' || !run.template || !run.sampling) throw new Error(`Run "${run.name}" contains imported outputs, so there is nothing to generate.`);
  const template = run.template;
  const grade = options.grade ?? gradeOutput;
  const problems = await runProblems(db, run);
  const finishedKeys = await finishedSampleKeys(db, runId);
  const stored = await storedVerdictCounts(db, run);

  // Requests for every sample without a stored result, in run order.
  const requests = new Map<string, GenerationRequest>();
  for (const index of run.problemIndices) {
    let prompt: string | undefined;
    for (let sample = 0; sample < run.samplesPerProblem; sample++) {
      const key = sampleKey(index, sample);
      if (finishedKeys.has(key)) continue;
      prompt ??= renderPrompt(template, problems.get(index)!.problem, run.exemplars, options.renderChat);
      requests.set(key, { id: key, prompt, seed: run.sampling.seed + sample });
    }
  }

  const started = Date.now();
  const state = {
    finished: finishedKeys.size,
    correct: stored.correct,
    unparsed: stored.unparsed,
    sessionFinished: 0,
    sessionTokens: 0,
  };
  const total = run.problemIndices.length * run.samplesPerProblem;
  const progress = (status: EvalRunRecord['status']): EvalProgress => {
    const elapsedMs = Date.now() - started;
    const remaining = total - state.finished;
    return {
      runId,
      total,
      finished: state.finished,
      correct: state.correct,
      unparsed: state.unparsed,
      accuracy: state.finished > 0 ? state.correct / state.finished : null,
      sessionFinished: state.sessionFinished,
      elapsedMs,
      etaMs: state.sessionFinished > 0 ? (elapsedMs / state.sessionFinished) * remaining : null,
      tokensPerSecond: elapsedMs > 0 ? (state.sessionTokens * 1000) / elapsedMs : 0,
      status,
    };
  };

  if (requests.size === 0) {
    await updateRun(db, runId, { status: 'finished', error: undefined });
    return progress('finished');
  }

  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  await updateRun(db, runId, { status: 'running', error: undefined });
  options.onProgress?.(progress('running'));

  const writes = new Set<Promise<void>>();
  let writeError: unknown = null;
  let writeErrorKey = '';

  const store = (key: string, request: GenerationRequest, result: FinishedSequence) => {
    const { problemIndex, sample } = parseSampleKey(key)!;
    const problem = problems.get(problemIndex)!;
    const graded = grade(result.text, problem.gold, run.benchmarkKind, problem.problem);
    const record: EvalResultRecord = { runId, ...resultFields(problemIndex, sample, problem, request.prompt, result, graded) };
    const write = db.evalResults
      .put(record)
      .then(() => {
        state.finished++;
        state.sessionFinished++;
        state.sessionTokens += result.tokens;
        if (record.verdict === 'correct') state.correct++;
        if (record.verdict === 'unparsed') state.unparsed++;
        options.onProgress?.(progress('running'));
      })
      .catch((error: unknown) => {
        if (writeError === null) {
          writeError = error;
          writeErrorKey = key;
        }
        controller.abort(error);
      });
    writes.add(write);
    void write.finally(() => writes.delete(write));
  };

  let engineError: unknown = null;
  try {
    await options.generator.generate([...requests.values()], { ...run.sampling, stop: [...new Set([...run.sampling.stop, ...template.stop])] }, {
      signal: controller.signal,
      onFinished(id, result) {
        const request = requests.get(id);
        // Aborted sequences stay pending for the next session; unknown or repeated ids are ignored.
        if (!request || result.stopReason === 'aborted' || writeError !== null) return;
        requests.delete(id);
        store(id, request, result);
      },
    });
  } catch (error) {
    engineError = error;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  while (writes.size > 0) await Promise.allSettled([...writes]);

  const generationMs = run.generationMs + (Date.now() - started);
  const done = state.finished === total;
  let status: EvalRunRecord['status'] = done ? 'finished' : 'paused';
  let message: string | undefined;
  if (writeError !== null) {
    const at = parseSampleKey(writeErrorKey)!;
    const where = `problem ${problems.get(at.problemIndex)!.problemId} (sample ${at.sample + 1})`;
    message = isQuotaError(writeError)
      ? `Browser storage is full (IndexedDB quota exceeded): the result of ${where} could not be saved. The run is paused with ${state.finished} of ${total} samples stored; nothing stored was lost. ${FREE_SPACE_ADVICE}`
      : `Saving the result of ${where} failed: ${(writeError as Error).message ?? String(writeError)}. The run is paused with ${state.finished} of ${total} samples stored.`;
  } else if (engineError !== null) {
    message = `The inference engine failed: ${(engineError as Error).message ?? String(engineError)}. The run is paused with ${state.finished} of ${total} samples stored; resume it to continue.`;
  } else if (!done && !controller.signal.aborted) {
    status = 'paused';
    message = `The engine returned without finishing ${requests.size} of the requested samples; resume the run to generate them.`;
  }
  // This small write can fail too when the disk is full; the results themselves are already stored.
  await updateRun(db, runId, { status, generationMs, error: message }).catch((error: unknown) => {
    console.warn(`[eval] run ${runId}: storing status "${status}" failed: ${(error as Error).message ?? String(error)}`);
  });

  const final = progress(status);
  options.onProgress?.(final);
  if (writeError !== null) {
    throw isQuotaError(writeError) ? new StorageFullError(message!, { cause: writeError }) : new Error(message, { cause: writeError });
  }
  if (engineError !== null) throw new Error(message, { cause: engineError });
  return final;
}
