/**
 * Double-precision TypeScript reference of the llama model's training forward and backward pass,
 * built from the per-op references in src/kernels/reference. Shapes (N = batchSize·seqLen tokens):
 * residual stream [N, C], queries [N, H·D], keys and values [N, G·D], feed-forward [N, F], logits [N, V].
 * It is slow and meant for checking the GPU model on tiny configurations.
 */
import { attentionBackwardRef, attentionForwardRef, type AttentionShape } from '../kernels/reference/attention.ts';
import { crossEntropyRef } from '../kernels/reference/cross-entropy.ts';
import { embeddingBackwardRef, embeddingRef } from '../kernels/reference/embedding.ts';
import { linearBackwardRef, linearRef } from '../kernels/reference/linear.ts';
import { rmsNormBackwardRef, rmsNormForwardRef } from '../kernels/reference/norm.ts';
import { ropeRef, type RopeShape } from '../kernels/reference/rope.ts';
import { swigluBackwardRef, swigluRef } from '../kernels/reference/swiglu.ts';
import type { TrainBatch } from './batch.ts';
import { headDim, type LlamaConfig } from './config.ts';

export type ParameterMap = Map<string, Float64Array>;

interface BlockActivations {
  /** Block input (residual stream). */
  x: Float64Array;
  attnNorm: Float64Array;
  /** After RoPE. */
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  attn: Float64Array;
  /** Residual stream after the attention half. */
  mid: Float64Array;
  ffnNorm: Float64Array;
  gate: Float64Array;
  up: Float64Array;
  act: Float64Array;
}

export interface ReferenceForward {
  loss: number;
  logits: Float64Array;
  blocks: BlockActivations[];
  /** Final residual stream and its RMSNorm. */
  final: Float64Array;
  outNorm: Float64Array;
}

function shapes(config: LlamaConfig, batch: TrainBatch) {
  const D = headDim(config);
  const tokens = batch.batchSize * batch.seqLen;
  const rope = (heads: number): RopeShape => ({ tokens, heads, headDim: D, base: config.ropeFreqBase, style: config.ropeStyle });
  const attention: AttentionShape = { batch: batch.batchSize, seqLen: batch.seqLen, heads: config.headCount, kvHeads: config.headCountKv, headDim: D };
  return { tokens, D, qWidth: config.headCount * D, kvWidth: config.headCountKv * D, ropeQ: rope(config.headCount), ropeK: rope(config.headCountKv), attention };
}

function param(params: ParameterMap, name: string): Float64Array {
  const value = params.get(name);
  if (!value) throw new Error(`Reference model: parameter "${name}" is missing.`);
  return value;
}

function outputWeight(config: LlamaConfig, params: ParameterMap): Float64Array {
  return param(params, config.tiedOutput ? 'token_embd.weight' : 'output.weight');
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((value, i) => value + b[i]);
}

export function referenceForward(config: LlamaConfig, params: ParameterMap, batch: TrainBatch): ReferenceForward {
  const { tokens, qWidth, kvWidth, ropeQ, ropeK, attention } = shapes(config, batch);
  const C = config.embeddingLength;
  const F = config.feedForwardLength;
  const eps = config.rmsNormEps;
  const blocks: BlockActivations[] = [];

  let x = embeddingRef(param(params, 'token_embd.weight'), batch.tokens, C);
  for (let block = 0; block < config.blockCount; block++) {
    const p = (name: string) => param(params, `blk.${block}.${name}.weight`);
    const attnNorm = rmsNormForwardRef(x, p('attn_norm'), tokens, C, eps).y;
    const q = ropeRef(linearRef(attnNorm, p('attn_q'), tokens, C, qWidth), batch.positions, ropeQ);
    const k = ropeRef(linearRef(attnNorm, p('attn_k'), tokens, C, kvWidth), batch.positions, ropeK);
    const v = linearRef(attnNorm, p('attn_v'), tokens, C, kvWidth);
    const attn = attentionForwardRef(q, k, v, batch.segments, attention).out;
    const mid = add(x, linearRef(attn, p('attn_output'), tokens, qWidth, C));
    const ffnNorm = rmsNormForwardRef(mid, p('ffn_norm'), tokens, C, eps).y;
    const gate = linearRef(ffnNorm, p('ffn_gate'), tokens, C, F);
    const up = linearRef(ffnNorm, p('ffn_up'), tokens, C, F);
    const act = swigluRef(gate, up);
    blocks.push({ x, attnNorm, q, k, v, attn, mid, ffnNorm, gate, up, act });
    x = add(mid, linearRef(act, p('ffn_down'), tokens, F, C));
  }
  const outNorm = rmsNormForwardRef(x, param(params, 'output_norm.weight'), tokens, C, eps).y;
  const logits = linearRef(outNorm, outputWeight(config, params), tokens, C, config.vocabSize);
  const { loss } = crossEntropyRef(logits, batch.targets, batch.lossMask, tokens, config.vocabSize);
  return { loss, logits, blocks, final: x, outNorm };
}

