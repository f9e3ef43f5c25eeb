/**
 * The experiment form of the Scaling page as text fields, and its conversion to and from a spec
 * (the SPEC.json of `mwb experiment`). Text that is not a number is passed on as it is, so the
 * spec check names the field and shows the value.
 */
import type { FamilyId } from '../../../data/families/index.ts';
import type { Method } from '../../../data/types.ts';
import { resolveSpec, type BenchmarkChoice, type ExperimentSpec, type VariantMethod } from '../../../scaling/experiment/spec.ts';
import type { Curriculum } from '../../../scaling/results.ts';
import { TRAIN_PRESETS } from '../../../train/training-config.ts';

export interface ExperimentForm {
  name: string;
  /** Comma-separated sizes. */
  sizes: string;
  methods: VariantMethod[];
  mix: Method[];
  curriculum: Curriculum[];
  /** Comma-separated seeds. */
  seeds: string;
  epochs: string;
  testSize: string;
  preset: string;
  /** Transformer blocks; empty for the preset's own. */
  layers: string;
  context: string;
  families: FamilyId[];
  /** A level or a range such as "3-5". */
  normalDifficulty: string;
  hardDifficulty: string;
  hardFraction: string;
  dataSeed: string;
  vocabSize: string;
  batch: string;
  microBatch: string;
  learningRate: string;
  maxTokens: string;
  evalBatch: string;
  evalSeed: string;
  /** A loaded benchmark to evaluate on too; empty for none. */
  benchmarkId: string;
  benchmarkKind: BenchmarkChoice;
  benchmarkLimit: string;
}

function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  const value = Number(trimmed);
  return trimmed !== '' && Number.isFinite(value) ? value : trimmed;
}

function list(text: string): (number | string)[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(numberOrText);
}

function levels(text: string): number | (number | string)[] | string {
  const parts = text.split(/\s*[-–]\s*/).map(numberOrText);
  if (parts.length === 1) return parts[0];
  return parts;
}

function levelText(range: [number, number]): string {
  return range[0] === range[1] ? String(range[0]) : `${range[0]}-${range[1]}`;
}

/** Builds the spec JSON the form describes (unchecked). */
export function specFromForm(form: ExperimentForm): Record<string, unknown> {
  return {
    name: form.name,
    sizes: list(form.sizes),
    methods: form.methods,
    mix: form.mix,
    curriculum: form.curriculum,
    seeds: list(form.seeds),
    epochs: numberOrText(form.epochs),
    testSize: numberOrText(form.testSize),
    data: {
      seed: numberOrText(form.dataSeed),
      families: form.families,
      normalDifficulty: levels(form.normalDifficulty),
      hardDifficulty: levels(form.hardDifficulty),
      hardFraction: numberOrText(form.hardFraction),
    },
    model: { preset: form.preset, context: numberOrText(form.context), ...(form.layers.trim() ? { blockCount: numberOrText(form.layers) } : {}) },
    tokenizer: { kind: 'bpe', vocabSize: numberOrText(form.vocabSize) },
    training: { batch: numberOrText(form.batch), microBatch: numberOrText(form.microBatch), learningRate: numberOrText(form.learningRate) },
    evaluation: { seed: numberOrText(form.evalSeed), maxTokens: numberOrText(form.maxTokens), batch: numberOrText(form.evalBatch) },
    ...(form.benchmarkId ? { benchmark: { kind: form.benchmarkKind, id: form.benchmarkId, limit: numberOrText(form.benchmarkLimit) } } : {}),
  };
}

/** Fills the form from a spec (a preset, or the spec of a stored experiment), with every default resolved. */
export function formFromSpec(value: unknown): ExperimentForm {
  const spec: ExperimentSpec = resolveSpec(value);
  return {
    name: spec.name,
    sizes: spec.sizes.join(', '),
    methods: spec.methods,
    mix: spec.mix,
    curriculum: spec.curriculum,
    seeds: spec.seeds.join(', '),
    epochs: String(spec.epochs),
    testSize: String(spec.testSize),
    preset: spec.model.preset,
    layers: spec.model.blockCount === TRAIN_PRESETS[spec.model.preset]?.blockCount ? '' : String(spec.model.blockCount),
    context: String(spec.model.context),
    families: spec.data.families,
    normalDifficulty: levelText(spec.data.normalDifficulty),
    hardDifficulty: levelText(spec.data.hardDifficulty),
    hardFraction: String(spec.data.hardFraction),
    dataSeed: String(spec.data.seed),
    vocabSize: String(spec.tokenizer.vocabSize),
    batch: String(spec.training.batch),
    microBatch: String(spec.training.microBatch),
    learningRate: String(spec.training.learningRate),
    maxTokens: String(spec.evaluation.maxTokens),
    evalBatch: String(spec.evaluation.batch),
    evalSeed: String(spec.evaluation.seed),
    benchmarkId: spec.benchmark?.id ?? '',
    benchmarkKind: spec.benchmark?.kind ?? 'gsm8k',
    benchmarkLimit: String(spec.benchmark?.limit ?? 100),
  };
}
