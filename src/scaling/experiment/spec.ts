/**
 * The specification of a data-scaling experiment (SPEC.json for `mwb experiment`, the form of the
 * Scaling page): a grid of training-set sizes × augmentation variants × curricula × seeds, with the
 * data, model, training and evaluation settings every cell shares. `resolveSpec` fills the defaults
 * and rejects impossible values with an error naming the field; docs/experiments.md documents it.
 */
import { FAMILY_IDS, type FamilyId } from '../../data/families/index.ts';
import { METHODS, type Method } from '../../data/types.ts';
import { validateConfig, ConfigError, type LlamaConfig } from '../../train/config.ts';
import { SCHEDULE_KINDS, type ScheduleKind } from '../../train/schedule.ts';
import { MIN_BPE_VOCAB } from '../../train/tokenizer.ts';
import { DEFAULT_TRAINING, TRAIN_PRESETS } from '../../train/training-config.ts';
import { CURRICULA, type Curriculum } from '../results.ts';

/** A variant's augmentation: one generator method, or "mix" (the methods of `mix` in equal shares). */
export type VariantMethod = Method | 'mix';
export const VARIANT_METHODS: readonly VariantMethod[] = [...METHODS, 'mix'];

export type BenchmarkChoice = 'gsm8k' | 'math' | 'math500';
export const BENCHMARK_CHOICES: readonly BenchmarkChoice[] = ['gsm8k', 'math', 'math500'];

/**
 * The largest training set the procedural source generates. Every record of the largest size is
 * kept in memory for the whole sweep (about 0.3 KB each), which bounds it.
 */
export const MAX_PROCEDURAL_SIZE = 200_000;

export interface DataSettings {
  /** Seed of the procedural generator; every cell of the experiment draws from the same streams. */
  seed: number;
  /** Problem families drawn; all when empty. */
  families: FamilyId[];
  /** Difficulty levels (1–5) of "normal" problems and of the normal test set. */
  normalDifficulty: [number, number];
  /** Difficulty levels of "hard" problems and of the hard test set. */
  hardDifficulty: [number, number];
  /** Share of every training set that is hard problems (the rest is normal). */
  hardFraction: number;
}

export interface ModelSettings {
  /** A TRAIN_PRESETS name; the fields below override it. */
  preset: string;
  embeddingLength: number;
  blockCount: number;
  headCount: number;
  headCountKv: number;
  feedForwardLength: number;
  /** Positions per packed training sequence, and the model's context length. */
  context: number;
}

export interface TokenizerSettings {
  kind: 'bpe' | 'byte';
  /** BPE vocabulary size, special and byte tokens included. */
  vocabSize: number;
}

export interface TrainingSettings {
  /** Examples per optimizer step. */
  batch: number;
  /** Packed sequences per forward and backward pass. */
  microBatch: number;
  learningRate: number;
  warmupRatio: number;
  schedule: ScheduleKind;
  minLearningRateRatio: number;
  weightDecay: number;
  /** Global gradient-norm clipping threshold; 0 turns clipping off. */
  clip: number;
  /** Checkpoint every this many steps, so an interrupted cell resumes near where it stopped. */
  checkpointEvery: number;
}

export interface EvaluationSettings {
  /** Seed of the held-out test set (its problems never appear in training data). */
  seed: number;
  /** Tokens generated per test problem at most. */
  maxTokens: number;
  /** Sequences decoded together. */
  batch: number;
}

export interface BenchmarkSettings {
  kind: BenchmarkChoice;
  /** JSONL file (command line). */
  path?: string;
  /** Benchmark loaded on the Evaluate page (browser). */
  id?: string;
  /** Evaluate the first `limit` problems. */
  limit: number;
}

/** A spec with every default filled in; the results file stores this form. */
export interface ExperimentSpec {
  name: string;
  /** Training-set sizes in examples, ascending. Smaller sets are prefixes of larger ones. */
  sizes: number[];
  methods: VariantMethod[];
  /** Methods combined by the "mix" variant. */
  mix: Method[];
  curriculum: Curriculum[];
  /** Training seeds (initial weights and example order); the data stay the same across seeds. */
  seeds: number[];
  epochs: number;
  /** Problems in each part (normal, hard) of the held-out synthetic test set. */
  testSize: number;
  data: DataSettings;
  model: ModelSettings;
  tokenizer: TokenizerSettings;
  training: TrainingSettings;
  evaluation: EvaluationSettings;
  benchmark?: BenchmarkSettings;
}

