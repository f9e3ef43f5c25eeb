/** Token embedding gather and its deterministic scatter-add gradient (shaders/embedding.wgsl), f32. */
import type { GpuContext } from '../gpu/context.ts';
import { linearGrid, packUniform, type KernelCall, type StorageBinding } from './common.ts';

const WORKGROUP = 64;

/**
 * Groups token indices by id for scatter_add, as the u32 layout embedding.wgsl documents:
 * [distinct ids U, group starts (tokens+1), group ids (tokens), token indices sorted by id (tokens)].
 * Within a group token indices ascend, which fixes the summation order. Unused slots stay 0.
 */
export function buildScatterPlan(ids: ArrayLike<number>): Uint32Array {
  const tokens = ids.length;
  const plan = new Uint32Array(3 * tokens + 2);
  const order = Array.from({ length: tokens }, (_, t) => t);
  order.sort((a, b) => ids[a] - ids[b] || a - b);
  const startsBase = 1;
  const idsBase = tokens + 2;
  const orderBase = 2 * tokens + 2;
  let groups = 0;
  for (let k = 0; k < tokens; k++) {
    plan[orderBase + k] = order[k];
    if (k === 0 || ids[order[k]] !== ids[order[k - 1]]) {
      plan[startsBase + groups] = k;
      plan[idsBase + groups] = ids[order[k]];
      groups++;
    }
  }
  plan[startsBase + groups] = tokens;
  plan[0] = groups;
  return plan;
}

export interface EmbeddingArgs {
  /** u32 token ids, `tokens` of them. */
  ids: StorageBinding;
  /** vocab×cols. */
  table: StorageBinding;
  /** tokens×cols. */
  out: StorageBinding;
  tokens: number;
  cols: number;
  vocab: number;
}

export interface EmbeddingBackwardArgs {
  /** buildScatterPlan(ids) in a storage buffer (3·tokens + 2 u32). */
  plan: StorageBinding;
  /** tokens×cols gradient of the gathered rows. */
  dout: StorageBinding;
  /** vocab×cols, added to. */
  dtable: StorageBinding;
  tokens: number;
  cols: number;
  vocab: number;
}

function embeddingUniform(ctx: GpuContext, tokens: number, cols: number, vocab: number, label: string): GPUBuffer {
  if (tokens < 1 || cols < 1 || vocab < 1) throw new RangeError(`embedding needs positive sizes, got tokens=${tokens} cols=${cols} vocab=${vocab}`);
  return ctx.createUniform(new Uint32Array(packUniform([tokens, cols, vocab, 0])), label);
}

export async function prepareEmbedding(ctx: GpuContext, args: EmbeddingArgs): Promise<KernelCall> {
  const pipeline = await ctx.pipelines.get({ shader: 'embedding', entryPoint: 'gather', defines: { WG: WORKGROUP } });
  const uniform = embeddingUniform(ctx, args.tokens, args.cols, args.vocab, 'embedding.params');
  const elements = args.tokens * args.cols;
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [args.ids, args.table, args.out, uniform])],
    grid: linearGrid(ctx, elements, WORKGROUP),
    label: 'embedding',
    uniforms: [uniform],
    flops: 0,
    bytes: elements * 8 + args.tokens * 4,
  };
}

/** dtable[id] += Σ dout rows of that id; one workgroup per distinct id (at most `tokens`). */
export async function prepareEmbeddingBackward(ctx: GpuContext, args: EmbeddingBackwardArgs): Promise<KernelCall> {
  const pipeline = await ctx.pipelines.get({ shader: 'embedding', entryPoint: 'scatter_add', defines: { WG: WORKGROUP } });
  const uniform = embeddingUniform(ctx, args.tokens, args.cols, args.vocab, 'embedding-backward.params');
  const elements = args.tokens * args.cols;
  return {
    pipeline,
    bindGroups: [ctx.bindGroup(pipeline, [null, null, null, uniform, args.plan, args.dout, args.dtable])],
    grid: linearGrid(ctx, args.tokens, 1),
    label: 'embedding-backward',
    uniforms: [uniform],
    flops: elements,
    bytes: elements * 12 + args.tokens * 12,
  };
}
