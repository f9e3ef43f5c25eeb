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

  /** Picks the next token id from a row of logits. */
  sample(logits: Float32Array): number {
    const { temperature, topK, topP } = this.options;
    if (temperature === 0) return argmax(logits);

    // Candidates sorted by logit, highest first (ties by id), then cut to the top k.
    let candidates = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
    if (topK > 0 && topK < candidates.length) candidates = candidates.slice(0, topK);

    const max = logits[candidates[0]] / temperature;
    const weights = candidates.map((id) => Math.exp(logits[id] / temperature - max));
    const total = weights.reduce((sum, w) => sum + w, 0);

    let nucleusSize = candidates.length;
    if (topP < 1) {
      let cumulative = 0;
      for (let i = 0; i < candidates.length; i++) {
        cumulative += weights[i] / total;
        if (cumulative >= topP) {
          nucleusSize = i + 1;
          break;
        }
      }
    }

    const nucleusTotal = weights.slice(0, nucleusSize).reduce((sum, w) => sum + w, 0);
    let threshold = this.rng.next() * nucleusTotal;
    for (let i = 0; i < nucleusSize; i++) {
      threshold -= weights[i];
      if (threshold < 0) return candidates[i];
    }
    return candidates[nucleusSize - 1];
  }
}
