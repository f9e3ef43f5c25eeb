/**
 * The forward pass as prepared kernel calls. Two plans share one workspace of activation buffers:
 *
 * - prefill: `prefillChunk` rows of one sequence, attention by the tiled prefill kernel. Only the
 *   last token's hidden state goes through the final norm and the output head.
 * - decode: `batch` rows, one new token per sequence, each row reading its own KV-cache slot.
 *   Attention is split-K, and every row gets logits.
 *
 * Per layer:  h = RMSNorm(x)·attn_norm;  q, k, v = h·Wᵀ (+ bias);  RoPE(q), RoPE(k) at each row's
 * position;  k, v → cache;  attention;  x += attn·Woᵀ;  h = RMSNorm(x)·ffn_norm;
 * x += (silu(h·Wgateᵀ) ⊙ h·Wupᵀ)·Wdownᵀ.  The residual adds are fused into the output products.
 *
 * A plan is built once. A step only rewrites small host buffers (token ids, positions, cache rows)
 * and uniform words, and adjusts grids, so no pipeline or bind group is created per token.
 * Elementwise kernels (RMSNorm, RoPE, SwiGLU, the embedding gather) always run over all rows of
 * their plan. Rows past the step's tokens contain stale data that nothing reads, and that costs
 * little next to the matrix products. The products, the KV append and attention run on the live
 * rows only.
 */
import type { GpuContext } from '../gpu/context.ts';
import { releaseCall, type KernelCall } from '../kernels/common.ts';
import { prepareQEmbedding } from '../kernels/quant/embedding.ts';
import { prepareQMatmul, setQMatmulTokens, type QMatmulCall } from '../kernels/quant/matmul.ts';
import type { QuantWeight } from '../kernels/quant/weights.ts';
import { prepareRmsNorm } from '../kernels/rmsnorm.ts';
import { prepareRope } from '../kernels/rope.ts';
import { prepareSwiglu } from '../kernels/swiglu.ts';
import type { ModelConfig } from '../model/config.ts';
import {
  decodeScratchSizes,
  KV_BYTES,
  prepareAttentionDecode,
  prepareAttentionPrefill,
  prepareKvStore,
  setDecodeRows,
  setKvStoreTokens,
  setPrefillChunk as setPrefillAttention,
  type DecodeCalls,
  type KvDType,
  type KvStoreCall,
  type PrefillCall,
} from './attention/kernels.ts';
import type { CopyCommand, StepCommand } from './commands.ts';
import { scaledRopeTable } from './rope-table.ts';
import type { LayerWeights, ModelWeights } from './weights.ts';

/** Activation and scratch buffers shared by the plans. */
export interface Workspace {
  rows: number;
  ids: GPUBuffer;
  positions: GPUBuffer;
  cacheRows: GPUBuffer;
  x: GPUBuffer;
  h: GPUBuffer;
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  attention: GPUBuffer;
  gate: GPUBuffer;
  up: GPUBuffer;
  activation: GPUBuffer;
  lastRow: GPUBuffer;
  lastNorm: GPUBuffer;
  /** f32 [max(batch, 1), vocab]. */
  logits: GPUBuffer;
  /** u32 pairs (slot, keys) per decode row. */
  decodeRows: GPUBuffer;
  partialAcc: GPUBuffer;
  partialStats: GPUBuffer;
  ropeTable: GPUBuffer;
}

export interface KvCache {
  /** Per layer: [slots, maxLen, kvHeads, headDim]. */
  keys: GPUBuffer[];
  values: GPUBuffer[];
  slots: number;
  maxLen: number;
  dtype: KvDType;
}

export interface PlanShape {
  batch: number;
  prefillChunk: number;
  contextLength: number;
  kvDType: KvDType;
}

export function createWorkspace(ctx: GpuContext, config: ModelConfig, shape: PlanShape): Workspace {
  const rows = Math.max(shape.batch, shape.prefillChunk);
  const { embeddingLength: e, headCount, headCountKv, headDim, feedForwardLength: f, vocabSize } = config;
  const storage = (bytes: number, label: string) => ctx.createStorage(Math.max(4, bytes), label);
  const scratch = decodeScratchSizes(shape.batch, headCount, headDim, shape.contextLength);
  return {
    rows,
    ids: storage(rows * 4, 'token ids'),
    positions: storage(rows * 4, 'positions'),
    cacheRows: storage(rows * 4, 'cache rows'),
    x: storage(rows * e * 4, 'x'),
    h: storage(rows * e * 4, 'h'),
    q: storage(rows * headCount * headDim * 4, 'q'),
    k: storage(rows * headCountKv * headDim * 4, 'k'),
    v: storage(rows * headCountKv * headDim * 4, 'v'),
    attention: storage(rows * headCount * headDim * 4, 'attention'),
    gate: storage(rows * f * 4, 'gate'),
    up: storage(rows * f * 4, 'up'),
    activation: storage(rows * f * 4, 'activation'),
    lastRow: storage(e * 4, 'last row'),
    lastNorm: storage(e * 4, 'last row normed'),
    logits: storage(Math.max(1, shape.batch) * vocabSize * 4, 'logits'),
    decodeRows: storage(shape.batch * 8, 'decode rows'),
    partialAcc: storage(scratch.accValues * 4, 'attention partial outputs'),
    partialStats: storage(scratch.statValues * 4, 'attention partial statistics'),
    ropeTable: ctx.createStorage(scaledRopeTable(config, shape.contextLength), 'rope table'),
  };
}