function accumulate(gradients: ParameterMap, name: string, values: Float64Array): void {
  const target = gradients.get(name);
  if (!target) {
    gradients.set(name, Float64Array.from(values));
    return;
  }
  for (let i = 0; i < values.length; i++) target[i] += values[i];
}

/**
 * Gradients of gradScale·Σ mask·rowLoss with respect to every parameter; the default gradScale
 * (1 / Σ mask) makes them the gradients of the mean loss.
 */
export function referenceBackward(config: LlamaConfig, params: ParameterMap, batch: TrainBatch, forward: ReferenceForward, gradScale?: number): ParameterMap {
  const { tokens, qWidth, kvWidth, ropeQ, ropeK, attention } = shapes(config, batch);
  const C = config.embeddingLength;
  const F = config.feedForwardLength;
  const V = config.vocabSize;
  const eps = config.rmsNormEps;
  const gradients: ParameterMap = new Map();

  // Output head and final norm.
  const { dlogits } = crossEntropyRef(forward.logits, batch.targets, batch.lossMask, tokens, V, gradScale);
  const head = linearBackwardRef(forward.outNorm, outputWeight(config, params), dlogits, tokens, C, V);
  accumulate(gradients, config.tiedOutput ? 'token_embd.weight' : 'output.weight', head.dw);
  const finalNorm = rmsNormBackwardRef(forward.final, param(params, 'output_norm.weight'), head.dx, tokens, C, eps);
  accumulate(gradients, 'output_norm.weight', finalNorm.dweight);
  let dx = finalNorm.dx;

  for (let block = config.blockCount - 1; block >= 0; block--) {
    const name = (tensor: string) => `blk.${block}.${tensor}.weight`;
    const p = (tensor: string) => param(params, name(tensor));
    const a = forward.blocks[block];

    // Feed-forward half: x_next = mid + down(swiglu(gate(norm(mid)), up(norm(mid)))).
    const down = linearBackwardRef(a.act, p('ffn_down'), dx, tokens, F, C);
    accumulate(gradients, name('ffn_down'), down.dw);
    const { dgate, dup } = swigluBackwardRef(a.gate, a.up, down.dx);
    const gate = linearBackwardRef(a.ffnNorm, p('ffn_gate'), dgate, tokens, C, F);
    const up = linearBackwardRef(a.ffnNorm, p('ffn_up'), dup, tokens, C, F);
    accumulate(gradients, name('ffn_gate'), gate.dw);
    accumulate(gradients, name('ffn_up'), up.dw);
    const ffnNorm = rmsNormBackwardRef(a.mid, p('ffn_norm'), add(gate.dx, up.dx), tokens, C, eps);
    accumulate(gradients, name('ffn_norm'), ffnNorm.dweight);
    const dmid = add(ffnNorm.dx, dx);

    // Attention half: mid = x + o(attention(rope(q(norm(x))), rope(k(norm(x))), v(norm(x)))).
    const output = linearBackwardRef(a.attn, p('attn_output'), dmid, tokens, qWidth, C);
    accumulate(gradients, name('attn_output'), output.dw);
    const { dq, dk, dv } = attentionBackwardRef(a.q, a.k, a.v, batch.segments, attention, output.dx);
    const q = linearBackwardRef(a.attnNorm, p('attn_q'), ropeRef(dq, batch.positions, ropeQ, true), tokens, C, qWidth);
    const k = linearBackwardRef(a.attnNorm, p('attn_k'), ropeRef(dk, batch.positions, ropeK, true), tokens, C, kvWidth);
    const v = linearBackwardRef(a.attnNorm, p('attn_v'), dv, tokens, C, kvWidth);
    accumulate(gradients, name('attn_q'), q.dw);
    accumulate(gradients, name('attn_k'), k.dw);
    accumulate(gradients, name('attn_v'), v.dw);
    const attnNorm = rmsNormBackwardRef(a.x, p('attn_norm'), add(add(q.dx, k.dx), v.dx), tokens, C, eps);
    accumulate(gradients, name('attn_norm'), attnNorm.dweight);
    dx = add(attnNorm.dx, dmid);
  }
  accumulate(gradients, 'token_embd.weight', embeddingBackwardRef(batch.tokens, dx, V, C));
  return gradients;
}

/** Mean masked loss and the gradients of every parameter. */
export function referenceLossAndGradients(config: LlamaConfig, params: ParameterMap, batch: TrainBatch): { loss: number; gradients: ParameterMap } {
  const forward = referenceForward(config, params, batch);
  return { loss: forward.loss, gradients: referenceBackward(config, params, batch, forward) };
}