/** A spec value is invalid; `field` is its JSON path (for example "sizes[2]" or "training.batch"). */
export class ExperimentSpecError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    source = 'experiment spec',
  ) {
    super(`Invalid ${source}, field "${field}": ${reason}`);
    this.name = 'ExperimentSpecError';
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Reads fields of one JSON object, raising ExperimentSpecError with the field's path. */
class FieldReader {
  constructor(
    private readonly object: Json,
    private readonly path: string,
    private readonly source: string,
  ) {}

  fail(key: string, reason: string): never {
    throw new ExperimentSpecError(this.at(key), reason, this.source);
  }

  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  /** Rejects keys this object does not have, so a misspelled setting is not silently ignored. */
  only(keys: readonly string[]): void {
    for (const key of Object.keys(this.object)) {
      if (!keys.includes(key)) this.fail(key, `unknown setting; expected one of ${keys.join(', ')}`);
    }
  }

  number(key: string, fallback: number | undefined, min: number, max: number, integer: boolean): number {
    const value = this.object[key];
    if (value === undefined) {
      if (fallback === undefined) this.fail(key, 'missing');
      return fallback;
    }
    const valid = typeof value === 'number' && Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= min && value <= max;
    if (!valid) this.fail(key, `expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${show(value)}`);
    return value;
  }

  string(key: string, fallback: string): string {
    const value = this.object[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value.trim() === '') this.fail(key, `expected a non-empty string, got ${show(value)}`);
    return value.trim();
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.object[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !allowed.includes(value as T)) this.fail(key, `expected one of ${allowed.join(', ')}, got ${show(value)}`);
    return value as T;
  }

  child(key: string): FieldReader {
    const value = this.object[key] ?? {};
    if (!isObject(value)) this.fail(key, `expected an object, got ${show(value)}`);
    return new FieldReader(value, this.at(key), this.source);
  }

  /** A list of distinct items (non-empty unless `allowEmpty`), each checked by `item`. A single value counts as a list of one. */
  list<T>(key: string, fallback: T[] | undefined, item: (value: unknown, path: string) => T, allowEmpty = false): T[] {
    let value = this.object[key];
    if (value === undefined) {
      if (fallback === undefined) this.fail(key, 'missing');
      return fallback;
    }
    if (!Array.isArray(value)) value = [value];
    const values = value as unknown[];
    if (values.length === 0 && !allowEmpty) this.fail(key, 'expected at least one value');
    const items = values.map((v, i) => item(v, `${this.at(key)}[${i}]`));
    const seen = new Set<string>();
    items.forEach((v, i) => {
      const id = JSON.stringify(v);
      if (seen.has(id)) throw new ExperimentSpecError(`${this.at(key)}[${i}]`, `${show(v)} is listed twice`, this.source);
      seen.add(id);
    });
    return items;
  }

  has(key: string): boolean {
    return this.object[key] !== undefined;
  }
}

function integerItem(min: number, max: number, source: string) {
  return (value: unknown, path: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ExperimentSpecError(path, `expected an integer from ${min} to ${max}, got ${show(value)}`, source);
    }
    return value;
  };
}

function choiceItem<T extends string>(allowed: readonly T[], what: string, source: string) {
  return (value: unknown, path: string): T => {
    if (typeof value !== 'string' || !allowed.includes(value as T)) throw new ExperimentSpecError(path, `unknown ${what} ${show(value)}; expected one of ${allowed.join(', ')}`, source);
    return value as T;
  };
}

/** Reads a level range: a level (2) or a pair ([1, 3]), each from 1 to 5. */
function levelRange(reader: FieldReader, key: string, fallback: [number, number], object: Json): [number, number] {
  const value = object[key];
  if (value === undefined) return fallback;
  const pair = typeof value === 'number' ? [value, value] : value;
  const valid = Array.isArray(pair) && pair.length === 2 && pair.every((v) => Number.isInteger(v) && v >= 1 && v <= 5) && pair[0] <= pair[1];
  if (!valid) reader.fail(key, `expected a level from 1 to 5 or a range [low, high], got ${show(value)}`);
  return [pair[0], pair[1]];
}

