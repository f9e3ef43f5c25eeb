/**
 * Double-precision reference for causal self-attention with grouped-query heads over packed sequences.
 *
 * Shapes (row-major): q and out are [batch·seqLen, heads, headDim], k and v are [batch·seqLen, kvHeads,
 * headDim], lse is [batch·seqLen, heads]. Query head h reads key/value head h / (heads / kvHeads), as in
 * llama.cpp. Token i of a sequence attends to token j of the same sequence when j ≤ i and both carry the
 * same segment id, so packed examples never attend to each other. Every token attends at least to itself.
 */

export interface AttentionShape {
  batch: number;
  seqLen: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Score scale; the default is 1/sqrt(headDim). */
  scale?: number;
}

export function attentionScale(shape: AttentionShape): number {
  return shape.scale ?? 1 / Math.sqrt(shape.headDim);
}

/** Calls visit(j) for every key position j (within the sequence) that query position i may attend to. */
function forEachVisibleKey(segments: ArrayLike<number>, sequenceStart: number, i: number, visit: (j: number) => void): void {
  const segment = segments[sequenceStart + i];
  for (let j = 0; j <= i; j++) {
    if (segments[sequenceStart + j] === segment) visit(j);
  }
}

function dot(a: ArrayLike<number>, aOffset: number, b: ArrayLike<number>, bOffset: number, length: number): number {
  let sum = 0;
  for (let d = 0; d < length; d++) sum += a[aOffset + d] * b[bOffset + d];
  return sum;
}

/** Attention probabilities of one query row: the visible key positions and their softmax weights. */
function rowProbabilities(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  segments: ArrayLike<number>,
  shape: AttentionShape,
  b: number,
  i: number,
  h: number,
): { keys: number[]; probabilities: number[]; lse: number } {
  const { seqLen, heads, kvHeads, headDim } = shape;
  const scale = attentionScale(shape);
  const g = Math.floor(h / (heads / kvHeads));
  const start = b * seqLen;
  const qOffset = ((start + i) * heads + h) * headDim;
  const keys: number[] = [];
  const scores: number[] = [];
  forEachVisibleKey(segments, start, i, (j) => {
    keys.push(j);
    scores.push(scale * dot(q, qOffset, k, ((start + j) * kvHeads + g) * headDim, headDim));
  });
  const max = Math.max(...scores);
  const sum = scores.reduce((acc, s) => acc + Math.exp(s - max), 0);
  const lse = max + Math.log(sum);
  return { keys, probabilities: scores.map((s) => Math.exp(s - lse)), lse };
}

export function attentionForwardRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  segments: ArrayLike<number>,
  shape: AttentionShape,
): { out: Float64Array; lse: Float64Array } {
  const { batch, seqLen, heads, kvHeads, headDim } = shape;
  const out = new Float64Array(batch * seqLen * heads * headDim);
  const lse = new Float64Array(batch * seqLen * heads);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < seqLen; i++) {
      for (let h = 0; h < heads; h++) {
        const g = Math.floor(h / (heads / kvHeads));
        const row = rowProbabilities(q, k, segments, shape, b, i, h);
        const outOffset = ((b * seqLen + i) * heads + h) * headDim;
        lse[(b * seqLen + i) * heads + h] = row.lse;
        row.keys.forEach((j, n) => {
          const vOffset = ((b * seqLen + j) * kvHeads + g) * headDim;
          for (let d = 0; d < headDim; d++) out[outOffset + d] += row.probabilities[n] * v[vOffset + d];
        });
      }
    }
  }
  return { out, lse };
}

/**
 * Gradients given dout, with P the attention probabilities and s the scale:
 * dV_j = Σ_i P_ij·dO_i; dS_ij = P_ij·(dO_i·V_j − Σ_k P_ik·dO_i·V_k); dQ_i = s·Σ_j dS_ij·K_j; dK_j = s·Σ_i dS_ij·Q_i.
 * Key/value gradients sum over all query heads that share the key/value head.
 */
export function attentionBackwardRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  segments: ArrayLike<number>,
  shape: AttentionShape,
  dout: ArrayLike<number>,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { batch, seqLen, heads, kvHeads, headDim } = shape;
  const scale = attentionScale(shape);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < seqLen; i++) {
      for (let h = 0; h < heads; h++) {
        const g = Math.floor(h / (heads / kvHeads));
        const row = rowProbabilities(q, k, segments, shape, b, i, h);
        const qOffset = ((b * seqLen + i) * heads + h) * headDim;
        const dp = row.keys.map((j) => dot(dout, qOffset, v, ((b * seqLen + j) * kvHeads + g) * headDim, headDim));
        const weighted = row.probabilities.reduce((acc, p, n) => acc + p * dp[n], 0);
        row.keys.forEach((j, n) => {
          const kvOffset = ((b * seqLen + j) * kvHeads + g) * headDim;
          const p = row.probabilities[n];
          const ds = p * (dp[n] - weighted);
          for (let d = 0; d < headDim; d++) {
            dv[kvOffset + d] += p * dout[qOffset + d];
            dq[qOffset + d] += scale * ds * k[kvOffset + d];
            dk[kvOffset + d] += scale * ds * q[qOffset + d];
          }
        });
      }
    }
  }
  return { dq, dk, dv };
}
