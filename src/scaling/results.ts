/**
 * The results of a data-scaling experiment: the JSON that `mwb experiment --out results.json`
 * writes and the Scaling page stores and plots. The format is public and versioned; docs/scaling.md
 * describes it field by field. A reader accepts every version up to RESULTS_VERSION.
 *
 * An experiment is a grid of cells. Each cell trains on `dataSize` examples of one variant (the
 * augmentation methods mixed, the curriculum and the seed), then evaluates on the normal and hard
 * parts of a held-out synthetic test set and, optionally, on loaded benchmarks.
 */

export const RESULTS_FORMAT = 'mwb-scaling-results';
export const RESULTS_VERSION = 1;

export type Curriculum = 'staged' | 'mixed';
export const CURRICULA: readonly Curriculum[] = ['staged', 'mixed'];

export type CellStatus = 'pending' | 'running' | 'done' | 'failed';
export const CELL_STATUSES: readonly CellStatus[] = ['pending', 'running', 'done', 'failed'];

export type TestSet = 'normal' | 'hard' | 'benchmark';
export const TEST_SETS: readonly TestSet[] = ['normal', 'hard', 'benchmark'];

export interface CellVariant {
  /** Augmentation methods whose problems the cell trained on; more than one is a mix. */
  methods: string[];
  /** 'staged': normal problems first, then hard ones; 'mixed': one shuffled pass over both. */
  curriculum: Curriculum;
  seed: number;
}

export interface CellEvaluation {
  testSet: TestSet;
  /** Benchmark name, required when testSet is 'benchmark' (e.g. "gsm8k"). */
  benchmark?: string;
  correct: number;
  total: number;
  /** Evaluation run in IndexedDB, opened by the Inspect page as `#/inspect?run=ID`. */
  evalRunId?: string;
}

export interface LossPoint {
  /** Optimizer step, counted from 0 or 1 by the trainer. */
  step: number;
  /** Mean training cross-entropy (nats per token) at that step; null where it was NaN or infinite (JSON has no NaN). */
  loss: number | null;
}

export interface ExperimentCell {
  /** Unique within the experiment. */
  id: string;
  variant: CellVariant;
  /** Training examples the cell used. */
  dataSize: number;
  status: CellStatus;
  /** Reason of a failed cell (NaN loss, device lost, …). */
  error?: string;
  evaluations: CellEvaluation[];
  trainingLoss: LossPoint[];
  /** Training run (checkpoint) id, when the trainer stores one. */
  trainRunId?: string;
  /** Hash of the training and test problems the cell was run on; a resumed sweep compares it. */
  dataFingerprint?: string;
  /** ISO 8601 timestamps. */
  startedAt?: string;
  finishedAt?: string;
}

export interface ExperimentInfo {
  id: string;
  name: string;
  /** ISO 8601 timestamp. */
  createdAt: string;
  /** The experiment specification (SPEC.json) the sweep ran; the sweep runner stores it with its defaults filled in. */
  spec?: unknown;
}

export interface ExperimentResults {
  format: typeof RESULTS_FORMAT;
  version: number;
  experiment: ExperimentInfo;
  cells: ExperimentCell[];
}

/** Invalid results JSON; `problems` lists each invalid field by its path. */
export class ResultsFormatError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    const listed = problems.slice(0, 8).map((p) => `  ${p}`);
    if (problems.length > 8) listed.push(`  … and ${problems.length - 8} more`);
    super(`${source} is not valid scaling results (format "${RESULTS_FORMAT}" version ${RESULTS_VERSION}):\n${listed.join('\n')}`);
    this.name = 'ResultsFormatError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Collects problems while checking fields, each named by its JSON path. */
class Checker {
  readonly problems: string[] = [];

  fail(path: string, expected: string, value: unknown): void {
    this.problems.push(`${path}: expected ${expected}, got ${describe(value)}`);
  }

  string(object: Json, key: string, path: string, optional = false): string | undefined {
    const value = object[key];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || value.length === 0) {
      this.fail(`${path}.${key}`, 'a non-empty string', value);
      return undefined;
    }
    return value;
  }

  integer(object: Json, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = object[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(`${path}.${key}`, `an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`, value);
      return undefined;
    }
    return value;
  }

  timestamp(object: Json, key: string, path: string, optional = false): void {
    const value = this.string(object, key, path, optional);
    if (value !== undefined && Number.isNaN(Date.parse(value))) this.fail(`${path}.${key}`, 'an ISO 8601 timestamp', value);
  }

  oneOf<T extends string>(object: Json, key: string, path: string, allowed: readonly T[]): T | undefined {
    const value = object[key];
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      this.fail(`${path}.${key}`, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
      return undefined;
    }
    return value as T;
  }
}

function checkEvaluation(check: Checker, value: unknown, path: string): void {
  if (!isObject(value)) return check.fail(path, 'an object', value);
  const testSet = check.oneOf(value, 'testSet', path, TEST_SETS);
  if (testSet === 'benchmark') check.string(value, 'benchmark', path);
  else if (value.benchmark !== undefined) check.fail(`${path}.benchmark`, `no benchmark name for test set "${testSet}"`, value.benchmark);
  const total = check.integer(value, 'total', path, 1);
  check.integer(value, 'correct', path, 0, total ?? Number.MAX_SAFE_INTEGER);
  check.string(value, 'evalRunId', path, true);
}

