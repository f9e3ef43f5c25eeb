/**
 * Double-precision reference for rotary position embeddings (RoPE) on tensors of shape
 * tokens×heads×headDim, with one position id per token (packed examples restart their positions).
 *
 * Pair p of the first rotaryDims values of each head is rotated by the angle position·base^(−2p/rotaryDims):
 * - "normal" style (llama.cpp's LLAMA_ROPE_TYPE_NORM, used by `llama`): elements 2p and 2p+1;
 * - "neox" style (LLAMA_ROPE_TYPE_NEOX, used by `qwen2`): elements p and p + rotaryDims/2.
 * Values past rotaryDims pass through unchanged.
 */

export type RopeStyle = 'normal' | 'neox';

export interface RopeShape {
  tokens: number;
  heads: number;
  headDim: number;
  /** Leading dimensions of each head that rotate (even, at most headDim); the default is headDim. */
  rotaryDims?: number;
  /** Frequency base θ (10000 in LLaMA-2). */
  base: number;
  style: RopeStyle;
}

/** Index of the two elements that pair p rotates, relative to the start of the head. */
export function ropePair(p: number, rotaryDims: number, style: RopeStyle): [number, number] {
  return style === 'normal' ? [2 * p, 2 * p + 1] : [p, p + rotaryDims / 2];
}

/**
 * Rotates every pair by +angle, or by −angle when `inverse` is set. The inverse is also the
 * backward pass: the gradient with respect to the input is the inverse rotation of the output gradient.
 */
export function ropeRef(x: ArrayLike<number>, positions: ArrayLike<number>, shape: RopeShape, inverse = false): Float64Array {
  const { tokens, heads, headDim, base, style } = shape;
  const rotaryDims = shape.rotaryDims ?? headDim;
  const out = Float64Array.from(x);
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < heads; h++) {
      const start = (t * heads + h) * headDim;
      for (let p = 0; p < rotaryDims / 2; p++) {
        const angle = positions[t] * base ** ((-2 * p) / rotaryDims);
        const cos = Math.cos(angle);
        const sin = inverse ? -Math.sin(angle) : Math.sin(angle);
        const [i, j] = ropePair(p, rotaryDims, style);
        const a = x[start + i];
        const b = x[start + j];
        out[start + i] = a * cos - b * sin;
        out[start + j] = a * sin + b * cos;
      }
    }
  }
  return out;
}
