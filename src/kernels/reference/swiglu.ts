/** Double-precision reference for SwiGLU, h = silu(gate) ⊙ up with silu(g) = g·σ(g), and its gradients. */

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function swigluRef(gate: ArrayLike<number>, up: ArrayLike<number>): Float64Array {
  const h = new Float64Array(gate.length);
  for (let i = 0; i < gate.length; i++) h[i] = gate[i] * sigmoid(gate[i]) * up[i];
  return h;
}

/** dgate = dh·up·σ(g)·(1 + g·(1 − σ(g))) and dup = dh·silu(g). */
export function swigluBackwardRef(gate: ArrayLike<number>, up: ArrayLike<number>, dh: ArrayLike<number>): { dgate: Float64Array; dup: Float64Array } {
  const dgate = new Float64Array(gate.length);
  const dup = new Float64Array(gate.length);
  for (let i = 0; i < gate.length; i++) {
    const s = sigmoid(gate[i]);
    dgate[i] = dh[i] * up[i] * s * (1 + gate[i] * (1 - s));
    dup[i] = dh[i] * gate[i] * s;
  }
  return { dgate, dup };
}