function checkCell(check: Checker, value: unknown, path: string, ids: Set<string>): void {
  if (!isObject(value)) return check.fail(path, 'an object', value);
  const id = check.string(value, 'id', path);
  if (id !== undefined) {
    if (ids.has(id)) check.fail(`${path}.id`, 'an id not used by another cell', id);
    ids.add(id);
  }

  const variant = value.variant;
  if (!isObject(variant)) {
    check.fail(`${path}.variant`, 'an object {methods, curriculum, seed}', variant);
  } else {
    const methods = variant.methods;
    if (!Array.isArray(methods) || methods.length === 0 || methods.some((m) => typeof m !== 'string' || m.length === 0)) {
      check.fail(`${path}.variant.methods`, 'a non-empty array of method names', methods);
    }
    check.oneOf(variant, 'curriculum', `${path}.variant`, CURRICULA);
    check.integer(variant, 'seed', `${path}.variant`, 0);
  }

  check.integer(value, 'dataSize', path, 1);
  const status = check.oneOf(value, 'status', path, CELL_STATUSES);
  if (status === 'failed') check.string(value, 'error', path);
  else check.string(value, 'error', path, true);

  if (!Array.isArray(value.evaluations)) check.fail(`${path}.evaluations`, 'an array', value.evaluations);
  else value.evaluations.forEach((e, i) => checkEvaluation(check, e, `${path}.evaluations[${i}]`));

  if (!Array.isArray(value.trainingLoss)) {
    check.fail(`${path}.trainingLoss`, 'an array of {step, loss}', value.trainingLoss);
  } else {
    value.trainingLoss.forEach((p, i) => {
      const at = `${path}.trainingLoss[${i}]`;
      if (!isObject(p)) return check.fail(at, 'an object {step, loss}', p);
      check.integer(p, 'step', at, 0);
      // A NaN loss is what marks a diverged cell, so a non-finite loss is written as null and kept.
      if (p.loss !== null && (typeof p.loss !== 'number' || !Number.isFinite(p.loss))) check.fail(`${at}.loss`, 'a finite number or null', p.loss);
    });
  }
  check.string(value, 'trainRunId', path, true);
  check.string(value, 'dataFingerprint', path, true);
  check.timestamp(value, 'startedAt', path, true);
  check.timestamp(value, 'finishedAt', path, true);
}

/**
 * Checks parsed JSON against the results format and returns it typed. Raises ResultsFormatError
 * naming every invalid field; `source` (a file name) starts the message.
 */
export function validateResults(value: unknown, source: string): ExperimentResults {
  const check = new Checker();
  if (!isObject(value)) throw new ResultsFormatError(source, [`(top level): expected an object, got ${describe(value)}`]);
  if (value.format !== RESULTS_FORMAT) check.fail('format', `"${RESULTS_FORMAT}"`, value.format);
  if (typeof value.version !== 'number' || !Number.isInteger(value.version) || value.version < 1) {
    check.fail('version', 'a positive integer', value.version);
  } else if (value.version > RESULTS_VERSION) {
    check.problems.push(`version: ${value.version} is newer than this workbench reads (${RESULTS_VERSION}); update the workbench`);
  }

  const experiment = value.experiment;
  if (!isObject(experiment)) {
    check.fail('experiment', 'an object {id, name, createdAt}', experiment);
  } else {
    check.string(experiment, 'id', 'experiment');
    check.string(experiment, 'name', 'experiment');
    check.timestamp(experiment, 'createdAt', 'experiment');
  }

  if (!Array.isArray(value.cells)) {
    check.fail('cells', 'an array', value.cells);
  } else {
    const ids = new Set<string>();
    value.cells.forEach((cell, i) => checkCell(check, cell, `cells[${i}]`, ids));
  }
  if (check.problems.length > 0) throw new ResultsFormatError(source, check.problems);
  return value as unknown as ExperimentResults;
}

/** Checks one cell, for code that stores cells one at a time; raises ResultsFormatError naming invalid fields. */
export function validateCell(value: unknown, source: string): ExperimentCell {
  const check = new Checker();
  checkCell(check, value, 'cell', new Set());
  if (check.problems.length > 0) throw new ResultsFormatError(source, check.problems);
  return value as ExperimentCell;
}

/** Writes results as the JSON text of the format, after checking them, so a writer cannot produce a file readers reject. */
export function formatResults(results: ExperimentResults): string {
  validateResults(results, `results of experiment "${results.experiment?.id}"`);
  return `${JSON.stringify(results, null, 2)}\n`;
}

/** Parses results JSON text; invalid JSON raises ResultsFormatError with the parser's message. */
export function parseResults(text: string, source: string): ExperimentResults {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new ResultsFormatError(source, [`not JSON: ${(error as Error).message}`]);
  }
  return validateResults(value, source);
}
