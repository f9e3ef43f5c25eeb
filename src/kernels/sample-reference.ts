/**
 * Plain TypeScript reference of GPU sampling (shaders/sample.wgsl): the same counter-based random
 * numbers, the same top-k and top-p rules and the same Gumbel-max draw, so a fixed seed picks the
 * same token on the CPU and on the GPU. The GPU sums and exponentials round differently, so the
 * two can differ when a top-p threshold or two Gumbel scores fall within about 1e-6 of each other.
 */

/** Settings of one row's draw. */
export interface SampleSettings {
  /** Softmax temperature; 0 or less is greedy (argmax). */
  temperature: number;
  /** Keep the tokens whose logit is at least the k-th largest; 0 keeps all, 1 is greedy. */
  topK: number;
  /** Keep the smallest set of most likely tokens with at least this probability mass; 1 keeps all. */
  topP: number;
  /** Random seed (u32). */
  seed: number;
  /** Sequence id (u32), so sequences with one seed draw independently wherever they sit in a batch. */
  stream: number;
  /** Decoding step (u32), usually the position of the token being drawn. */
  step: number;
}

/** PCG-style hash of a u32: one 32-bit LCG step, then the RXS-M-XS output permutation. */
export function pcgHash(value: number): number {
  const state = (Math.imul(value >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Hashes (seed, stream, step, index) to the random u32 of token `index` in that draw. */
export function samplingHash(seed: number, stream: number, step: number, index: number): number {
  return pcgHash((pcgHash((pcgHash((pcgHash(seed) ^ stream) >>> 0) ^ step) >>> 0) ^ index) >>> 0);
}

/** Standard Gumbel noise −log(−log(u)) from the top 23 bits of `hash`, in f32 steps as the GPU computes it. */
export function gumbelNoise(hash: number): number {
  const u = Math.fround(((hash >>> 9) + 0.5) * 2 ** -23);
  return Math.fround(-Math.log(Math.fround(-Math.log(u))));
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** u32 key that orders like the f32 value. */
export function orderKey(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  return bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

/** Finds the first index of the largest value. */
export function argmaxRef(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

function isGreedy(logits: ArrayLike<number>, settings: SampleSettings): boolean {
  return settings.temperature <= 0 || settings.topK === 1 || logits[argmaxRef(logits)] === -Infinity;
}

/** Key threshold of the kept tokens (key ≥ threshold), with the largest logit and 1 / temperature in f32. */
export function keptThreshold(logits: ArrayLike<number>, settings: SampleSettings): { threshold: number; maxLogit: number; invTemperature: number } {
  const vocab = logits.length;
  const maxLogit = logits[argmaxRef(logits)];
  const invTemperature = Math.fround(1 / settings.temperature);
  const keys = Array.from(logits, orderKey);
  const order = keys.map((_, i) => i).sort((a, b) => keys[b] - keys[a] || a - b);
  let threshold = 0;
  if (settings.topK > 1 && settings.topK < vocab) threshold = keys[order[settings.topK - 1]];

  if (settings.topP < 1) {
    const kept = order.filter((i) => keys[i] >= threshold);
    const masses = kept.map((i) => Math.exp(Math.fround((logits[i] - maxLogit) * invTemperature)));
    const target = settings.topP * masses.reduce((a, b) => a + b, 0);
    // The largest key whose kept tokens at or above it carry the target mass; tokens with equal
    // keys are all in or all out.
    let cumulative = 0;
    for (let j = 0; j < kept.length; j++) {
      cumulative += masses[j];
      const lastOfKey = j + 1 === kept.length || keys[kept[j + 1]] !== keys[kept[j]];
      if (lastOfKey && cumulative >= target) {
        threshold = keys[kept[j]];
        break;
      }
    }
  }
  return { threshold, maxLogit, invTemperature };
}

/** Picks the token the GPU picks for one row of logits. */
export function sampleRef(logits: ArrayLike<number>, settings: SampleSettings): number {
  if (isGreedy(logits, settings)) return argmaxRef(logits);
  const { threshold, maxLogit, invTemperature } = keptThreshold(logits, settings);
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < logits.length; i++) {
    if (orderKey(logits[i]) < threshold) continue;
    const scaled = Math.fround((logits[i] - maxLogit) * invTemperature);
    const score = Math.fround(scaled + gumbelNoise(samplingHash(settings.seed, settings.stream, settings.step, i)));
    if (best < 0 || score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}

/** Probability of each token under the settings: softmax(logits / temperature) over the kept tokens. */
export function sampleDistribution(logits: ArrayLike<number>, settings: SampleSettings): Float64Array {
  const probabilities = new Float64Array(logits.length);
  if (isGreedy(logits, settings)) {
    probabilities[argmaxRef(logits)] = 1;
    return probabilities;
  }
  const { threshold, maxLogit } = keptThreshold(logits, settings);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    if (orderKey(logits[i]) < threshold) continue;
    probabilities[i] = Math.exp((logits[i] - maxLogit) / settings.temperature);
    total += probabilities[i];
  }
  for (let i = 0; i < logits.length; i++) probabilities[i] /= total;
  return probabilities;
}
