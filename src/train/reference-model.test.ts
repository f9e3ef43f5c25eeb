/**
 * The double-precision reference model's backward pass against finite differences of its forward loss,
 * for every parameter of a tiny model (normwise relative error ≤ 1e-6 per tensor, central differences
 * with h = 1e-5).
 */
import { describe, it } from 'vitest';
import { assertGradientClose, numericalGradient } from '../kernels/reference/gradient-check.ts';
import { syntheticBatch } from './batch.ts';
import { referenceForward, referenceLossAndGradients } from './reference-model.ts';
import { MICRO_CONFIG, microParameters } from './test-fixtures.ts';

describe('reference model gradients', () => {
  for (const variant of [
    { name: 'tied output, normal RoPE', config: MICRO_CONFIG },
    { name: 'separate output, NeoX RoPE', config: { ...MICRO_CONFIG, tiedOutput: false, ropeStyle: 'neox' as const, headCountKv: 2 } },
  ]) {
    it(`match finite differences: ${variant.name}`, () => {
      const config = variant.config;
      const batch = syntheticBatch(config, 2, 5, 3, 3);
      const params = microParameters(config, 4);
      const { gradients } = referenceLossAndGradients(config, params, batch);
      for (const [name, values] of params) {
        const numeric = numericalGradient(() => referenceForward(config, params, batch).loss, values);
        assertGradientClose(name, gradients.get(name)!, numeric, 1e-6);
      }
    });
  }
});
