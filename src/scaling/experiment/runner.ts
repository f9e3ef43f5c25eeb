/**
 * Runs an experiment's cells one after another: select the cell's data, train (trainModel), export
 * the weights as GGUF in memory, and evaluate them with batched generation on the held-out test
 * sets. Each cell record is stored as soon as it changes, so a sweep resumes after an interruption.
 * Finished cells are then skipped. An interrupted cell resumes from its latest training checkpoint
 * (or restarts when the host keeps none) and continues its stored evaluation. A cell that fails
 * (NaN loss, device lost, too little memory) is stored as failed with its reason, and the sweep goes on.
 *
 * The host supplies what differs between the browser worker and the command line: the GPU, where
 * cells and checkpoints are stored, how a trained model becomes a Generator, and how a test set is
 * evaluated. The browser evaluates through stored eval runs, Node straight into the results file.
 */
import type { Generator, SamplingParams } from '../../eval/runs/generator.ts';
import { builtinTemplate } from '../../eval/templates.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { GpuUnavailableError } from '../../gpu/errors.ts';
import type { GgufFile } from '../../model/gguf/file.ts';
import { openGguf } from '../../model/gguf/reader.ts';
import { bytesSource } from '../../model/gguf/source.ts';
import { encodeGguf } from '../../model/gguf/writer.ts';
import type { CheckpointManager } from '../../train/checkpoint.ts';
import { trainedModelGguf } from '../../train/export.ts';
import { prepareTrainingData } from '../../train/prepare.ts';
import { trainModel, type TrainResult } from '../../train/train-model.ts';
import { NonFiniteLossError, type StepPoint } from '../../train/trainer.ts';
import type { CellEvaluation, ExperimentCell, LossPoint } from '../results.ts';
import { cellTrainingConfig, pendingCell, planCells, type PlannedCell } from './cells.ts';
import { buildExperimentTokenizer, cellStages, dataFingerprint, EXPERIMENT_TEMPLATE, generatePools, generateTestSets, type TestSet } from './data.ts';
import type { ExperimentSpec } from './spec.ts';

/** Training-loss points kept per cell at most; longer curves keep every k-th step and the last one. */
export const MAX_LOSS_POINTS = 400;
/** Milliseconds between stores of a training cell's loss curve, so the page can draw it live. */
const LIVE_STORE_INTERVAL_MS = 5000;

/** The evaluation prompt: Skywork-Math's zero-shot CoT template, which is also the training prompt. */
export const EXPERIMENT_EVAL_TEMPLATE = builtinTemplate('alpaca-cot');

export interface OpenedModel {
  generator: Generator;
  close(): Promise<void>;
}

export interface EvaluateRequest {
  cell: ExperimentCell;
  testSet: TestSet;
  generator: Generator;
  sampling: SamplingParams;
  /** True when the cell's model was trained (again) in this session, so stored outputs of an earlier model must be discarded. */
  fresh: boolean;
  signal?: AbortSignal;
  onProgress?(finished: number, total: number): void;
}

export interface ExperimentHost {
  /** Returns the GPU to use; called for every cell, so a lost device is replaced by a new one. */
  gpu(): Promise<GpuContext>;
  /** Reads the cells stored by earlier sessions. */
  loadCells(): Promise<ExperimentCell[]>;
  /** Stores one cell (insert or update). */
  putCell(cell: ExperimentCell): Promise<void>;
  /** Checkpoint storage of one cell; without it an interrupted cell restarts its training. */
  checkpoints?(cellId: string): Promise<CheckpointManager>;
  /** Loads a trained model (a GGUF file in memory) for batched generation. */
  openModel(ctx: GpuContext, file: GgufFile, options: { batch: number; contextLength: number }): Promise<OpenedModel>;
  /** Evaluates one test set; returns null when the signal stopped it (the outputs so far may be kept). */
  evaluate(request: EvaluateRequest): Promise<CellEvaluation | null>;
}

export type ExperimentPhase = 'generating' | 'tokenizer' | 'training' | 'evaluating' | 'stored';

