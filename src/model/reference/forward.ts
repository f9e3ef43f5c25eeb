/**
 * The reference forward pass of the llama and qwen2 architectures on the CPU: plain loops in
 * TypeScript, activations stored as f32, sums taken in float64. It is the oracle the WebGPU
 * engine is compared with, so it follows llama.cpp's semantics (src/llama-model.cpp, llm_build_llama
 * and llm_build_qwen2):
 *
 *   x = token_embd[token]
 *   per layer:  h = RMSNorm(x)·attn_norm;  q, k, v = h·Wqᵀ (+bq), h·Wkᵀ (+bk), h·Wvᵀ (+bv)
 *               q, k = RoPE(q, k) at each token's position (divided by the linear scaling factor)
 *               x += softmax(q·kᵀ / sqrt(head_dim), causal)·v · Woᵀ   (query head h reads KV head h / (heads / kv_heads))
 *               h = RMSNorm(x)·ffn_norm;  x += (silu(h·Wgateᵀ) ⊙ h·Wupᵀ)·Wdownᵀ
 *   logits = RMSNorm(x)·output_norm · Woutputᵀ   (Woutput = token_embd when output.weight is absent)
 *
 * RoPE pairs adjacent elements for llama and element i with i + rope_dims/2 for qwen2, over the
 * first rope.dimension_count elements of each head.
 */
import { ropeRef } from '../../kernels/reference/rope.ts';
import { rmsNormForwardRef } from '../../kernels/reference/norm.ts';
import { swigluRef } from '../../kernels/reference/swiglu.ts';
import { readModelConfig, type ModelConfig } from '../config.ts';
import type { GgufFile } from '../gguf/file.ts';
import { layerTensorNames, OUTPUT, OUTPUT_NORM, TOKEN_EMBEDDING } from '../tensors.ts';
import { KvCache } from './kv-cache.ts';
import { WeightStore, type WeightStoreOptions } from './weights.ts';

/** The tensor of per-dimension RoPE frequency factors (LLaMA-3.1 scaling), which this pass does not apply. */
const ROPE_FREQUENCY_FACTORS = 'rope_freqs.weight';

export interface ForwardOptions {
  /** Return logits for every token (tokens × vocabulary) instead of the last token only. */
  allLogits?: boolean;
}

export class ReferenceModel {
  readonly config: ModelConfig;
  readonly weights: WeightStore;

  private constructor(file: GgufFile, config: ModelConfig, options: WeightStoreOptions) {
    this.config = config;
    this.weights = new WeightStore(file, options);
  }

  /**
   * Reads and checks the model's hyperparameters and tensor shapes; no tensor data is read until
   * the first forward call. Throws a GgufError for a file that is not a complete llama or qwen2
   * model, and for RoPE scaling this pass does not implement (YaRN, per-dimension frequency factors).
   */
  static load(file: GgufFile, options: WeightStoreOptions = {}): ReferenceModel {
    const config = readModelConfig(file);
    if (config.ropeScaling.type === 'yarn') {
      throw file.error(`${config.architecture}.rope.scaling.type`, 'YaRN RoPE scaling is not implemented in the reference forward pass; supported: none, linear');
    }
    // LLaMA-3.1-style files scale each RoPE frequency by this tensor; ignoring it would be silently wrong.
    if (file.tensor(ROPE_FREQUENCY_FACTORS)) {
      throw file.error(ROPE_FREQUENCY_FACTORS, 'per-dimension RoPE frequency factors are not implemented in the reference forward pass');
    }
    return new ReferenceModel(file, config, options);
  }

  /** Creates a KV cache for one sequence of at most `maxLength` tokens (default: the context length). */
  createCache(maxLength = this.config.contextLength): KvCache {
    const { layerCount, headCountKv, headDim } = this.config;
    return new KvCache(layerCount, headCountKv, headDim, Math.min(maxLength, this.config.contextLength));
  }

  /**
   * Runs `tokens` at positions cache.length, cache.length + 1, … through the model, appends their
   * keys and values to the cache and returns logits: vocabSize values for the last token, or
   * tokens × vocabSize with `allLogits`.
   */
  async forward(tokens: readonly number[], cache: KvCache, options: ForwardOptions = {}): Promise<Float32Array> {
    const { embeddingLength, vocabSize, layerCount, rmsNormEpsilon } = this.config;
    const n = tokens.length;
    if (n === 0) throw new RangeError('forward() needs at least one token');
    for (const token of tokens) {
      if (!Number.isInteger(token) || token < 0 || token >= vocabSize) throw new RangeError(`token id ${token} is outside the vocabulary of ${vocabSize} tokens`);
    }
    const start = cache.length;
    cache.reserve(n);

    let x = await this.embed(tokens);
    for (let layer = 0; layer < layerCount; layer++) x = await this.block(layer, x, n, start, cache);
    cache.length = start + n;

    const outputRows = options.allLogits ? n : 1;
    const last = x.subarray((n - outputRows) * embeddingLength);
    const norm = await this.weights.tensor(OUTPUT_NORM);
    const h = rmsNorm(last, norm, outputRows, embeddingLength, rmsNormEpsilon);
    return this.weights.matmul(this.config.tiedOutput ? TOKEN_EMBEDDING : OUTPUT, h, outputRows);
  }

