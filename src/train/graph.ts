/**
 * The training compute graph of a llama model as lists of prepared kernel calls, built once per
 * workspace (batch shape) and replayed every step: no pipeline, bind group or buffer is created per step.
 * Shapes: N = batchSize·seqLen tokens, C = embeddingLength, F = feedForwardLength, V = vocabSize.
 * Every parameter gradient is accumulated (+=), so gradients sum over micro-batches until zeroed.
 */
import type { GpuContext } from '../gpu/context.ts';
import { prepareAttentionBackward, prepareAttentionForward, type AttentionShape } from '../kernels/attention-train.ts';
import { releaseCall, type KernelCall, type StorageBinding } from '../kernels/common.ts';
import { prepareCrossEntropy, prepareCrossEntropyReduce } from '../kernels/cross-entropy.ts';
import { prepareEmbedding, prepareEmbeddingBackward } from '../kernels/embedding.ts';
import { prepareMatmul } from '../kernels/matmul.ts';
import { prepareRmsNormBackward } from '../kernels/norm-backward.ts';
import { NORM_PARTIALS_PER_RANGE, prepareAdamW, prepareGradNormFinish, prepareGradNormPartial } from '../kernels/optimizer.ts';
import { prepareRmsNorm } from '../kernels/rmsnorm.ts';
import { prepareRope } from '../kernels/rope.ts';
import { prepareSwiglu, prepareSwigluBackward } from '../kernels/swiglu.ts';
import { prepareTranspose } from '../kernels/transpose.ts';
import { headDim, type LlamaConfig } from './config.ts';
import { findTensor, TENSOR_ALIGNMENT, type ParameterLayout } from './parameters.ts';
import { transposesWeights, type Workspace } from './workspace.ts';

/** Model-level GPU state the graph reads and writes. */
export interface ModelBuffers {
  parameters: GPUBuffer;
  gradients: GPUBuffer;
  firstMoment: GPUBuffer;
  secondMoment: GPUBuffer;
  /** ropeTable(ropeFreqBase, headDim, contextLength). */
  ropeTable: GPUBuffer;
  /** Uniform written per step with packAdamWHyper. */
  hyper: GPUBuffer;
  normPartials: GPUBuffer;
  /** Σ g², ‖g‖, clip factor, finite flag. */
  normStats: GPUBuffer;
}

export interface TrainingGraph {
  /** Embedding, every block and the final norm. */
  forwardBody: KernelCall[];
  /** Output head, loss and dlogits (with the head's own backward when the logits come in chunks). */
  headTrain: KernelCall[];
  /** Output head and loss only. */
  headEval: KernelCall[];
  /** The head's backward, run at the start of backward when all logits fit in one chunk. */
  headBackward: KernelCall[];
  /** Final norm, every block in reverse and the embedding scatter-add. */
  backwardBody: KernelCall[];
  /** Global gradient norm, clip factor and AdamW over every arena range. */
  optimizer: KernelCall[];
}

/** A range of an arena for the norm and AdamW kernels, within one binding. */
export interface ArenaRange {
  offset: number;
  count: number;
  decay: boolean;
}

/** Splits the arena into its decayed and non-decayed regions, each cut to fit one storage binding. */
export function arenaRanges(layout: ParameterLayout, maxBindingBytes: number): ArenaRange[] {
  const maxElements = Math.floor(maxBindingBytes / 4 / TENSOR_ALIGNMENT) * TENSOR_ALIGNMENT;
  const ranges: ArenaRange[] = [];
  const regions: [number, number, boolean][] = [
    [0, layout.decayEnd, true],
    [layout.decayEnd, layout.totalElements, false],
  ];
  for (const [start, end, decay] of regions) {
    for (let offset = start; offset < end; offset += maxElements) ranges.push({ offset, count: Math.min(maxElements, end - offset), decay });
  }
  return ranges;
}

function range(buffer: GPUBuffer, offsetElements: number, countElements: number): GPUBufferBinding {
  return { buffer, offset: offsetElements * 4, size: countElements * 4 };
}

