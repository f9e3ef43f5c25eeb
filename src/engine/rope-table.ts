/** The RoPE (cos, sin) table of a model, with linear position scaling. */
import type { ModelConfig } from '../model/config.ts';
import { UnsupportedModelError } from './errors.ts';

/**
 * (cos, sin) of (position / factor) · base^(−2p/rotaryDims) for positions 0 … maxPositions − 1, in
 * the layout of src/kernels/rope.ts's ropeTable ([maxPositions, rotaryDims/2] interleaved pairs),
 * computed in double precision. factor is the linear scaling factor (1 when unscaled), as llama.cpp
 * divides positions by it.
 */
export function scaledRopeTable(config: Pick<ModelConfig, 'ropeFreqBase' | 'ropeDimensionCount' | 'ropeScaling'>, maxPositions: number): Float32Array {
  checkRopeScaling(config);
  const rotaryDims = config.ropeDimensionCount;
  const half = rotaryDims / 2;
  const factor = config.ropeScaling.factor;
  const table = new Float32Array(maxPositions * half * 2);
  for (let position = 0; position < maxPositions; position++) {
    for (let p = 0; p < half; p++) {
      const angle = (position / factor) * config.ropeFreqBase ** ((-2 * p) / rotaryDims);
      table[(position * half + p) * 2] = Math.cos(angle);
      table[(position * half + p) * 2 + 1] = Math.sin(angle);
    }
  }
  return table;
}

/** Raises UnsupportedModelError for RoPE scaling the engine does not implement (YaRN). */
export function checkRopeScaling(config: Pick<ModelConfig, 'ropeScaling'>): void {
  if (config.ropeScaling.type === 'yarn') {
    throw new UnsupportedModelError('YaRN RoPE scaling is not supported by the GPU engine; supported: none, linear');
  }
}