export function releaseWorkspace(ctx: GpuContext, workspace: Workspace): void {
  for (const value of Object.values(workspace)) if (typeof value === 'object') ctx.release(value);
}

export function createKvCache(ctx: GpuContext, config: ModelConfig, shape: PlanShape): KvCache {
  const bytes = shape.batch * shape.contextLength * config.headCountKv * config.headDim * KV_BYTES[shape.kvDType];
  const keys: GPUBuffer[] = [];
  const values: GPUBuffer[] = [];
  for (let layer = 0; layer < config.layerCount; layer++) {
    keys.push(ctx.createStorage(bytes, `k cache ${layer}`));
    values.push(ctx.createStorage(bytes, `v cache ${layer}`));
  }
  return { keys, values, slots: shape.batch, maxLen: shape.contextLength, dtype: shape.kvDType };
}

export function releaseKvCache(ctx: GpuContext, cache: KvCache): void {
  for (const buffer of [...cache.keys, ...cache.values]) ctx.release(buffer);
}

/** A prepared forward pass and the handles a step adjusts. */
export interface ForwardPlan {
  kind: 'prefill' | 'decode';
  commands: StepCommand[];
  /** Rows the plan was prepared for. */
  maxRows: number;
  /** Rows the adjustable calls are currently set to. */
  rows: number;
  /** Products over the live rows (every layer's; the output head of the decode plan). */
  matmuls: QMatmulCall[];
  kvStores: KvStoreCall[];
  prefill: PrefillCall[];
  decode: DecodeCalls[];
  /** Prefill: copies the last live row of x to the output head's input. */
  lastRowCopy: CopyCommand | null;
  /** Every call, for freeing its uniform buffers. */
  calls: KernelCall[];
}

interface BuildContext {
  ctx: GpuContext;
  config: ModelConfig;
  weights: ModelWeights;
  workspace: Workspace;
  cache: KvCache;
  plan: ForwardPlan;
}

function add(build: BuildContext, call: KernelCall): void {
  build.plan.commands.push(call);
  build.plan.calls.push(call);
}

async function matmul(build: BuildContext, weight: QuantWeight, x: GPUBuffer, y: GPUBuffer, m: number, options: { bias?: GPUBuffer | null; accumulate?: boolean; live?: boolean } = {}): Promise<void> {
  const calls = await prepareQMatmul(build.ctx, { weight, x, y, m, bias: options.bias ?? undefined, accumulate: options.accumulate });
  for (const call of calls) {
    add(build, call);
    if (options.live ?? true) build.plan.matmuls.push(call);
  }
}

async function buildLayer(build: BuildContext, layer: number, weights: LayerWeights): Promise<void> {
  const { ctx, config, workspace: ws, cache, plan } = build;
  const rows = plan.maxRows;
  const { headCount, headCountKv, headDim, embeddingLength, rmsNormEpsilon } = config;
  const heads = { heads: headCount, kvHeads: headCountKv, headDim, maxLen: cache.maxLen, dtype: cache.dtype };

  add(build, await prepareRmsNorm(ctx, { x: ws.x, weight: weights.attnNorm, out: ws.h, rows, cols: embeddingLength, eps: rmsNormEpsilon }));
  await matmul(build, weights.q, ws.h, ws.q, rows, { bias: weights.qBias });
  await matmul(build, weights.k, ws.h, ws.k, rows, { bias: weights.kBias });
  await matmul(build, weights.v, ws.h, ws.v, rows, { bias: weights.vBias });
  const rope = { positions: ws.positions, table: ws.ropeTable, tokens: rows, headDim, rotaryDims: config.ropeDimensionCount, maxPositions: cache.maxLen, style: config.ropeStyle };
  add(build, await prepareRope(ctx, { ...rope, x: ws.q, heads: headCount }));
  add(build, await prepareRope(ctx, { ...rope, x: ws.k, heads: headCountKv }));
  const store = await prepareKvStore(ctx, {
    kNew: ws.k,
    vNew: ws.v,
    kCache: cache.keys[layer],
    vCache: cache.values[layer],
    cacheRows: ws.cacheRows,
    tokens: rows,
    rowSize: headCountKv * headDim,
    cacheRowCount: cache.slots * cache.maxLen,
    dtype: cache.dtype,
  });
  add(build, store);
  plan.kvStores.push(store);

  if (plan.kind === 'prefill') {
    const call = await prepareAttentionPrefill(ctx, { ...heads, q: ws.q, kCache: cache.keys[layer], vCache: cache.values[layer], out: ws.attention, tokens: rows });
    add(build, call);
    plan.prefill.push(call);
  } else {
    const calls = await prepareAttentionDecode(ctx, {
      ...heads,
      q: ws.q,
      kCache: cache.keys[layer],
      vCache: cache.values[layer],
      rows: ws.decodeRows,
      out: ws.attention,
      partialAcc: ws.partialAcc,
      partialStats: ws.partialStats,
      rowCount: rows,
    });
    add(build, calls.split);
    add(build, calls.combine);
    plan.decode.push(calls);
  }

  await matmul(build, weights.attnOutput, ws.attention, ws.x, rows, { accumulate: true });
  add(build, await prepareRmsNorm(ctx, { x: ws.x, weight: weights.ffnNorm, out: ws.h, rows, cols: embeddingLength, eps: rmsNormEpsilon }));
  await matmul(build, weights.gate, ws.h, ws.gate, rows);
  await matmul(build, weights.up, ws.h, ws.up, rows);
  add(build, await prepareSwiglu(ctx, { gate: ws.gate, up: ws.up, h: ws.activation, n: rows * config.feedForwardLength }));
  await matmul(build, weights.down, ws.activation, ws.x, rows, { accumulate: true });
}

