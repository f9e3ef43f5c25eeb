/**
 * Configuration of a llama-architecture model for training: RMSNorm, RoPE, grouped-query attention
 * and a SwiGLU feed-forward block. Field names follow the GGUF metadata keys (llama.embedding_length,
 * llama.block_count, ...) so a GGUF exporter can write them one to one.
 */
import { MAX_ATTENTION_HEAD_DIM } from '../kernels/attention-train.ts';
import type { RopeStyle } from '../kernels/rope.ts';

export interface LlamaConfig {
  vocabSize: number;
  /** Width of the residual stream (C). */
  embeddingLength: number;
  /** Transformer blocks (L). */
  blockCount: number;
  /** Query heads (H). */
  headCount: number;
  /** Key/value heads (G); must divide headCount. */
  headCountKv: number;
  /** Hidden width of the SwiGLU feed-forward block (F). */
  feedForwardLength: number;
  /** RoPE frequency base θ. */
  ropeFreqBase: number;
  /** "normal" pairs adjacent elements (llama.cpp's llama), "neox" pairs i with i + headDim/2 (qwen2). */
  ropeStyle: RopeStyle;
  rmsNormEps: number;
  /** Share token_embd.weight as the output head instead of a separate output.weight. */
  tiedOutput: boolean;
  /** Maximum sequence length; position ids must be below it. */
  contextLength: number;
}

export function headDim(config: LlamaConfig): number {
  return config.embeddingLength / config.headCount;
}

/** Example sizes for tests and benchmarks; real runs set every field. */
export const MODEL_PRESETS = {
  tiny: {
    vocabSize: 288,
    embeddingLength: 64,
    blockCount: 2,
    headCount: 4,
    headCountKv: 2,
    feedForwardLength: 176,
    ropeFreqBase: 10000,
    ropeStyle: 'normal',
    rmsNormEps: 1e-5,
    tiedOutput: true,
    contextLength: 256,
  },
  small: {
    vocabSize: 288,
    embeddingLength: 256,
    blockCount: 4,
    headCount: 8,
    headCountKv: 4,
    feedForwardLength: 688,
    ropeFreqBase: 10000,
    ropeStyle: 'normal',
    rmsNormEps: 1e-5,
    tiedOutput: true,
    contextLength: 512,
  },
} satisfies Record<string, LlamaConfig>;

/** The configuration was invalid; the message names the field, its value and what is expected. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`Invalid model config field "${field}": ${message}`);
    this.name = 'ConfigError';
  }
}

function requirePositiveInteger(config: LlamaConfig, field: keyof LlamaConfig): void {
  const value = config[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(field, `expected a positive integer, got ${JSON.stringify(value)}`);
  }
}

/** Raises ConfigError unless the configuration describes a model the training kernels support. */
export function validateConfig(config: LlamaConfig): void {
  for (const field of ['vocabSize', 'embeddingLength', 'blockCount', 'headCount', 'headCountKv', 'feedForwardLength', 'contextLength'] as const) {
    requirePositiveInteger(config, field);
  }
  if (config.embeddingLength % config.headCount !== 0) {
    throw new ConfigError('headCount', `${config.headCount} does not divide embeddingLength ${config.embeddingLength}`);
  }
  if (config.headCount % config.headCountKv !== 0) {
    throw new ConfigError('headCountKv', `${config.headCountKv} does not divide headCount ${config.headCount}`);
  }
  const dim = headDim(config);
  if (dim % 2 !== 0) throw new ConfigError('headCount', `RoPE needs an even head dimension, but embeddingLength / headCount = ${dim}`);
  if (dim > MAX_ATTENTION_HEAD_DIM) throw new ConfigError('headCount', `head dimension ${dim} exceeds the supported maximum ${MAX_ATTENTION_HEAD_DIM}`);
  if (config.ropeStyle !== 'normal' && config.ropeStyle !== 'neox') {
    throw new ConfigError('ropeStyle', `expected "normal" or "neox", got ${JSON.stringify(config.ropeStyle)}`);
  }
  if (!(config.ropeFreqBase > 1)) throw new ConfigError('ropeFreqBase', `expected a number above 1, got ${config.ropeFreqBase}`);
  if (!(config.rmsNormEps > 0)) throw new ConfigError('rmsNormEps', `expected a positive number, got ${config.rmsNormEps}`);
  if (typeof config.tiedOutput !== 'boolean') throw new ConfigError('tiedOutput', `expected true or false, got ${JSON.stringify(config.tiedOutput)}`);
}
