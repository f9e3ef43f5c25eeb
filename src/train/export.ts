/**
 * Export of a trained model as a GGUF file of the `llama` architecture, with the metadata keys and
 * tensor names llama.cpp's llama loader reads (src/llama-model.cpp, LLM_ARCH_LLAMA) and the
 * tokenizer the model was trained with. The training arena already stores each matrix in ggml's
 * layout (output rows contiguous, dims [in, out]), so tensors are written as they are, or quantized.
 *
 * Tensor types per file type mirror llama-quantize (see tensorTypeFor in random-model.ts). 1-D norm
 * weights stay F32. q8_0 and q4_0 quantize the matrices, and q4_0 keeps the output head (or the tied
 * token embedding) in Q6_K. Rows whose length does not fit a block fall back as llama-quantize does:
 * Q6_K to Q8_0, Q4_0 and Q8_0 to F16.
 */
import { metadataValue, type GgufValue } from '../model/gguf/metadata.ts';
import { quantizedRows } from '../model/gguf/tensor-data.ts';
import type { GgufTensorSpec, GgufWriteSpec } from '../model/gguf/writer.ts';
import { tensorTypeFor } from '../model/random-model.ts';
import { expectedTensors } from '../model/tensors.ts';
import { headDim } from './config.ts';
import { findTensor } from './parameters.ts';
import type { TrainedModel } from './train-model.ts';

export const EXPORT_TYPES = ['f32', 'f16', 'q8_0', 'q4_0'] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];

/** llama.cpp's `llama_ftype` for general.file_type: ALL_F32, MOSTLY_F16, MOSTLY_Q8_0, MOSTLY_Q4_0. */
const FILE_TYPE: Record<ExportType, number> = { f32: 0, f16: 1, q8_0: 7, q4_0: 2 };

export interface ExportOptions {
  type: ExportType;
  /** general.name (default "mwb-trained"). */
  name?: string;
  /** general.description, e.g. the training recipe. */
  description?: string;
}

/** Builds the GGUF write spec of a trained model; tensors are quantized as the writer pulls them. */
export function trainedModelGguf(model: TrainedModel, options: ExportOptions): GgufWriteSpec {
  const { config, layout, parameters } = model;
  if (!EXPORT_TYPES.includes(options.type)) throw new RangeError(`Export type must be one of ${EXPORT_TYPES.join(', ')}, got "${options.type}".`);
  if (config.ropeStyle !== 'normal') {
    throw new Error('Only models with "normal" RoPE (adjacent pairs) export as the llama architecture; this model uses NeoX RoPE.');
  }
  const dim = headDim(config);
  const quantized = options.type === 'q8_0' || options.type === 'q4_0';
  const metadata: [string, GgufValue][] = [
    ['general.architecture', metadataValue.string('llama')],
    ['general.name', metadataValue.string(options.name ?? 'mwb-trained')],
    ...(options.description ? ([['general.description', metadataValue.string(options.description)]] as [string, GgufValue][]) : []),
    ['general.file_type', metadataValue.u32(FILE_TYPE[options.type])],
    ...(quantized ? ([['general.quantization_version', metadataValue.u32(2)]] as [string, GgufValue][]) : []),
    ['llama.context_length', metadataValue.u32(config.contextLength)],
    ['llama.embedding_length', metadataValue.u32(config.embeddingLength)],
    ['llama.block_count', metadataValue.u32(config.blockCount)],
    ['llama.feed_forward_length', metadataValue.u32(config.feedForwardLength)],
    ['llama.attention.head_count', metadataValue.u32(config.headCount)],
    ['llama.attention.head_count_kv', metadataValue.u32(config.headCountKv)],
    ['llama.attention.layer_norm_rms_epsilon', metadataValue.f32(config.rmsNormEps)],
    ['llama.rope.freq_base', metadataValue.f32(config.ropeFreqBase)],
    ['llama.rope.dimension_count', metadataValue.u32(dim)],
    ['llama.vocab_size', metadataValue.u32(config.vocabSize)],
    ...model.tokenizer.metadata,
  ];

  const shape = {
    layerCount: config.blockCount,
    embeddingLength: config.embeddingLength,
    headCount: config.headCount,
    headCountKv: config.headCountKv,
    headDim: dim,
    feedForwardLength: config.feedForwardLength,
    vocabSize: config.vocabSize,
  };
  const tensors: GgufTensorSpec[] = expectedTensors(shape, { tiedOutput: config.tiedOutput, attentionBias: false }).map((expected) => {
    const source = findTensor(layout, expected.name);
    const type = tensorTypeFor(options.type, expected, config.blockCount, config.tiedOutput);
    const rowLength = expected.dims[0];
    const rows = source.count / rowLength;
    const values = parameters.subarray(source.offset, source.offset + source.count);
    return {
      name: expected.name,
      dims: expected.dims,
      type,
      data: quantizedRows(type, rowLength, rows, (firstRow, count, out) => out.set(values.subarray(firstRow * rowLength, (firstRow + count) * rowLength))),
    };
  });
  return { metadata, tensors };
}