export interface ExperimentProgress {
  phase: ExperimentPhase;
  /** The cell being worked on; absent while the data are generated. */
  cellId?: string;
  /** Position of the cell in the grid (0-based) and the grid size. */
  cellIndex?: number;
  cells: number;
  /** Training: steps done and planned; evaluating: problems done and planned, over every test set. */
  done: number;
  total: number;
  /** Training loss of the last step. */
  loss?: number;
  /** Estimated milliseconds to the end of this phase of the cell. */
  etaMs?: number;
  message?: string;
}

export interface RunExperimentOptions {
  signal?: AbortSignal;
  onProgress?(progress: ExperimentProgress): void;
  /** Called after every stored cell change, with the cell. */
  onCell?(cell: ExperimentCell): void;
  /** Run failed cells again instead of keeping their failure. */
  retryFailed?: boolean;
  /** Extra test sets evaluated after the synthetic ones (a benchmark). */
  extraTestSets?: TestSet[];
}

export interface ExperimentSummary {
  status: 'finished' | 'paused';
  done: number;
  failed: number;
  /** Cells not run yet (paused sweeps). */
  remaining: number;
  cells: ExperimentCell[];
}

/** Returns the loss curve as stored: at most MAX_LOSS_POINTS points, non-finite losses as null. */
export function storedLossCurve(points: readonly Pick<StepPoint, 'step' | 'loss'>[], totalSteps: number): LossPoint[] {
  const stride = Math.max(1, Math.ceil(totalSteps / MAX_LOSS_POINTS));
  const last = points[points.length - 1]?.step;
  return points.filter((p) => p.step % stride === 0 || p.step === last || p.step === 1).map((p) => ({ step: p.step, loss: Number.isFinite(p.loss) ? p.loss : null }));
}

/** Describes an error for a failed cell's reason. */
function reasonOf(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  return String(error);
}

/** Error for stored cells that ran on other problems than this run generates for the same spec. */
export class ExperimentDataChangedError extends Error {
  constructor(
    readonly cellIds: string[],
    readonly stored: string,
    readonly current: string,
  ) {
    super(
      `The problems generated for this spec changed since cell${cellIds.length === 1 ? '' : 's'} ${cellIds.join(', ')} ran ` +
        `(data fingerprint ${stored}, now ${current}), because the workbench's data generator changed. Results on other problems ` +
        'cannot share a curve. Start the sweep again from scratch (mwb experiment --restart, or a new experiment in the app), ' +
        'and keep the old results file if you need its numbers.',
    );
    this.name = 'ExperimentDataChangedError';
  }
}

/** Rejects resuming when a finished or interrupted cell recorded another fingerprint; cells from before fingerprints pass. */
function checkFingerprints(cells: readonly ExperimentCell[], fingerprint: string): void {
  const changed = cells.filter((c) => (c.status === 'done' || c.status === 'running') && c.dataFingerprint !== undefined && c.dataFingerprint !== fingerprint);
  if (changed.length > 0) throw new ExperimentDataChangedError(changed.map((c) => c.id), changed[0].dataFingerprint!, fingerprint);
}

/**
 * Runs every cell of the spec that is not finished. Returns when all are done or failed ('finished')
 * or when the signal stops the sweep ('paused'; the running cell stays 'running' and resumes next time).
 */
