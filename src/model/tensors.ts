/**
 * Tensor names and shapes of the llama and qwen2 architectures as llama.cpp stores them in GGUF.
 * Shapes are in ggml order: dims[0] is the row length, i.e. the input size of a weight matrix,
 * so a matrix mapping `in` to `out` values has dims [in, out].
 */

export const TOKEN_EMBEDDING = 'token_embd.weight';
export const OUTPUT_NORM = 'output_norm.weight';
export const OUTPUT = 'output.weight';

/** Names of the tensors of transformer block `layer`. */
export function layerTensorNames(layer: number) {
  const prefix = `blk.${layer}.`;
  return {
    attnNorm: `${prefix}attn_norm.weight`,
    attnQ: `${prefix}attn_q.weight`,
    attnK: `${prefix}attn_k.weight`,
    attnV: `${prefix}attn_v.weight`,
    attnQBias: `${prefix}attn_q.bias`,
    attnKBias: `${prefix}attn_k.bias`,
    attnVBias: `${prefix}attn_v.bias`,
    attnOutput: `${prefix}attn_output.weight`,
    ffnNorm: `${prefix}ffn_norm.weight`,
    ffnGate: `${prefix}ffn_gate.weight`,
    ffnUp: `${prefix}ffn_up.weight`,
    ffnDown: `${prefix}ffn_down.weight`,
  };
}

export type TensorKind = 'embedding' | 'norm' | 'matrix' | 'bias' | 'output';

export interface ExpectedTensor {
  name: string;
  dims: number[];
  kind: TensorKind;
  /** Block index, or null for the embedding, final norm and output head. */
  layer: number | null;
  /** What the tensor is, for messages ("attention query projection of layer 3"). */
  role: string;
}

/** The dimensions that decide tensor shapes. */
export interface TensorShapeParameters {
  layerCount: number;
  embeddingLength: number;
  headCount: number;
  headCountKv: number;
  headDim: number;
  feedForwardLength: number;
  vocabSize: number;
}

export interface TensorLayoutOptions {
  /** No output.weight: the output head reuses the token embedding. */
  tiedOutput: boolean;
  /** Q, K and V projections have biases (qwen2). */
  attentionBias: boolean;
}

/** Lists every tensor a model needs, in the order llama.cpp's converter writes them. */
export function expectedTensors(shape: TensorShapeParameters, options: TensorLayoutOptions): ExpectedTensor[] {
  const { embeddingLength: embd, headDim, feedForwardLength: ff, vocabSize } = shape;
  const qSize = shape.headCount * headDim;
  const kvSize = shape.headCountKv * headDim;
  const tensors: ExpectedTensor[] = [{ name: TOKEN_EMBEDDING, dims: [embd, vocabSize], kind: 'embedding', layer: null, role: 'token embedding' }];

  for (let layer = 0; layer < shape.layerCount; layer++) {
    const names = layerTensorNames(layer);
    const add = (name: string, dims: number[], kind: TensorKind, role: string) => tensors.push({ name, dims, kind, layer, role: `${role} of layer ${layer}` });
    add(names.attnNorm, [embd], 'norm', 'attention RMSNorm weight');
    add(names.attnQ, [embd, qSize], 'matrix', 'attention query projection');
    if (options.attentionBias) add(names.attnQBias, [qSize], 'bias', 'attention query bias');
    add(names.attnK, [embd, kvSize], 'matrix', 'attention key projection');
    if (options.attentionBias) add(names.attnKBias, [kvSize], 'bias', 'attention key bias');
    add(names.attnV, [embd, kvSize], 'matrix', 'attention value projection');
    if (options.attentionBias) add(names.attnVBias, [kvSize], 'bias', 'attention value bias');
    add(names.attnOutput, [qSize, embd], 'matrix', 'attention output projection');
    add(names.ffnNorm, [embd], 'norm', 'feed-forward RMSNorm weight');
    add(names.ffnGate, [embd, ff], 'matrix', 'feed-forward gate projection');
    add(names.ffnUp, [embd, ff], 'matrix', 'feed-forward up projection');
    add(names.ffnDown, [ff, embd], 'matrix', 'feed-forward down projection');
  }

  tensors.push({ name: OUTPUT_NORM, dims: [embd], kind: 'norm', layer: null, role: 'final RMSNorm weight' });
  if (!options.tiedOutput) tensors.push({ name: OUTPUT, dims: [embd, vocabSize], kind: 'output', layer: null, role: 'output head' });
  return tensors;
}
