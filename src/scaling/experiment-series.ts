/** Turns experiment results into plotted series: accuracy per panel and training-loss curves. */
import { formatSize } from './format.ts';
import { wilsonInterval } from '../eval/statistics.ts';
import type { CellEvaluation, CellVariant, ExperimentCell, ExperimentResults } from './results.ts';
import type { ScalingPoint, ScalingSeries } from './series.ts';

/** A chart of one test set: the normal or hard part of the synthetic test set, or a benchmark. */
export interface ExperimentPanel {
  /** "normal", "hard" or "benchmark:NAME". */
  key: string;
  title: string;
}

export function panelKey(evaluation: Pick<CellEvaluation, 'testSet' | 'benchmark'>): string {
  return evaluation.testSet === 'benchmark' ? `benchmark:${evaluation.benchmark}` : evaluation.testSet;
}

function panelTitle(key: string): string {
  if (key === 'normal') return 'Synthetic test set, normal problems';
  if (key === 'hard') return 'Synthetic test set, hard problems';
  return `Benchmark: ${key.slice('benchmark:'.length)}`;
}

/** Lists the panels: normal and hard always (so the page can state that one is empty), then each benchmark with results, by name. */
export function experimentPanels(results: ExperimentResults): ExperimentPanel[] {
  const benchmarks = new Set<string>();
  for (const cell of results.cells) for (const e of cell.evaluations) if (e.testSet === 'benchmark') benchmarks.add(panelKey(e));
  return ['normal', 'hard', ...[...benchmarks].sort()].map((key) => ({ key, title: panelTitle(key) }));
}

/** "evol + xwin · staged", with " · seed 2" when `withSeed`. */
export function variantLabel(variant: CellVariant, withSeed = false): string {
  const methods = variant.methods.length > 1 ? variant.methods.join(' + ') : variant.methods[0];
  return `${methods} · ${variant.curriculum}${withSeed ? ` · seed ${variant.seed}` : ''}`;
}

function variantKey(variant: CellVariant, withSeed: boolean): string {
  return `${[...variant.methods].sort().join('+')}/${variant.curriculum}${withSeed ? `/${variant.seed}` : ''}`;
}

export interface SeriesOptions {
  /** One line per seed instead of pooling the seeds of a variant. */
  splitSeeds?: boolean;
}

/**
 * Builds the accuracy series of one panel, one per variant, from the cells that finished. Seeds are
 * pooled by summing correct and total counts per size, so a pooled interval reflects test-set
 * sampling only and not seed-to-seed variation. `splitSeeds` draws each seed as its own line instead.
 */
export function experimentSeries(results: ExperimentResults, panel: string, options: SeriesOptions = {}): ScalingSeries[] {
  const withSeed = options.splitSeeds ?? false;
  const groups = new Map<string, { variant: CellVariant; bySize: Map<number, { evaluation: CellEvaluation; cell: ExperimentCell }[]> }>();
  for (const cell of results.cells) {
    if (cell.status !== 'done') continue;
    const evaluation = cell.evaluations.find((e) => panelKey(e) === panel);
    if (!evaluation) continue;
    const key = variantKey(cell.variant, withSeed);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { variant: cell.variant, bySize: new Map() }));
    const atSize = group.bySize.get(cell.dataSize) ?? [];
    atSize.push({ evaluation, cell });
    group.bySize.set(cell.dataSize, atSize);
  }

  const source = `experiment ${results.experiment.name}`;
  return [...groups.entries()].map(([key, group]) => {
    const points: ScalingPoint[] = [...group.bySize.entries()]
      .sort(([a], [b]) => a - b)
      .map(([size, entries]) => {
        const correct = entries.reduce((s, e) => s + e.evaluation.correct, 0);
        const total = entries.reduce((s, e) => s + e.evaluation.total, 0);
        const { low, high } = wilsonInterval(correct, total);
        const seeds = entries.map((e) => e.cell.variant.seed);
        return {
          size,
          accuracy: correct / total,
          low,
          high,
          correct,
          total,
          evalRunIds: entries.flatMap((e) => (e.evaluation.evalRunId ? [e.evaluation.evalRunId] : [])),
          note: entries.length > 1 ? `${entries.length} seeds pooled (${seeds.join(', ')})` : `seed ${seeds[0]}`,
        };
      });
    return { id: `${results.experiment.id}/${panel}/${key}`, label: variantLabel(group.variant, withSeed), source, points };
  });
}

export interface LossCurve {
  id: string;
  label: string;
  status: ExperimentCell['status'];
  points: { step: number; loss: number }[];
}

/** Builds one training-loss curve per cell that logged a loss, leaving out non-finite losses (stored as null). */
export function lossCurves(results: ExperimentResults): LossCurve[] {
  return results.cells
    .filter((cell) => cell.trainingLoss.length > 0)
    .map((cell) => ({
      id: `${results.experiment.id}/loss/${cell.id}`,
      label: `${variantLabel(cell.variant, true)} · N=${formatSize(cell.dataSize)}`,
      status: cell.status,
      points: cell.trainingLoss.flatMap((p) => (p.loss === null ? [] : [{ step: p.step, loss: p.loss }])),
    }));
}

/** Cells that failed, with their reasons, for the page to list. */
export function failedCells(results: ExperimentResults): { id: string; label: string; reason: string }[] {
  return results.cells
    .filter((cell) => cell.status === 'failed')
    .map((cell) => ({ id: cell.id, label: `${variantLabel(cell.variant, true)} · N=${formatSize(cell.dataSize)}`, reason: cell.error ?? '(no reason recorded)' }));
}
