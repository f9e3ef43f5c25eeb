/**
 * Plain TypeScript references of the quantized kernels. Weights are decoded by the CPU dequantizer
 * passed in (src/model/quant's `dequantize`), then multiplied or gathered in double precision.
 */
import { matmulRef } from '../reference/basic.ts';
import { WEIGHT_FORMATS, type Dequantizer, type WeightType } from './formats.ts';

export function dequantizeWeight(dequantize: Dequantizer, type: WeightType, bytes: Uint8Array, rows: number, cols: number): Float32Array {
  return dequantize(WEIGHT_FORMATS[type].ggmlType, bytes, rows * cols);
}

export interface QMatmulRefArgs {
  /** Dequantized weight, n rows of k values. */
  w: Float32Array;
  /** m rows of k activations. */
  x: Float32Array;
  n: number;
  k: number;
  m: number;
  bias?: Float32Array;
  /** Output contents before an accumulating product, m rows of n values. */
  initial?: Float32Array;
}

/** Y = X · Wᵀ (+ bias) (+ initial), m rows of n values. */
export function qmatmulRef(args: QMatmulRefArgs): Float32Array {
  const { n, m } = args;
  const y = matmulRef(args.x, args.w, { m, n, k: args.k, transB: true });
  for (let t = 0; t < m; t++) {
    for (let j = 0; j < n; j++) {
      y[t * n + j] = y[t * n + j] + (args.bias?.[j] ?? 0) + (args.initial?.[t * n + j] ?? 0);
    }
  }
  return y;
}

/** Rows `ids` of a dequantized n × k weight; ids at or past n give rows of zeros. */
export function qembeddingRef(w: Float32Array, n: number, k: number, ids: ArrayLike<number>): Float32Array {
  const out = new Float32Array(ids.length * k);
  for (let t = 0; t < ids.length; t++) {
    if (ids[t] < n) out.set(w.subarray(ids[t] * k, (ids[t] + 1) * k), t * k);
  }
  return out;
}