export async function runExperiment(host: ExperimentHost, spec: ExperimentSpec, options: RunExperimentOptions = {}): Promise<ExperimentSummary> {
  const planned = planCells(spec);
  const stored = new Map((await host.loadCells()).map((cell) => [cell.id, cell]));
  const cells = planned.map((p) => stored.get(p.id) ?? pendingCell(p));
  const report = (progress: Omit<ExperimentProgress, 'cells'>) => options.onProgress?.({ ...progress, cells: planned.length });
  // Stores run one after another, so a slow store of a live loss curve never overwrites a later state.
  let queue: Promise<void> = Promise.resolve();
  const put = (cell: ExperimentCell): Promise<void> => {
    const write = queue.then(async () => {
      await host.putCell(cell);
      options.onCell?.(cell);
    });
    queue = write.catch(() => undefined);
    return write;
  };
  for (const cell of cells) if (!stored.has(cell.id)) await put(cell);

  const todo = planned.filter((_, i) => cells[i].status === 'pending' || cells[i].status === 'running' || (options.retryFailed && cells[i].status === 'failed'));
  const summarize = (status: ExperimentSummary['status']): ExperimentSummary => ({
    status,
    done: cells.filter((c) => c.status === 'done').length,
    failed: cells.filter((c) => c.status === 'failed').length,
    remaining: cells.filter((c) => c.status === 'pending' || c.status === 'running').length,
    cells,
  });
  if (todo.length === 0) return summarize('finished');

  report({ phase: 'generating', done: 0, total: 1, message: 'generating the training and test problems' });
  const pools = generatePools(spec, (done, total) => report({ phase: 'generating', done, total }));
  const testSets = [...generateTestSets(spec), ...(options.extraTestSets ?? [])];
  const fingerprint = dataFingerprint(pools, testSets);
  checkFingerprints(cells, fingerprint);
  report({ phase: 'tokenizer', done: 0, total: 1, message: `building the ${spec.tokenizer.kind} tokenizer` });
  const tokenizer = await buildExperimentTokenizer(spec, pools);

  for (const plan of todo) {
    if (options.signal?.aborted) return summarize('paused');
    const index = planned.indexOf(plan);
    const progress = (p: Omit<ExperimentProgress, 'cells' | 'cellId' | 'cellIndex'>) => report({ ...p, cellId: plan.id, cellIndex: index });
    const outcome = await runCell(host, spec, plan, cells[index], { tokenizer, pools, testSets, fingerprint, signal: options.signal, progress, put: async (cell) => {
      cells[index] = cell;
      await put(cell);
    } });
    if (outcome === 'paused') return summarize('paused');
  }
  return summarize('finished');
}

interface CellContext {
  tokenizer: Awaited<ReturnType<typeof buildExperimentTokenizer>>;
  /** dataFingerprint() of the pools and test sets, stored in the cell. */
  fingerprint: string;
  pools: ReturnType<typeof generatePools>;
  testSets: TestSet[];
  signal?: AbortSignal;
  progress(p: Omit<ExperimentProgress, 'cells' | 'cellId' | 'cellIndex'>): void;
  put(cell: ExperimentCell): Promise<void>;
}