const TOP_LEVEL = ['name', 'sizes', 'methods', 'mix', 'curriculum', 'seeds', 'epochs', 'testSize', 'data', 'model', 'tokenizer', 'training', 'evaluation', 'benchmark'] as const;

/**
 * Checks a parsed SPEC.json and fills its defaults. Raises ExperimentSpecError naming the first
 * invalid field: sizes above what the data source holds, zero epochs, an unknown method, a model
 * shape the trainer rejects, and so on. `source` (a file name) starts the message.
 */
export function resolveSpec(value: unknown, source = 'experiment spec'): ExperimentSpec {
  if (!isObject(value)) throw new ExperimentSpecError('(top level)', `expected a JSON object, got ${show(value)}`, source);
  const top = new FieldReader(value, '', source);
  top.only(TOP_LEVEL);

  const sizes = top.list('sizes', undefined, integerItem(1, MAX_PROCEDURAL_SIZE, source));
  sizes.forEach((size, i) => {
    if (i > 0 && size <= sizes[i - 1]) throw new ExperimentSpecError(`sizes[${i}]`, `sizes must ascend (each training set contains the smaller ones), but ${size} follows ${sizes[i - 1]}`, source);
  });
  const methods = top.list<VariantMethod>('methods', ['mix'], choiceItem(VARIANT_METHODS, 'method', source));
  const mix = top.list<Method>('mix', [...METHODS], choiceItem(METHODS, 'method', source));
  const curriculum = top.list<Curriculum>('curriculum', ['staged'], choiceItem(CURRICULA, 'curriculum', source));
  const seeds = top.list('seeds', [1], integerItem(0, 2 ** 31 - 1, source));
  const epochs = top.number('epochs', DEFAULT_TRAINING.epochs, 1, 1000, true);
  const testSize = top.number('testSize', 200, 1, 100_000, true);

  const dataReader = top.child('data');
  dataReader.only(['seed', 'families', 'normalDifficulty', 'hardDifficulty', 'hardFraction']);
  const dataObject = (value.data ?? {}) as Json;
  const data: DataSettings = {
    seed: dataReader.number('seed', 1, 0, 2 ** 31 - 1, true),
    families: dataReader.list('families', [], choiceItem(FAMILY_IDS, 'problem family', source), true),
    normalDifficulty: levelRange(dataReader, 'normalDifficulty', [1, 3], dataObject),
    hardDifficulty: levelRange(dataReader, 'hardDifficulty', [3, 5], dataObject),
    hardFraction: dataReader.number('hardFraction', 0.3, 0, 1, false),
  };
  const smallest = sizes[0];
  const hardOfSmallest = Math.round(smallest * data.hardFraction);
  if (curriculum.includes('staged') && data.hardFraction > 0 && data.hardFraction < 1 && (hardOfSmallest === 0 || hardOfSmallest === smallest)) {
    throw new ExperimentSpecError('sizes[0]', `a staged curriculum needs normal and hard problems in every training set, but ${smallest} examples with hardFraction ${data.hardFraction} leave one stage empty; use a larger smallest size`, source);
  }

  const model = resolveModel(top.child('model'), source);

  const tokenizerReader = top.child('tokenizer');
  tokenizerReader.only(['kind', 'vocabSize']);
  const tokenizer: TokenizerSettings = {
    kind: tokenizerReader.oneOf('kind', ['bpe', 'byte'] as const, 'bpe'),
    vocabSize: tokenizerReader.number('vocabSize', 512, MIN_BPE_VOCAB, 65_536, true),
  };

  const trainingReader = top.child('training');
  trainingReader.only(['batch', 'microBatch', 'learningRate', 'warmupRatio', 'schedule', 'minLearningRateRatio', 'weightDecay', 'clip', 'checkpointEvery']);
  const training: TrainingSettings = {
    batch: trainingReader.number('batch', 16, 1, 4096, true),
    microBatch: trainingReader.number('microBatch', 8, 1, 1024, true),
    learningRate: trainingReader.number('learningRate', 3e-3, 1e-9, 1, false),
    warmupRatio: trainingReader.number('warmupRatio', DEFAULT_TRAINING.warmupRatio, 0, 1, false),
    schedule: trainingReader.oneOf('schedule', SCHEDULE_KINDS, DEFAULT_TRAINING.schedule),
    minLearningRateRatio: trainingReader.number('minLearningRateRatio', 0, 0, 1, false),
    weightDecay: trainingReader.number('weightDecay', 0, 0, 1, false),
    clip: trainingReader.number('clip', 1, 0, 1e6, false),
    checkpointEvery: trainingReader.number('checkpointEvery', 50, 0, 1e9, true),
  };

  const evaluationReader = top.child('evaluation');
  evaluationReader.only(['seed', 'maxTokens', 'batch']);
  const evaluation: EvaluationSettings = {
    seed: evaluationReader.number('seed', 1, 0, 2 ** 31 - 1, true),
    maxTokens: evaluationReader.number('maxTokens', 96, 1, 8192, true),
    batch: evaluationReader.number('batch', 16, 1, 256, true),
  };
  if (evaluation.maxTokens >= model.context) {
    evaluationReader.fail('maxTokens', `${evaluation.maxTokens} leaves no room for the prompt in the model's context of ${model.context} positions; use fewer tokens or a longer model.context`);
  }

  let benchmark: BenchmarkSettings | undefined;
  if (top.has('benchmark')) {
    const reader = top.child('benchmark');
    reader.only(['kind', 'path', 'id', 'limit']);
    const object = value.benchmark as Json;
    benchmark = {
      kind: reader.oneOf('kind', BENCHMARK_CHOICES, 'gsm8k'),
      ...(object.path !== undefined ? { path: reader.string('path', '') } : {}),
      ...(object.id !== undefined ? { id: reader.string('id', '') } : {}),
      limit: reader.number('limit', 100, 1, 100_000, true),
    };
    if (benchmark.path === undefined && benchmark.id === undefined) reader.fail('path', 'missing: give the benchmark JSONL file (path) or a benchmark loaded in the browser (id)');
  }

  const name = top.string('name', `sweep of ${methods.join(', ')} over ${sizes.length} sizes`);
  return { name, sizes, methods, mix, curriculum, seeds, epochs, testSize, data, model, tokenizer, training, evaluation, ...(benchmark ? { benchmark } : {}) };
}

