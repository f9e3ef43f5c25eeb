/** The cells of an experiment's grid, in the order a sweep runs them, and their training settings. */
import { DEFAULT_OPTIMIZER, type TrainingConfig } from '../../train/training-config.ts';
import type { CellVariant, Curriculum, ExperimentCell } from '../results.ts';
import { modelConfig, type ExperimentSpec, type VariantMethod } from './spec.ts';

export interface PlannedCell {
  id: string;
  method: VariantMethod;
  curriculum: Curriculum;
  seed: number;
  size: number;
  variant: CellVariant;
}

/** Returns a cell id such as "mix-staged-s1-n1000": readable, and unique within the grid. */
export function cellId(method: VariantMethod, curriculum: Curriculum, seed: number, size: number): string {
  return `${method}-${curriculum}-s${seed}-n${size}`;
}

/**
 * Lists the grid size by size, smallest first, so an unfinished sweep already has every variant at
 * the small sizes and its curves grow to the right.
 */
export function planCells(spec: ExperimentSpec): PlannedCell[] {
  const cells: PlannedCell[] = [];
  for (const size of spec.sizes) {
    for (const seed of spec.seeds) {
      for (const curriculum of spec.curriculum) {
        for (const method of spec.methods) {
          const methods = method === 'mix' ? [...spec.mix] : [method];
          cells.push({ id: cellId(method, curriculum, seed, size), method, curriculum, seed, size, variant: { methods, curriculum, seed } });
        }
      }
    }
  }
  return cells;
}

/** A cell record before it has run. */
export function pendingCell(planned: PlannedCell): ExperimentCell {
  return { id: planned.id, variant: planned.variant, dataSize: planned.size, status: 'pending', evaluations: [], trainingLoss: [] };
}

/** The trainer's settings for one cell: the spec's model and optimizer with the cell's seed. */
export function cellTrainingConfig(spec: ExperimentSpec, seed: number, vocabSize: number): TrainingConfig {
  const t = spec.training;
  return {
    model: modelConfig(spec.model, vocabSize),
    seqLen: spec.model.context,
    microBatch: t.microBatch,
    batch: t.batch,
    epochs: spec.epochs,
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: t.learningRate, weightDecay: t.weightDecay, maxGradNorm: t.clip },
    warmupRatio: t.warmupRatio,
    schedule: t.schedule,
    minLearningRateRatio: t.minLearningRateRatio,
    seed,
    evalEvery: 0,
    checkpointEvery: t.checkpointEvery,
  };
}