  /** Gathers the embedding rows of the tokens (reading only those rows when the table is not cached). */
  private async embed(tokens: readonly number[]): Promise<Float32Array> {
    const width = this.config.embeddingLength;
    const x = new Float32Array(tokens.length * width);
    for (let t = 0; t < tokens.length; t++) x.set(await this.weights.rows(TOKEN_EMBEDDING, tokens[t], 1), t * width);
    return x;
  }

  /** Runs one transformer block: attention and SwiGLU MLP, each with a pre-RMSNorm and a residual connection. */
  private async block(layer: number, x: Float32Array, n: number, start: number, cache: KvCache): Promise<Float32Array> {
    const c = this.config;
    const names = layerTensorNames(layer);
    const w = this.weights;
    const bias = async (name: string) => (c.attentionBias ? w.tensor(name) : undefined);

    const h = rmsNorm(x, await w.tensor(names.attnNorm), n, c.embeddingLength, c.rmsNormEpsilon);
    const q = await w.matmul(names.attnQ, h, n, await bias(names.attnQBias));
    const k = await w.matmul(names.attnK, h, n, await bias(names.attnKBias));
    const v = await w.matmul(names.attnV, h, n, await bias(names.attnVBias));

    const positions = Array.from({ length: n }, (_, t) => (start + t) / c.ropeScaling.factor);
    const rope = { tokens: n, headDim: c.headDim, rotaryDims: c.ropeDimensionCount, base: c.ropeFreqBase, style: c.ropeStyle };
    const qRotated = Float32Array.from(ropeRef(q, positions, { ...rope, heads: c.headCount }));
    const kRotated = Float32Array.from(ropeRef(k, positions, { ...rope, heads: c.headCountKv }));
    cache.write(layer, start, kRotated, v);

    const attention = cachedAttention(qRotated, cache.layerKeys(layer), cache.layerValues(layer), start, n, c.headCount, c.headCountKv, c.headDim);
    const afterAttention = add(x, await w.matmul(names.attnOutput, attention, n));

    const h2 = rmsNorm(afterAttention, await w.tensor(names.ffnNorm), n, c.embeddingLength, c.rmsNormEpsilon);
    const gate = await w.matmul(names.ffnGate, h2, n);
    const up = await w.matmul(names.ffnUp, h2, n);
    const mlp = await w.matmul(names.ffnDown, Float32Array.from(swigluRef(gate, up)), n);
    return add(afterAttention, mlp);
  }
}

function rmsNorm(x: Float32Array, weight: Float32Array, rows: number, cols: number, eps: number): Float32Array {
  return Float32Array.from(rmsNormForwardRef(x, weight, rows, cols, eps).y);
}

function add(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

/**
 * Computes causal attention of n new queries (positions start … start + n − 1) over the cached
 * keys and values of positions 0 … start + n − 1. q is [n, heads, headDim], and keys and values
 * are rows of [kvHeads, headDim] per position. Scores are scaled by 1/sqrt(headDim), and the
 * softmax subtracts the row maximum.
 */
export function cachedAttention(
  q: Float32Array,
  keys: Float32Array,
  values: Float32Array,
  start: number,
  n: number,
  heads: number,
  kvHeads: number,
  headDim: number,
): Float32Array {
  const out = new Float32Array(n * heads * headDim);
  const scale = 1 / Math.sqrt(headDim);
  const group = heads / kvHeads;
  const kvRow = kvHeads * headDim;
  const scores = new Float64Array(start + n);
  const accumulator = new Float64Array(headDim);
  for (let t = 0; t < n; t++) {
    const visible = start + t + 1;
    for (let h = 0; h < heads; h++) {
      const qOffset = (t * heads + h) * headDim;
      const kvOffset = Math.floor(h / group) * headDim;
      let max = -Infinity;
      for (let j = 0; j < visible; j++) {
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += q[qOffset + d] * keys[j * kvRow + kvOffset + d];
        scores[j] = dot * scale;
        if (scores[j] > max) max = scores[j];
      }
      let sum = 0;
      for (let j = 0; j < visible; j++) {
        scores[j] = Math.exp(scores[j] - max);
        sum += scores[j];
      }
      accumulator.fill(0);
      for (let j = 0; j < visible; j++) {
        const p = scores[j] / sum;
        for (let d = 0; d < headDim; d++) accumulator[d] += p * values[j * kvRow + kvOffset + d];
      }
      for (let d = 0; d < headDim; d++) out[qOffset + d] = accumulator[d];
    }
  }
  return out;
}