function resolveModel(reader: FieldReader, source: string): ModelSettings {
  reader.only(['preset', 'embeddingLength', 'blockCount', 'headCount', 'headCountKv', 'feedForwardLength', 'context']);
  const presetName = reader.oneOf('preset', Object.keys(TRAIN_PRESETS), 'tiny');
  const preset = TRAIN_PRESETS[presetName];
  const model: ModelSettings = {
    preset: presetName,
    embeddingLength: reader.number('embeddingLength', preset.embeddingLength, 2, 8192, true),
    blockCount: reader.number('blockCount', preset.blockCount, 1, 128, true),
    headCount: reader.number('headCount', preset.headCount, 1, 256, true),
    headCountKv: reader.number('headCountKv', preset.headCountKv, 1, 256, true),
    feedForwardLength: reader.number('feedForwardLength', preset.feedForwardLength, 1, 65_536, true),
    context: reader.number('context', 256, 16, 32_768, true),
  };
  try {
    validateConfig(modelConfig(model, MIN_BPE_VOCAB));
  } catch (error) {
    if (error instanceof ConfigError) throw new ExperimentSpecError(`model.${error.field}`, error.message, source);
    throw error;
  }
  return model;
}

/** Builds the trainer's model config from the spec's model and a tokenizer of `vocabSize` tokens. */
export function modelConfig(model: ModelSettings, vocabSize: number): LlamaConfig {
  const preset = TRAIN_PRESETS[model.preset];
  return {
    ...preset,
    embeddingLength: model.embeddingLength,
    blockCount: model.blockCount,
    headCount: model.headCount,
    headCountKv: model.headCountKv,
    feedForwardLength: model.feedForwardLength,
    vocabSize,
    contextLength: model.context,
  };
}