/** Prepares the prefill (`prefillChunk` rows) or decode (`batch` rows) forward pass. */
export async function buildPlan(ctx: GpuContext, kind: 'prefill' | 'decode', config: ModelConfig, weights: ModelWeights, workspace: Workspace, cache: KvCache, rows: number): Promise<ForwardPlan> {
  const plan: ForwardPlan = { kind, commands: [], maxRows: rows, rows, matmuls: [], kvStores: [], prefill: [], decode: [], lastRowCopy: null, calls: [] };
  const build: BuildContext = { ctx, config, weights, workspace, cache, plan };
  const { embeddingLength, rmsNormEpsilon } = config;
  try {
    for (const call of await prepareQEmbedding(ctx, { weight: weights.tokenEmbedding, ids: workspace.ids, out: workspace.x, tokens: rows })) add(build, call);
    for (const [layer, layerWeights] of weights.layers.entries()) await buildLayer(build, layer, layerWeights);

    if (kind === 'prefill') {
      plan.lastRowCopy = { copy: { source: workspace.x, sourceOffset: 0, destination: workspace.lastRow, destinationOffset: 0, size: embeddingLength * 4 } };
      plan.commands.push(plan.lastRowCopy);
      add(build, await prepareRmsNorm(ctx, { x: workspace.lastRow, weight: weights.outputNorm, out: workspace.lastNorm, rows: 1, cols: embeddingLength, eps: rmsNormEpsilon }));
      await matmul(build, weights.output, workspace.lastNorm, workspace.logits, 1, { live: false });
    } else {
      add(build, await prepareRmsNorm(ctx, { x: workspace.x, weight: weights.outputNorm, out: workspace.h, rows, cols: embeddingLength, eps: rmsNormEpsilon }));
      await matmul(build, weights.output, workspace.h, workspace.logits, rows);
    }
  } catch (error) {
    releasePlan(ctx, plan);
    throw error;
  }
  return plan;
}

export function releasePlan(ctx: GpuContext, plan: ForwardPlan): void {
  for (const call of plan.calls) releaseCall(ctx, call);
  plan.calls.length = 0;
  plan.commands.length = 0;
}

/** Sets the live rows of the products, KV appends and decode attention; writes uniforms only when the count changes. */
export function setLiveRows(ctx: GpuContext, plan: ForwardPlan, rows: number): void {
  if (!Number.isInteger(rows) || rows < 1 || rows > plan.maxRows) throw new RangeError(`${plan.kind} plan: ${rows} rows is outside 1…${plan.maxRows}`);
  if (rows === plan.rows) return;
  setQMatmulTokens(ctx, plan.matmuls, rows);
  for (const store of plan.kvStores) setKvStoreTokens(ctx, store, rows);
  for (const calls of plan.decode) setDecodeRows(calls, rows);
  plan.rows = rows;
}

/** Points the prefill plan at `tokens` tokens from position `start` of `slot`. */
export function setPrefillChunk(ctx: GpuContext, plan: ForwardPlan, chunk: { tokens: number; start: number; slot: number }, embeddingLength: number): void {
  setLiveRows(ctx, plan, chunk.tokens);
  for (const call of plan.prefill) setPrefillAttention(ctx, call, chunk);
  plan.lastRowCopy!.copy.sourceOffset = (chunk.tokens - 1) * embeddingLength * 4;
}
