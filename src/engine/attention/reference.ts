/**
 * TypeScript references of the inference attention kernels. Scores, softmax and sums are in
 * double precision. The cache arrays contain the values the GPU cache contains, so round them to
 * f16 first to model an f16 cache.
 */
import { cachedAttention } from '../../model/reference/forward.ts';
import type { AttentionHeads } from './kernels.ts';

/** A query row of the kernels: the slot it reads and its position (it attends to keys 0 … position). */
export interface QueryRow {
  slot: number;
  position: number;
}

type CacheShape = Pick<AttentionHeads, 'heads' | 'kvHeads' | 'headDim' | 'maxLen'>;

function slotRows(cache: Float32Array, slot: number, shape: CacheShape): Float32Array {
  const rowSize = shape.kvHeads * shape.headDim;
  return cache.subarray(slot * shape.maxLen * rowSize, (slot + 1) * shape.maxLen * rowSize);
}

/**
 * Attention of each query row over its slot of the cache, causal by position: the plain result
 * that both the prefill and the split-K decode kernels compute. q is [rows, heads, headDim].
 */
export function cacheAttentionRef(q: Float32Array, kCache: Float32Array, vCache: Float32Array, rows: readonly QueryRow[], shape: CacheShape): Float32Array {
  const { heads, kvHeads, headDim } = shape;
  const rowValues = heads * headDim;
  const out = new Float32Array(rows.length * rowValues);
  rows.forEach((row, r) => {
    // The model's reference: one query at position `row.position` over keys 0 … position.
    const result = cachedAttention(
      q.subarray(r * rowValues, (r + 1) * rowValues),
      slotRows(kCache, row.slot, shape),
      slotRows(vCache, row.slot, shape),
      row.position,
      1,
      heads,
      kvHeads,
      headDim,
    );
    out.set(result, r * rowValues);
  });
  return out;
}

/**
 * Computes attention with the split-K algorithm of attention-decode.wgsl in double precision. Each
 * split of `chunk` keys yields its maximum score m, the sum l of exp(s − m) and the unnormalized
 * Σ exp(s − m)·v, and the splits combine as Σ e^(m_s − M)·acc_s / Σ e^(m_s − M)·l_s. The tests check
 * that it equals cacheAttentionRef up to rounding, which verifies the decomposition apart from the WGSL.
 */
export function splitAttentionRef(q: Float32Array, kCache: Float32Array, vCache: Float32Array, rows: readonly QueryRow[], shape: CacheShape & { scale?: number }, chunk: number): Float64Array {
  const { heads, kvHeads, headDim, maxLen } = shape;
  const scale = shape.scale ?? 1 / Math.sqrt(headDim);
  const group = heads / kvHeads;
  const rowSize = kvHeads * headDim;
  const out = new Float64Array(rows.length * heads * headDim);
  rows.forEach((row, r) => {
    const keys = row.position + 1;
    for (let h = 0; h < heads; h++) {
      const qOffset = (r * heads + h) * headDim;
      const kvOffset = Math.floor(h / group) * headDim;
      const splits: { m: number; l: number; acc: Float64Array }[] = [];
      for (let start = 0; start < keys; start += chunk) {
        const end = Math.min(keys, start + chunk);
        const scores: number[] = [];
        for (let j = start; j < end; j++) {
          const base = (row.slot * maxLen + j) * rowSize + kvOffset;
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += q[qOffset + d] * kCache[base + d];
          scores.push(dot * scale);
        }
        const m = Math.max(...scores);
        const acc = new Float64Array(headDim);
        let l = 0;
        scores.forEach((s, i) => {
          const p = Math.exp(s - m);
          l += p;
          const base = (row.slot * maxLen + start + i) * rowSize + kvOffset;
          for (let d = 0; d < headDim; d++) acc[d] += p * vCache[base + d];
        });
        splits.push({ m, l, acc });
      }
      const top = Math.max(...splits.map((s) => s.m));
      const denominator = splits.reduce((sum, s) => sum + Math.exp(s.m - top) * s.l, 0);
      for (let d = 0; d < headDim; d++) {
        out[qOffset + d] = splits.reduce((sum, s) => sum + Math.exp(s.m - top) * s.acc[d], 0) / denominator;
      }
    }
  });
  return out;
}

/** Returns the cache after appending rows: row t goes to cache row cacheRows[t] unless that is ≥ slots·maxLen. */
export function kvStoreRef(cache: Float32Array, rowsNew: Float32Array, cacheRows: readonly number[], rowSize: number): Float32Array {
  const out = Float32Array.from(cache);
  const cacheRowCount = cache.length / rowSize;
  cacheRows.forEach((row, t) => {
    if (row < cacheRowCount) out.set(rowsNew.subarray(t * rowSize, (t + 1) * rowSize), row * rowSize);
  });
  return out;
}
