/**
 * The plotted unit of the scaling explorer: a series of (data size, accuracy) points. Experiment
 * results, the paper's reference points and imported CSV files are all turned into series, which
 * the charts draw, `fitSeries` fits and the exports write. Accuracies and intervals are fractions
 * in [0, 1]; sizes are training examples.
 */

export interface ScalingPoint {
  /** Training-data size (examples). */
  size: number;
  accuracy: number;
  /** 95% interval, when known. */
  low?: number;
  high?: number;
  /** Test problems graded for this point, and how many were correct, when known. */
  total?: number;
  correct?: number;
  /** Evaluation runs behind the point (several when seeds are pooled); the first opens in Inspect. */
  evalRunIds?: string[];
  /** Where the point comes from, e.g. a table of the Skywork-Math paper or a line of a CSV file. */
  note?: string;
}

export interface ScalingSeries {
  /** Stable key, unique within a chart. */
  id: string;
  label: string;
  /** Origin shown in the legend and exports: an experiment, a file, or the Skywork-Math paper. */
  source: string;
  points: ScalingPoint[];
}

/** Returns the points sorted by size, for drawing lines; the input is not changed. */
export function sortedBySize(points: readonly ScalingPoint[]): ScalingPoint[] {
  return [...points].sort((p, q) => p.size - q.size);
}

/** Returns the smallest and largest size over all series, or null when there are no points. */
export function sizeRange(series: readonly ScalingSeries[]): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      min = Math.min(min, p.size);
      max = Math.max(max, p.size);
    }
  }
  return Number.isFinite(min) ? [min, max] : null;
}
