/** Double-precision reference for the token embedding: a row gather and its scatter-add gradient. */

/** out[t, :] = table[ids[t], :]; the table has one row of `cols` values per token id. */
export function embeddingRef(table: ArrayLike<number>, ids: ArrayLike<number>, cols: number): Float64Array {
  const out = new Float64Array(ids.length * cols);
  for (let t = 0; t < ids.length; t++) {
    for (let c = 0; c < cols; c++) out[t * cols + c] = table[ids[t] * cols + c];
  }
  return out;
}

/** dtable[v, :] = Σ over tokens t with ids[t] = v of dout[t, :]; rows of unused ids stay zero. */
export function embeddingBackwardRef(ids: ArrayLike<number>, dout: ArrayLike<number>, vocab: number, cols: number): Float64Array {
  const dtable = new Float64Array(vocab * cols);
  for (let t = 0; t < ids.length; t++) {
    for (let c = 0; c < cols; c++) dtable[ids[t] * cols + c] += dout[t * cols + c];
  }
  return dtable;
}