export async function buildTrainingGraph(ctx: GpuContext, config: LlamaConfig, layout: ParameterLayout, model: ModelBuffers, ws: Workspace): Promise<TrainingGraph> {
  const N = ws.tokens;
  const C = config.embeddingLength;
  const D = headDim(config);
  const H = config.headCount;
  const G = config.headCountKv;
  const F = config.feedForwardLength;
  const V = config.vocabSize;
  const eps = config.rmsNormEps;
  const weight = (name: string) => {
    const tensor = findTensor(layout, name);
    return range(model.parameters, tensor.offset, tensor.count);
  };
  const gradient = (name: string) => {
    const tensor = findTensor(layout, name);
    return range(model.gradients, tensor.offset, tensor.count);
  };
  const buffer = (name: string) => ws.get(name);
  const outputName = config.tiedOutput ? 'token_embd.weight' : 'output.weight';
  const attention: AttentionShape = { batch: ws.batchSize, seqLen: ws.seqLen, heads: H, kvHeads: G, headDim: D };
  const rope = (x: GPUBuffer, heads: number, inverse: boolean) =>
    prepareRope(ctx, { x, positions: buffer('positions'), table: model.ropeTable, tokens: N, heads, headDim: D, maxPositions: config.contextLength, style: config.ropeStyle, inverse });
  /** y = x·Wᵀ (+ residual) for x [rows×inF] and W [outF×inF]. */
  const linear = (x: StorageBinding, w: StorageBinding, y: StorageBinding, rows: number, inF: number, outF: number, residual?: StorageBinding) =>
    prepareMatmul(ctx, { a: x, b: w, c: y, m: rows, n: outF, k: inF, transB: true, residual });
  /** Computes the same product for a block weight, through a transposed copy of W where the adapter favours it. */
  const blockLinear = async (x: StorageBinding, w: StorageBinding, y: StorageBinding, rows: number, inF: number, outF: number, residual?: StorageBinding): Promise<KernelCall[]> => {
    if (!transposesWeights(ctx.tuning)) return [await linear(x, w, y, rows, inF, outF, residual)];
    const weightT = range(buffer('weightT'), 0, inF * outF);
    return [
      await prepareTranspose(ctx, { input: w, output: weightT, rows: outF, cols: inF }),
      await prepareMatmul(ctx, { a: x, b: weightT, c: y, m: rows, n: outF, k: inF, residual }),
    ];
  };
  /** dx (+)= dy·W, for dy [rows×outF]. */
  const linearInputGrad = (dy: StorageBinding, w: StorageBinding, dx: StorageBinding, rows: number, inF: number, outF: number, accumulate = false) =>
    prepareMatmul(ctx, { a: dy, b: w, c: dx, m: rows, n: inF, k: outF, accumulate });
  /** dW += dyᵀ·x. */
  const linearWeightGrad = (dy: StorageBinding, x: StorageBinding, dw: StorageBinding, rows: number, inF: number, outF: number) =>
    prepareMatmul(ctx, { a: dy, b: x, c: dw, m: outF, n: inF, k: rows, transA: true, accumulate: true });

  // Forward: x.0 = embedding; per block mid = x + attention, x.next = mid + feed-forward.
  const forwardBody: KernelCall[] = [await prepareEmbedding(ctx, { ids: buffer('tokens'), table: weight('token_embd.weight'), out: buffer('x.0'), tokens: N, cols: C, vocab: V })];
  for (let block = 0; block < config.blockCount; block++) {
    const w = (name: string) => weight(`blk.${block}.${name}.weight`);
    const a = (name: string) => buffer(`${name}.${block}`);
    const next = block + 1 < config.blockCount ? buffer(`x.${block + 1}`) : buffer('final');
    forwardBody.push(
      await prepareRmsNorm(ctx, { x: a('x'), weight: w('attn_norm'), out: a('attnNorm'), rows: N, cols: C, eps }),
      ...(await blockLinear(a('attnNorm'), w('attn_q'), a('q'), N, C, H * D)),
      ...(await blockLinear(a('attnNorm'), w('attn_k'), a('k'), N, C, G * D)),
      ...(await blockLinear(a('attnNorm'), w('attn_v'), a('v'), N, C, G * D)),
      await rope(a('q'), H, false),
      await rope(a('k'), G, false),
      await prepareAttentionForward(ctx, attention, { q: a('q'), k: a('k'), v: a('v'), segments: buffer('segments'), out: a('attn'), rowStats: a('attnStats') }),
      ...(await blockLinear(a('attn'), w('attn_output'), a('mid'), N, H * D, C, a('x'))),
      await prepareRmsNorm(ctx, { x: a('mid'), weight: w('ffn_norm'), out: a('ffnNorm'), rows: N, cols: C, eps }),
      ...(await blockLinear(a('ffnNorm'), w('ffn_gate'), a('gate'), N, C, F)),
      ...(await blockLinear(a('ffnNorm'), w('ffn_up'), a('up'), N, C, F)),
      await prepareSwiglu(ctx, { gate: a('gate'), up: a('up'), h: a('act'), n: N * F }),
      ...(await blockLinear(a('act'), w('ffn_down'), next, N, F, C, a('mid'))),
    );
  }
  forwardBody.push(await prepareRmsNorm(ctx, { x: buffer('final'), weight: weight('output_norm.weight'), out: buffer('outNorm'), rows: N, cols: C, eps }));

  // Output head in row chunks of ws.chunkRows; dlogits replace the logits in place.
  const headTrain: KernelCall[] = [];
  const headEval: KernelCall[] = [];
  const headBackward: KernelCall[] = [];
  const chunked = ws.chunkRows < N;
  for (let start = 0; start < N; start += ws.chunkRows) {
    const rows = Math.min(ws.chunkRows, N - start);
    const logits = range(buffer('logits'), 0, rows * V);
    const outNorm = range(buffer('outNorm'), start * C, rows * C);
    const lossArgs = { logits, targets: buffer('targets'), mask: buffer('lossMask'), rowLoss: buffer('rowLoss'), gradScale: buffer('gradScale'), rows, vocab: V, rowOffset: start };
    const backward = [
      await linearInputGrad(logits, weight(outputName), range(buffer('dnorm'), start * C, rows * C), rows, C, V),
      await linearWeightGrad(logits, outNorm, gradient(outputName), rows, C, V),
    ];
    headTrain.push(await linear(outNorm, weight(outputName), logits, rows, C, V), await prepareCrossEntropy(ctx, { ...lossArgs, gradient: true }));
    if (chunked) headTrain.push(...backward);
    else headBackward.push(...backward);
    headEval.push(await linear(outNorm, weight(outputName), logits, rows, C, V), await prepareCrossEntropy(ctx, { ...lossArgs, gradient: false }));
  }
  const reduce = { mask: buffer('lossMask'), rowLoss: buffer('rowLoss'), stats: buffer('lossStats'), rows: N };
  headTrain.push(await prepareCrossEntropyReduce(ctx, reduce));
  headEval.push(await prepareCrossEntropyReduce(ctx, reduce));

  // Backward: dnorm holds d outNorm; dx carries the residual-stream gradient down the blocks.
  const backwardBody: KernelCall[] = [
    ...(await prepareRmsNormBackward(ctx, {
      x: buffer('final'),
      weight: weight('output_norm.weight'),
      dy: buffer('dnorm'),
      dx: buffer('dx'),
      rstd: buffer('rstd'),
      dweight: gradient('output_norm.weight'),
      rows: N,
      cols: C,
      eps,
      accumulate: true,
    })),
  ];
  for (let block = config.blockCount - 1; block >= 0; block--) {
    const name = (tensor: string) => `blk.${block}.${tensor}.weight`;
    const w = (tensor: string) => weight(name(tensor));
    const g = (tensor: string) => gradient(name(tensor));
    const a = (activation: string) => buffer(`${activation}.${block}`);
    backwardBody.push(
      // Feed-forward half.
      await linearInputGrad(buffer('dx'), w('ffn_down'), buffer('dact'), N, F, C),
      await linearWeightGrad(buffer('dx'), a('act'), g('ffn_down'), N, F, C),
      await prepareSwigluBackward(ctx, { gate: a('gate'), up: a('up'), dh: buffer('dact'), dgate: buffer('dgate'), dup: buffer('dup'), n: N * F }),
      await linearInputGrad(buffer('dgate'), w('ffn_gate'), buffer('dnorm'), N, C, F),
      await linearInputGrad(buffer('dup'), w('ffn_up'), buffer('dnorm'), N, C, F, true),
      await linearWeightGrad(buffer('dgate'), a('ffnNorm'), g('ffn_gate'), N, C, F),
      await linearWeightGrad(buffer('dup'), a('ffnNorm'), g('ffn_up'), N, C, F),
      ...(await prepareRmsNormBackward(ctx, { x: a('mid'), weight: w('ffn_norm'), dy: buffer('dnorm'), dx: buffer('dmid'), rstd: buffer('rstd'), dweight: g('ffn_norm'), residual: buffer('dx'), rows: N, cols: C, eps, accumulate: true })),
      // Attention half.
      await linearInputGrad(buffer('dmid'), w('attn_output'), buffer('dattn'), N, H * D, C),
      await linearWeightGrad(buffer('dmid'), a('attn'), g('attn_output'), N, H * D, C),
      ...(await prepareAttentionBackward(
        ctx,
        attention,
        { q: a('q'), k: a('k'), v: a('v'), segments: buffer('segments'), out: a('attn'), rowStats: a('attnStats') },
        { dout: buffer('dattn'), dq: buffer('dq'), dk: buffer('dk'), dv: buffer('dv') },
      )),
      await rope(buffer('dq'), H, true),
      await rope(buffer('dk'), G, true),
      await linearInputGrad(buffer('dq'), w('attn_q'), buffer('dnorm'), N, C, H * D),
      await linearInputGrad(buffer('dk'), w('attn_k'), buffer('dnorm'), N, C, G * D, true),
      await linearInputGrad(buffer('dv'), w('attn_v'), buffer('dnorm'), N, C, G * D, true),
      await linearWeightGrad(buffer('dq'), a('attnNorm'), g('attn_q'), N, C, H * D),
      await linearWeightGrad(buffer('dk'), a('attnNorm'), g('attn_k'), N, C, G * D),
      await linearWeightGrad(buffer('dv'), a('attnNorm'), g('attn_v'), N, C, G * D),
      ...(await prepareRmsNormBackward(ctx, { x: a('x'), weight: w('attn_norm'), dy: buffer('dnorm'), dx: buffer('dx'), rstd: buffer('rstd'), dweight: g('attn_norm'), residual: buffer('dmid'), rows: N, cols: C, eps, accumulate: true })),
    );
  }
  backwardBody.push(await prepareEmbeddingBackward(ctx, { plan: buffer('scatterPlan'), dout: buffer('dx'), dtable: gradient('token_embd.weight'), tokens: N, cols: C, vocab: V }));

  // Optimizer: norm over every range, then AdamW per range.
  const ranges = arenaRanges(layout, ctx.limits.maxStorageBufferBindingSize);
  const optimizer: KernelCall[] = [];
  for (const [index, r] of ranges.entries()) {
    optimizer.push(await prepareGradNormPartial(ctx, { values: range(model.gradients, r.offset, r.count), count: r.count, partials: model.normPartials, slot: index * NORM_PARTIALS_PER_RANGE }));
  }
  optimizer.push(await prepareGradNormFinish(ctx, { partials: model.normPartials, count: ranges.length * NORM_PARTIALS_PER_RANGE, hyper: model.hyper, stats: model.normStats }));
  for (const r of ranges) {
    optimizer.push(
      await prepareAdamW(ctx, {
        param: range(model.parameters, r.offset, r.count),
        grad: range(model.gradients, r.offset, r.count),
        m: range(model.firstMoment, r.offset, r.count),
        v: range(model.secondMoment, r.offset, r.count),
        count: r.count,
        hyper: model.hyper,
        stats: model.normStats,
        decay: r.decay,
      }),
    );
  }
  return { forwardBody, headTrain, headEval, headBackward, backwardBody, optimizer };
}

/** Frees the uniform buffers of every call in the graph. */
export function releaseGraph(ctx: GpuContext, graph: TrainingGraph): void {
  for (const calls of Object.values(graph)) for (const call of calls) releaseCall(ctx, call);
}
