/**
 * Fine-tuning starts from a GGUF model: its configuration, its weights as the initial arena and its
 * own tokenizer. The model must have the llama layout: no Q/K/V biases and RoPE on adjacent pairs.
 * Its weights must be F32, F16 or BF16. Quantized weights are rejected, because training needs the
 * full-precision values.
 */
import { GgmlType, ggmlTypeName } from '../model/quant/types.ts';
import { readModelConfig } from '../model/config.ts';
import type { GgufFile } from '../model/gguf/file.ts';
import { validateConfig, type LlamaConfig } from './config.ts';
import { parameterLayout } from './parameters.ts';
import { TrainingTokenizer } from './tokenizer.ts';

const TRAINABLE_TYPES = new Set<GgmlType>([GgmlType.F32, GgmlType.F16, GgmlType.BF16]);

export interface InitialModel {
  config: LlamaConfig;
  tokenizer: TrainingTokenizer;
  /** The weights in the training arena's layout. */
  parameters: Float32Array;
}

/** Reads config, tokenizer and weights; raises a GgufError naming the key or tensor that cannot be trained. */
export async function loadInitialModel(file: GgufFile): Promise<InitialModel> {
  const model = readModelConfig(file);
  const arch = model.architecture;

  if (model.attentionBias) throw file.error(`blk.0.attn_q.bias`, 'Q/K/V biases are not supported by the training model (llama architecture only)');
  if (model.ropeStyle !== 'normal') throw file.error('general.architecture', `${arch} uses NeoX RoPE, which the llama export cannot write; fine-tune a llama model`);
  if (model.ropeScaling.type !== 'none') throw file.error(`${arch}.rope.scaling.type`, `RoPE scaling "${model.ropeScaling.type}" is not supported for training`);
  if (model.ropeDimensionCount !== model.headDim || model.headDim * model.headCount !== model.embeddingLength) {
    throw file.error(`${arch}.rope.dimension_count`, 'training needs RoPE over the whole head and head size × heads = embedding length');
  }
  for (const tensor of file.tensors) {
    if (!TRAINABLE_TYPES.has(tensor.type)) {
      throw file.error(tensor.name, `is ${ggmlTypeName(tensor.type)}; training starts from F32, F16 or BF16 weights (use the unquantized GGUF of this model)`);
    }
  }

  const config: LlamaConfig = {
    vocabSize: model.vocabSize,
    embeddingLength: model.embeddingLength,
    blockCount: model.layerCount,
    headCount: model.headCount,
    headCountKv: model.headCountKv,
    feedForwardLength: model.feedForwardLength,
    ropeFreqBase: model.ropeFreqBase,
    ropeStyle: 'normal',
    rmsNormEps: model.rmsNormEpsilon,
    tiedOutput: model.tiedOutput,
    contextLength: model.contextLength,
  };
  validateConfig(config);

  const tokenizer = TrainingTokenizer.fromModelFile(file);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw file.error('tokenizer.ggml.tokens', `has ${tokenizer.vocabSize} tokens but the token embedding has ${config.vocabSize} rows`);
  }

  const layout = parameterLayout(config);
  const parameters = new Float32Array(layout.totalElements);
  for (const tensor of layout.tensors) parameters.set(await file.readTensor(tensor.name), tensor.offset);
  return { config, tokenizer, parameters };
}
