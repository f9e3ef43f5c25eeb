/**
 * `npm run bench -- reference`: speed of the CPU reference forward pass on a random model with
 * llama.cpp's SentencePiece vocabulary: prefill tokens per second and milliseconds per decoded
 * token, with all weights cached as f32 and with every weight streamed from the file.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openGguf } from '../src/model/gguf/reader.ts';
import { bytesSource } from '../src/model/gguf/source.ts';
import { openFileSource } from '../src/model/gguf/source-node.ts';
import { encodeGguf } from '../src/model/gguf/writer.ts';
import { MODEL_FILE_TYPES, randomModel, type ModelFileType } from '../src/model/random-model.ts';
import { ReferenceModel } from '../src/model/reference/forward.ts';
import { printTable, type Bench } from './report.ts';
import { hostLine } from './tokenizer.ts';

const VOCAB = join(import.meta.dirname, '..', '..', 'shared', 'data', 'gguf-vocab', 'ggml-vocab-llama-spm.gguf');

export const referenceBench: Bench = {
  name: 'reference',
  summary: 'CPU reference forward pass: prefill tokens/s and ms per decoded token, cached and streamed weights',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        layers: { type: 'string' },
        embd: { type: 'string' },
        heads: { type: 'string' },
        'kv-heads': { type: 'string' },
        ff: { type: 'string' },
        type: { type: 'string' },
        prompt: { type: 'string' },
        decode: { type: 'string' },
      },
    });
    const fileType = (values.type ?? 'q4_0') as ModelFileType;
    if (!MODEL_FILE_TYPES.includes(fileType)) throw new Error(`--type must be one of ${MODEL_FILE_TYPES.join(', ')}, got "${fileType}"`);
    const promptTokens = Number(values.prompt ?? 64);
    const decodeTokens = Number(values.decode ?? 8);

    const vocabularySource = await openFileSource(VOCAB);
    const model = randomModel({
      architecture: 'llama',
      layerCount: Number(values.layers ?? 4),
      embeddingLength: Number(values.embd ?? 512),
      headCount: Number(values.heads ?? 8),
      headCountKv: Number(values['kv-heads'] ?? 2),
      feedForwardLength: Number(values.ff ?? 1536),
      fileType,
      seed: 1,
      vocabulary: await openGguf(vocabularySource),
    });
    await vocabularySource.close?.();
    const file = await openGguf(bytesSource(await encodeGguf(model.spec), 'bench-model.gguf'));
    const c = model.config;
    console.log(hostLine());
    console.log(
      `model: llama ${c.layerCount} layers, embedding ${c.embeddingLength}, ${c.headCount} heads (${c.headCountKv} KV), feed-forward ${c.feedForwardLength}, ` +
        `vocabulary ${c.vocabSize}, ${fileType}, ${(model.tensorBytes / 2 ** 20).toFixed(1)} MiB of tensors`,
    );

    const prompt = Array.from({ length: promptTokens }, (_, i) => 100 + ((i * 37) % 30000));
    const rows: (string | number)[][] = [];
    for (const [label, cacheBytes] of [
      ['cached f32 weights', 1 << 30],
      ['streamed weights', 0],
    ] as const) {
      const reference = ReferenceModel.load(file, { cacheBytes });
      // Warm-up: the cached run dequantizes every tensor here, so the timed runs measure the forward pass.
      await reference.forward(prompt.slice(0, 1), reference.createCache());
      const cache = reference.createCache();
      let started = performance.now();
      await reference.forward(prompt, cache);
      const prefillMs = performance.now() - started;
      started = performance.now();
      for (let i = 0; i < decodeTokens; i++) await reference.forward([prompt[i]], cache);
      const decodeMs = (performance.now() - started) / decodeTokens;
      rows.push([label, (reference.weights.residentBytes / 2 ** 20).toFixed(1), (prefillMs / 1000).toFixed(2), ((promptTokens / prefillMs) * 1000).toFixed(1), decodeMs.toFixed(0)]);
    }
    printTable(['weights', 'resident MiB', `prefill ${promptTokens} tokens s`, 'prefill tokens/s', 'decode ms/token'], rows);
  },
};