/** Runs one cell to 'done' or 'failed', or stops it ('paused') when the signal aborts. */
async function runCell(host: ExperimentHost, spec: ExperimentSpec, plan: PlannedCell, previous: ExperimentCell, context: CellContext): Promise<'done' | 'failed' | 'paused'> {
  let cell: ExperimentCell = {
    ...pendingCell(plan),
    status: 'running',
    dataFingerprint: context.fingerprint,
    startedAt: previous.status === 'running' && previous.startedAt ? previous.startedAt : new Date().toISOString(),
    trainingLoss: previous.status === 'running' ? previous.trainingLoss : [],
  };
  await context.put(cell);

  let curve: StepPoint[] = [];
  let totalSteps = 1;
  const fail = async (error: unknown): Promise<'failed'> => {
    // A diverged step is kept in the curve as a null loss, which marks where the cell failed.
    const diverged = error instanceof NonFiniteLossError ? [{ step: error.step, loss: error.loss }] : [];
    const trainingLoss = curve.length > 0 || diverged.length > 0 ? storedLossCurve([...curve, ...diverged], totalSteps) : cell.trainingLoss;
    cell = { ...cell, status: 'failed', error: reasonOf(error), trainingLoss, finishedAt: new Date().toISOString() };
    await context.put(cell);
    return 'failed';
  };

  let trained: TrainResult;
  let ctx: GpuContext;
  let fresh: boolean;
  try {
    ctx = await host.gpu();
    const stages = cellStages(context.pools, plan.method, plan.curriculum, plan.size, spec.data.hardFraction);
    const prepared = await prepareTrainingData({
      stages,
      template: EXPERIMENT_TEMPLATE,
      tokenizer: { kind: 'given', tokenizer: context.tokenizer },
      seqLen: spec.model.context,
      overflow: 'truncate',
      heldOut: { count: 0 },
      seed: spec.data.seed,
    });
    const config = cellTrainingConfig(spec, plan.seed, context.tokenizer.vocabSize);
    const checkpoints = host.checkpoints ? await host.checkpoints(plan.id) : undefined;
    let lastStore = Date.now();
    let stepsThisSession = 0;
    trained = await trainModel(
      ctx,
      config,
      prepared.data,
      {
        onStart: (info) => {
          totalSteps = info.totalSteps;
          curve = [...info.state.curve.train];
        },
        onStep: (point, p) => {
          stepsThisSession++;
          curve.push(point);
          context.progress({ phase: 'training', done: p.step, total: p.totalSteps, loss: point.loss, etaMs: p.etaMs });
          if (Date.now() - lastStore > LIVE_STORE_INTERVAL_MS) {
            lastStore = Date.now();
            cell = { ...cell, trainingLoss: storedLossCurve(curve, totalSteps) };
            void context.put(cell).catch((error: unknown) => console.warn(`[experiment] storing the loss curve of cell ${plan.id} failed: ${reasonOf(error)}`));
          }
        },
      },
      context.signal,
      { checkpoints },
    );
    cell = { ...cell, trainingLoss: storedLossCurve(trained.curve.train, trained.totalSteps) };
    fresh = stepsThisSession > 0;
    if (trained.status === 'paused') {
      await context.put(cell);
      return 'paused';
    }
  } catch (error) {
    // Without an adapter no cell can run, so the sweep stops instead of failing every cell.
    if (error instanceof GpuUnavailableError) throw error;
    return fail(error);
  }

  let opened: OpenedModel | null = null;
  try {
    const bytes = await encodeGguf(trainedModelGguf(trained.model, { type: 'f32', name: `mwb-experiment-${plan.id}`, description: `Experiment "${spec.name}", cell ${plan.id}` }));
    const file = await openGguf(bytesSource(bytes, `${plan.id}.gguf`));
    opened = await host.openModel(ctx, file, { batch: spec.evaluation.batch, contextLength: spec.model.context });
    const sampling: SamplingParams = { temperature: 0, topP: 1, topK: 0, maxTokens: spec.evaluation.maxTokens, seed: 0, stop: [...EXPERIMENT_EVAL_TEMPLATE.stop] };
    const total = context.testSets.reduce((sum, set) => sum + set.problems.length, 0);
    let before = 0;
    const evaluations: CellEvaluation[] = [];
    for (const testSet of context.testSets) {
      const evaluation = await host.evaluate({
        cell,
        testSet,
        generator: opened.generator,
        sampling,
        fresh,
        signal: context.signal,
        onProgress: (finished) => context.progress({ phase: 'evaluating', done: before + finished, total, message: testSet.title }),
      });
      if (evaluation === null) return 'paused';
      evaluations.push(evaluation);
      before += testSet.problems.length;
    }
    cell = { ...cell, status: 'done', evaluations, finishedAt: new Date().toISOString() };
    await context.put(cell);
  } catch (error) {
    return fail(error);
  } finally {
    await opened?.close().catch((error: unknown) => console.warn(`[experiment] releasing the model of cell ${plan.id} failed: ${reasonOf(error)}`));
  }

  // The checkpoints of a finished cell are only needed to resume it, so they are removed.
  if (host.checkpoints) await (await host.checkpoints(plan.id)).clear().catch((error: unknown) => console.warn(`[experiment] removing checkpoints of cell ${plan.id} failed: ${reasonOf(error)}`));
  context.progress({ phase: 'stored', done: 1, total: 1 });
  return 'done';
}
