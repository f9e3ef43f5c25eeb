/** Scaling page view settings (zustand), kept while the user moves between pages. */
import { create } from 'zustand';
import type { ReferenceBenchmark } from '../../../scaling/reference.ts';

export interface ScalingViewState {
  showLogLinear: boolean;
  showPowerLaw: boolean;
  /** Weight fits by the points' interval widths. */
  weighted: boolean;
  /** Draw each seed of an experiment variant as its own line. */
  splitSeeds: boolean;
  /** Paper series drawn on the imported-series chart for comparison. */
  compareWith: ReferenceBenchmark | 'none';
  selectedExperiment: string | null;
  set(update: Partial<Omit<ScalingViewState, 'set'>>): void;
}

export const useScalingView = create<ScalingViewState>((set) => ({
  showLogLinear: true,
  showPowerLaw: true,
  weighted: false,
  splitSeeds: false,
  compareWith: 'none',
  selectedExperiment: null,
  set: (update) => set(update),
}));
