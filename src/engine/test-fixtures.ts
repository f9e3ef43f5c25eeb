/**
 * Tiny random GGUF models for engine tests, opened from memory, and greedy comparisons of an
 * engine against the reference forward pass.
 */
import type { ModelFileType } from '../model/random-model.ts';
import type { Architecture } from '../model/config.ts';
import type { LogitsEngine } from '../model/reference/engine.ts';
import { argmax } from '../model/reference/sampling.ts';
import { openTinyModel } from '../model/test-models.ts';

/**
 * Options of a 2-layer model with embedding 256 (4 heads of 64, 2 KV heads) and feed-forward 512.
 * Rows of 256 and 512 values fit whole K-quant super-blocks, so q4_k files get Q4_K and Q6_K and
 * q4_0 files a Q6_K output head, as full-size files do.
 */
export function engineModelOptions(architecture: Architecture, fileType: ModelFileType, seed = 1) {
  return { architecture, fileType, seed, layerCount: 2, embeddingLength: 256, headCount: 4, headCountKv: 2, feedForwardLength: 512, contextLength: 256 };
}

export function openEngineModel(architecture: Architecture, fileType: ModelFileType, seed = 1) {
  return openTinyModel(engineModelOptions(architecture, fileType, seed));
}

export interface GreedyTrace {
  tokens: number[];
  /** Logits before each generated token: prompt logits first. */
  logits: Float32Array[];
}

/** Feeds the prompt, then `steps` greedy tokens (argmax, no end-of-sequence stop), recording the logits. */
export async function greedyTrace(engine: LogitsEngine, prompt: readonly number[], steps: number): Promise<GreedyTrace> {
  engine.reset();
  const tokens: number[] = [];
  const logits: Float32Array[] = [];
  let current = await engine.append(prompt);
  for (let step = 0; step < steps; step++) {
    logits.push(Float32Array.from(current));
    const token = argmax(current);
    tokens.push(token);
    if (step + 1 < steps) current = await engine.append([token]);
  }
  return { tokens, logits };
}

/** Difference between the largest and the second largest logit. */
export function topMargin(logits: ArrayLike<number>): number {
  let first = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const value = logits[i];
    if (value > first) {
      second = first;
      first = value;
    } else if (value > second) {
      second = value;
    }
  }
  return first - second;
}
