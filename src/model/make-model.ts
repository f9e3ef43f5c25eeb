/**
 * `npm run make-model -- ...` (Node only): writes a seeded random-weight llama or qwen2 GGUF model
 * with the tokenizer of a vocabulary GGUF, for tests and benchmarks. `--shape mistral-7b` writes a
 * full-size 7B file (about 4 GB as q4_0) by streaming.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SUPPORTED_ARCHITECTURES, type Architecture } from './config.ts';
import { openGguf } from './gguf/reader.ts';
import { openFileSink, openFileSource } from './gguf/source-node.ts';
import { writeGguf, type ByteSink } from './gguf/writer.ts';
import { MODEL_FILE_TYPES, randomModel, type ModelFileType, type RandomModelOptions } from './random-model.ts';

interface ShapePreset {
  architecture: Architecture;
  layerCount: number;
  embeddingLength: number;
  headCount: number;
  headCountKv: number;
  feedForwardLength: number;
  contextLength: number;
  ropeFreqBase: number;
  description: string;
}

/** Full-size shapes; the vocabulary size comes from --vocab (32000 for ggml-vocab-llama-spm.gguf). */
export const SHAPES: Record<string, ShapePreset> = {
  'mistral-7b': {
    architecture: 'llama',
    layerCount: 32,
    embeddingLength: 4096,
    headCount: 32,
    headCountKv: 8,
    feedForwardLength: 14336,
    contextLength: 32768,
    ropeFreqBase: 10000,
    description: 'Mistral-7B-v0.1: 32 layers, 4096 embedding, 32 heads, 8 KV heads, 14336 feed-forward, 32000 vocabulary',
  },
};

export const MAKE_MODEL_USAGE = `Usage: npm run make-model -- --vocab VOCAB.gguf --out FILE.gguf [--shape mistral-7b]
         [--arch llama|qwen2] [--layers L] [--embd E] [--heads H] [--kv-heads K] [--ff F]
         [--type f32|f16|q8_0|q4_0|q4_k] [--seed S] [options]

Writes a GGUF model with seeded random weights (normal, std 0.02; RMSNorm weights near 1) and the
tokenizer metadata (tokenizer.*) of VOCAB.gguf, whose token count sets the vocabulary size.

Options:
  --vocab FILE      vocabulary GGUF to copy the tokenizer from (required), e.g. a llama.cpp
                    ggml-vocab-*.gguf file
  --out FILE        output path (required); written to FILE.partial, then renamed
  --shape NAME      full-size preset: ${Object.entries(SHAPES).map(([name, s]) => `${name} (${s.description})`).join('; ')}.
                    Other flags override its values.
  --arch NAME       llama (RoPE on adjacent pairs) or qwen2 (NeoX RoPE, Q/K/V biases)
  --layers L        transformer blocks
  --embd E          embedding length
  --heads H         attention heads (E must be a multiple of H)
  --kv-heads K      key/value heads for grouped-query attention (default: H)
  --ff F            feed-forward length
  --type T          tensor types, as llama-quantize produces them (default q4_0):
                      f32   every tensor F32
                      f16   matrices F16, norms and biases F32
                      q8_0  matrices Q8_0
                      q4_0  matrices Q4_0, output head Q6_K
                      q4_k  Q4_K_M: matrices Q4_K; output head and attn_v/ffn_down of some layers Q6_K
                    Norms and biases are always F32. K-quants need rows that are multiples of 256;
                    shorter rows fall back to Q5_0 (for Q4_K) and Q8_0 (for Q6_K), as in llama-quantize.
  --seed S          random seed, an integer (default 0); the same seed gives the same file
  --context N       context length in tokens (default 4096 for llama, 32768 for qwen2)
  --rope-base B     RoPE frequency base (default 10000 for llama, 1000000 for qwen2)
  --rms-eps X       RMSNorm epsilon (default 1e-5 for llama, 1e-6 for qwen2)
  --tied            omit output.weight, so the output head is the token embedding
  --name NAME       general.name (default describes the shape, type and seed)
  -h, --help        show this help

Writing is single-threaded: q4_0 runs at tens of MB/s, while the q4_k quantizer is about 10 times
slower (see docs/benchmarks.md), so a 7B-shape q4_k file takes tens of minutes.`;

class MakeModelUsageError extends Error {}

function integer(value: string | undefined, flag: string, options: { min?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  const min = options.min ?? 1;
  if (!Number.isSafeInteger(parsed) || parsed < min) throw new MakeModelUsageError(`${flag} must be an integer ≥ ${min}, got "${value}"`);
  return parsed;
}

function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!(parsed > 0) || !Number.isFinite(parsed)) throw new MakeModelUsageError(`${flag} must be a positive number, got "${value}"`);
  return parsed;
}

interface ParsedArgs {
  vocab: string;
  out: string;
  options: Omit<RandomModelOptions, 'vocabulary'>;
}

