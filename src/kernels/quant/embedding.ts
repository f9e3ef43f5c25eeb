/**
 * Embedding row gather with dequantization (shaders/qembed.wgsl): out[t, :] = W[ids[t], :] as f32,
 * for token ids on the GPU. One dispatch per weight part. Gathering ids 0 … rows − 1 dequantizes
 * the whole weight, for example to feed an f32 matmul in a long prefill.
 */
import type { GpuContext } from '../../gpu/context.ts';
import { linearGrid, packUniform, type KernelCall, type StorageBinding } from '../common.ts';
import { bindingBytes, decodeDefines } from './shader.ts';
import type { QuantWeight } from './weights.ts';

export interface QEmbeddingArgs {
  weight: QuantWeight;
  /** u32 token ids, `tokens` of them. An id at or past weight.rows gives a row of zeros. */
  ids: StorageBinding;
  /** f32 output: `tokens` rows with a stride of `outStride` values. */
  out: StorageBinding;
  tokens: number;
  /** Row stride of out in values (default weight.cols). */
  outStride?: number;
}

const WORKGROUP = 64;

export async function prepareQEmbedding(ctx: GpuContext, args: QEmbeddingArgs): Promise<KernelCall[]> {
  const { weight, tokens } = args;
  const { layout } = weight;
  const outStride = args.outStride ?? weight.cols;
  if (!Number.isInteger(tokens) || tokens < 1) throw new RangeError(`qembedding: tokens must be a positive whole number, got ${tokens}`);
  if (!Number.isInteger(outStride) || outStride < weight.cols) throw new RangeError(`qembedding: outStride ${outStride} is smaller than the ${weight.cols} columns of ${weight.label}`);
  const idBytes = bindingBytes(args.ids);
  if (idBytes < tokens * 4) throw new RangeError(`qembedding: ids binding has ${idBytes} bytes, ${tokens * 4} needed for ${tokens} u32 token ids`);
  const outBytes = bindingBytes(args.out);
  const neededOut = ((tokens - 1) * outStride + weight.cols) * 4;
  if (outBytes < neededOut) throw new RangeError(`qembedding: out binding has ${outBytes} bytes, ${neededOut} needed for ${tokens} rows with a stride of ${outStride} f32 values`);

  const pipeline = await ctx.pipelines.get({ shader: 'qembed', defines: decodeDefines(weight.type), label: `qembed ${weight.type}` });
  const grid = linearGrid(ctx, tokens * layout.units, WORKGROUP);
  return weight.parts.map((part, index) => {
    const zeroMissing = index === 0 ? 1 : 0;
    const params = packUniform([part.rows, part.rowStart, layout.units, layout.quantBytes / 16, layout.scaleBytes / 4, layout.cols, tokens, outStride, weight.rows, zeroMissing]);
    const uniform = ctx.createUniform(new Uint32Array(params), 'qembed.params');
    return {
      pipeline,
      bindGroups: [ctx.bindGroup(pipeline, [part.quants, part.scales, args.ids, args.out, uniform])],
      grid,
      label: `qembed ${weight.type}${weight.parts.length > 1 ? ` part ${index + 1}/${weight.parts.length}` : ''}`,
      uniforms: [uniform],
      flops: 0,
      // Each row is read by the part that contains it, so the traffic of all parts is counted on the first.
      bytes: index === 0 ? tokens * (4 + layout.quantBytes + layout.scaleBytes + weight.cols * 4) : 0,
    };
  });
}
