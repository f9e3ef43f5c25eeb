/**
 * Small in-memory GGUF models for tests: a tiny SentencePiece-style vocabulary and random-weight
 * models written through the real writer and opened with the real reader.
 */
import type { ModelConfig } from './config.ts';
import type { GgufFile } from './gguf/file.ts';
import { metadataValue } from './gguf/metadata.ts';
import { openGguf } from './gguf/reader.ts';
import { bytesSource } from './gguf/source.ts';
import { encodeGguf, type GgufWriteSpec } from './gguf/writer.ts';
import { randomModel, type RandomModelOptions } from './random-model.ts';

/** Opens a vocabulary-only GGUF of `size` tokens: `<unk>`, `<s>`, `</s>`, then "t3", "t4", …. */
export async function tinyVocabulary(size = 96): Promise<GgufFile> {
  const tokens = Array.from({ length: size }, (_, i) => ['<unk>', '<s>', '</s>'][i] ?? `t${i}`);
  const bytes = await encodeGguf({
    metadata: [
      ['tokenizer.ggml.model', metadataValue.string('llama')],
      ['tokenizer.ggml.tokens', metadataValue.stringArray(tokens)],
      ['tokenizer.ggml.scores', metadataValue.f32Array(tokens.map((_, i) => -i))],
      ['tokenizer.ggml.token_type', metadataValue.i32Array(tokens.map((_, i) => (i < 3 ? 3 : 1)))],
      ['tokenizer.ggml.bos_token_id', metadataValue.u32(1)],
      ['tokenizer.ggml.eos_token_id', metadataValue.u32(2)],
    ],
    tensors: [],
  });
  return openGguf(bytesSource(bytes, 'tiny-vocab.gguf'));
}

export type TinyModelOptions = Partial<Omit<RandomModelOptions, 'vocabulary'>> & { vocabulary?: GgufFile };

/** Options of a 2-layer llama with embedding 64, 4 heads, 2 KV heads and feed-forward 96, in f32. */
export async function tinyModelOptions(options: TinyModelOptions = {}): Promise<RandomModelOptions> {
  return {
    architecture: 'llama',
    layerCount: 2,
    embeddingLength: 64,
    headCount: 4,
    headCountKv: 2,
    feedForwardLength: 96,
    fileType: 'f32',
    seed: 1,
    ...options,
    vocabulary: options.vocabulary ?? (await tinyVocabulary()),
  };
}

/**
 * Writes a random model to memory and opens it. `edit` may change the write spec first, to build
 * files with a missing key or tensor.
 */
export async function openTinyModel(options: TinyModelOptions = {}, edit?: (spec: GgufWriteSpec) => GgufWriteSpec): Promise<{ file: GgufFile; config: ModelConfig; bytes: Uint8Array }> {
  const model = randomModel(await tinyModelOptions(options));
  const bytes = await encodeGguf(edit ? edit(model.spec) : model.spec);
  return { file: await openGguf(bytesSource(bytes, 'tiny-model.gguf')), config: model.config, bytes };
}
