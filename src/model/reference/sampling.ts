/**
 * Choosing the next token from logits: greedy (temperature 0) or sampled with temperature, top-k
 * and top-p from a seeded generator, so a seed reproduces a sequence. The order is that of vLLM
 * and Hugging Face transformers: divide by the temperature, keep the top k, keep the smallest set
 * whose probability reaches top-p, renormalize and draw. (llama.cpp's default chain applies top-k
 * and top-p before the temperature, so its sampled tokens differ for the same settings.)
 */
import { Rng } from '../../util/random.ts';

export interface SamplingOptions {
  /** 0 selects greedy decoding (the first maximum of the logits). */
  temperature: number;
  /** Keep only the topK most likely tokens; 0 = off. */
  topK: number;
  /** Keep the smallest set of tokens whose probability sums to at least topP; 1 = off. */
  topP: number;
  /** Seed of the random number generator. */
  seed: number;
}

export const GREEDY: SamplingOptions = { temperature: 0, topK: 0, topP: 1, seed: 0 };

/** Throws a RangeError naming the option when a sampling setting is out of range. */
export function checkSamplingOptions(options: SamplingOptions): void {
  const { temperature, topK, topP, seed } = options;
  if (!(Number.isFinite(temperature) && temperature >= 0)) throw new RangeError(`temperature must be a number ≥ 0, got ${temperature}`);
  if (!(Number.isSafeInteger(topK) && topK >= 0)) throw new RangeError(`top-k must be an integer ≥ 0, got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`top-p must be in (0, 1], got ${topP}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
}

/** Index of the largest value; the lowest index wins a tie. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export class Sampler {
  private readonly rng: Rng;

  constructor(readonly options: SamplingOptions) {
    checkSamplingOptions(options);
    this.rng = new Rng(options.seed);
  }

  /**
   * Picks the next token id from a row of logits. Without top-k and top-p the draw walks the
   * tokens in id order. With them it walks the kept tokens from the most likely down (ties by id).
   */
  sample(logits: Float32Array): number {
    const { temperature, topK, topP } = this.options;
    if (temperature === 0) return argmax(logits);

    const vocabSize = logits.length;
    const maxLogit = logits[argmax(logits)];
    const weight = (id: number) => Math.exp((logits[id] - maxLogit) / temperature);
    const keep = topK > 0 ? Math.min(topK, vocabSize) : vocabSize;
    if (keep === vocabSize && topP >= 1) {
      const weights = new Float64Array(vocabSize);
      for (let id = 0; id < vocabSize; id++) weights[id] = weight(id);
      return this.draw(null, weights, vocabSize);
    }

    // The top-p nucleus is a prefix of the kept tokens sorted by probability, so sort only the
    // largest few and widen until the prefix reaches topP (usually a few hundred tokens).
    let total = 0;
    if (keep === vocabSize) {
      for (let id = 0; id < vocabSize; id++) total += weight(id);
    }
    let count = topP < 1 && keep === vocabSize ? Math.min(256, keep) : keep;
    for (;;) {
      const candidates = largestLogits(logits, count);
      const weights = Float64Array.from(candidates, weight);
      if (keep < vocabSize) total = weights.reduce((sum, w) => sum + w, 0);
      if (topP >= 1) return this.draw(candidates, weights, candidates.length);
      let cumulative = 0;
      for (let i = 0; i < candidates.length; i++) {
        cumulative += weights[i];
        if (cumulative >= topP * total) return this.draw(candidates, weights, i + 1);
      }
      if (count === keep) return this.draw(candidates, weights, candidates.length);
      count = Math.min(keep, count * 4);
    }
  }

  /**
   * Draws one of the first `size` candidates with probability proportional to its weight; with
   * `candidates` null, position i is token id i.
   */
  private draw(candidates: number[] | null, weights: Float64Array, size: number): number {
    let sum = 0;
    for (let i = 0; i < size; i++) sum += weights[i];
    let threshold = this.rng.next() * sum;
    let chosen = size - 1;
    for (let i = 0; i < size; i++) {
      threshold -= weights[i];
      if (threshold < 0) {
        chosen = i;
        break;
      }
    }
    return candidates ? candidates[chosen] : chosen;
  }
}

/**
 * Returns the ids of the `count` largest logits, sorted from the largest (ties by lower id). The
 * `count`-th largest value is found by selection in linear time, so only `count` ids are sorted.
 */
export function largestLogits(logits: Float32Array, count: number): number[] {
  const byLogit = (a: number, b: number) => logits[b] - logits[a] || a - b;
  if (count >= logits.length) return Array.from(logits.keys()).sort(byLogit);
  const threshold = kthLargest(Float32Array.from(logits), count);
  const above: number[] = [];
  const equal: number[] = [];
  for (let id = 0; id < logits.length; id++) {
    if (logits[id] > threshold) above.push(id);
    else if (logits[id] === threshold) equal.push(id);
  }
  return [...above, ...equal.slice(0, count - above.length)].sort(byLogit);
}

/** Returns the k-th largest value (k ≥ 1) of `values`, reordering them (Hoare's quickselect). */
function kthLargest(values: Float32Array, k: number): number {
  let low = 0;
  let high = values.length - 1;
  const target = k - 1;
  while (low < high) {
    const pivot = values[(low + high) >> 1];
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i] = values[j];
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) high = j;
    else if (target >= i) low = i;
    else return values[target];
  }
  return values[target];
}