export function parseMakeModelArgs(argv: string[]): ParsedArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        vocab: { type: 'string' },
        out: { type: 'string' },
        shape: { type: 'string' },
        arch: { type: 'string' },
        layers: { type: 'string' },
        embd: { type: 'string' },
        heads: { type: 'string' },
        'kv-heads': { type: 'string' },
        ff: { type: 'string' },
        type: { type: 'string' },
        seed: { type: 'string' },
        context: { type: 'string' },
        'rope-base': { type: 'string' },
        'rms-eps': { type: 'string' },
        tied: { type: 'boolean' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new MakeModelUsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';

  if (!v.vocab) throw new MakeModelUsageError('--vocab is required (a GGUF file with tokenizer.* metadata)');
  if (!v.out) throw new MakeModelUsageError('--out is required');
  let shape: ShapePreset | undefined;
  if (v.shape !== undefined) {
    shape = SHAPES[v.shape];
    if (!shape) throw new MakeModelUsageError(`unknown --shape "${v.shape}"; known shapes: ${Object.keys(SHAPES).join(', ')}`);
  }
  const architecture = v.arch ?? shape?.architecture;
  if (!architecture) throw new MakeModelUsageError(`--arch is required without --shape (${SUPPORTED_ARCHITECTURES.join(' or ')})`);
  if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new MakeModelUsageError(`--arch must be ${SUPPORTED_ARCHITECTURES.join(' or ')}, got "${architecture}"`);
  }
  const fileType = v.type ?? 'q4_0';
  if (!(MODEL_FILE_TYPES as readonly string[]).includes(fileType)) throw new MakeModelUsageError(`--type must be one of ${MODEL_FILE_TYPES.join(', ')}, got "${fileType}"`);

  const required = (value: number | undefined, flag: string) => {
    if (value === undefined) throw new MakeModelUsageError(`${flag} is required without --shape`);
    return value;
  };
  const headCount = required(integer(v.heads, '--heads') ?? shape?.headCount, '--heads');
  return {
    vocab: v.vocab,
    out: v.out,
    options: {
      architecture: architecture as Architecture,
      layerCount: required(integer(v.layers, '--layers') ?? shape?.layerCount, '--layers'),
      embeddingLength: required(integer(v.embd, '--embd') ?? shape?.embeddingLength, '--embd'),
      headCount,
      headCountKv: integer(v['kv-heads'], '--kv-heads') ?? (v.heads === undefined ? shape?.headCountKv : undefined) ?? headCount,
      feedForwardLength: required(integer(v.ff, '--ff') ?? shape?.feedForwardLength, '--ff'),
      fileType: fileType as ModelFileType,
      seed: integer(v.seed, '--seed', { min: 0 }) ?? 0,
      contextLength: integer(v.context, '--context') ?? shape?.contextLength,
      ropeFreqBase: positiveNumber(v['rope-base'], '--rope-base') ?? shape?.ropeFreqBase,
      rmsNormEpsilon: positiveNumber(v['rms-eps'], '--rms-eps'),
      tiedOutput: v.tied ?? false,
      name: v.name,
    },
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}

/**
 * Wraps a sink to print progress to stderr about every 10% for files over 100 MB. The total counts
 * tensor data only, so the header's bytes are why the share is capped at 100%.
 */
function withProgress(sink: ByteSink, totalBytes: number, startedAt: number): ByteSink {
  let written = 0;
  let nextReport = totalBytes / 10;
  return {
    async write(bytes) {
      await sink.write(bytes);
      written += bytes.length;
      if (totalBytes > 100e6 && written >= nextReport) {
        const seconds = (performance.now() - startedAt) / 1000;
        const rate = written / seconds;
        const remaining = Math.max(0, (totalBytes - written) / rate);
        process.stderr.write(`  ${Math.min(100, Math.round((100 * written) / totalBytes))}%  ${formatBytes(written)}  ${(rate / 1e6).toFixed(1)} MB/s  about ${Math.round(remaining)} s left\n`);
        nextReport += totalBytes / 10;
      }
    },
    close: () => sink.close(),
  };
}

/** Runs the command and returns the process exit code (0 success, 1 failure or bad arguments). */
export async function runMakeModel(argv: string[]): Promise<number> {
  let args: ParsedArgs | 'help';
  try {
    args = parseMakeModelArgs(argv);
  } catch (error) {
    if (!(error instanceof MakeModelUsageError)) throw error;
    process.stderr.write(`make-model: ${error.message}\n\n${MAKE_MODEL_USAGE}\n`);
    return 1;
  }
  if (args === 'help') {
    process.stdout.write(`${MAKE_MODEL_USAGE}\n`);
    return 0;
  }

  const partial = `${args.out}.partial`;
  try {
    if (!existsSync(args.vocab)) {
      throw new MakeModelUsageError(
        `--vocab ${args.vocab}: file not found. It must be a GGUF file with tokenizer.* metadata, such as llama.cpp's models/ggml-vocab-llama-spm.gguf.`,
      );
    }
    const vocabulary = await openGguf(await openFileSource(args.vocab));
    await vocabulary.close();
    const model = randomModel({ ...args.options, vocabulary });
    const { config } = model;
    process.stderr.write(
      `make-model: ${config.architecture} ${config.layerCount} layers, embedding ${config.embeddingLength}, ${config.headCount} heads ` +
        `(${config.headCountKv} KV), feed-forward ${config.feedForwardLength}, vocabulary ${config.vocabSize}, ${args.options.fileType}, ` +
        `seed ${args.options.seed}: ${model.spec.tensors.length} tensors, ${formatBytes(model.tensorBytes)} of tensor data\n`,
    );
    const startedAt = performance.now();
    const sink = withProgress(await openFileSink(partial), model.tensorBytes, startedAt);
    const result = await writeGguf(sink, model.spec);
    await rename(partial, args.out);
    const seconds = (performance.now() - startedAt) / 1000;
    process.stderr.write(`make-model: wrote ${args.out} (${formatBytes(result.bytesWritten)}) in ${seconds.toFixed(1)} s, ${(result.bytesWritten / 1e6 / seconds).toFixed(1)} MB/s\n`);
    return 0;
  } catch (error) {
    await rm(partial, { force: true });
    process.stderr.write(`make-model: ${(error as Error).message}\n`);
    return 1;
  }
}
