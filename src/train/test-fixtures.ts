/** Tiny model configurations and weights shared by the training tests. */
import type { LlamaConfig } from './config.ts';
import { initialParameters, parameterLayout, tensorsFromArena } from './parameters.ts';

export const MICRO_CONFIG: LlamaConfig = {
  vocabSize: 11,
  embeddingLength: 8,
  blockCount: 2,
  headCount: 2,
  headCountKv: 1,
  feedForwardLength: 12,
  ropeFreqBase: 10000,
  ropeStyle: 'normal',
  rmsNormEps: 1e-5,
  tiedOutput: true,
  contextLength: 16,
};

/** Larger initial weights than training uses, so every path carries gradients well above rounding. */
export function microParameters(config: LlamaConfig, seed: number): Map<string, Float64Array> {
  const layout = parameterLayout(config);
  const params = tensorsFromArena(layout, initialParameters(config, layout, seed));
  for (const [name, values] of params) {
    const isNorm = name.includes('norm');
    for (let i = 0; i < values.length; i++) values[i] = isNorm ? 1 + 0.1 * Math.sin(7 * i + 1) : values[i] * 15;
  }
  return params;
}
