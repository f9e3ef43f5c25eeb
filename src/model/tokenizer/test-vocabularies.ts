/**
 * Vocabulary GGUFs for tests: a real vocabulary file with extra metadata (a chat template), and a
 * small byte-level BPE vocabulary in the style of Qwen2 (256 byte tokens, a few merges and the
 * ChatML control tokens). They are written with the project's GGUF writer and opened with its reader.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GgufFile } from '../gguf/file.ts';
import { GgufValueType, metadataValue, type GgufValue } from '../gguf/metadata.ts';
import { openGguf } from '../gguf/reader.ts';
import { bytesSource } from '../gguf/source.ts';
import { encodeGguf } from '../gguf/writer.ts';
import { byteToChar } from './byte-level.ts';

/** Re-encodes a file's metadata (no tensors) with keys added or replaced, and opens the result. */
export async function withMetadata(file: GgufFile, changes: Record<string, GgufValue | null>, name = 'edited-vocab.gguf'): Promise<GgufFile> {
  const metadata: [string, GgufValue][] = [...file.metadata].filter(([key]) => !(key in changes));
  for (const [key, value] of Object.entries(changes)) if (value !== null) metadata.push([key, value]);
  return openGguf(bytesSource(await encodeGguf({ metadata, tensors: [] }), name));
}

/** Merges of the small byte-level vocabulary, in rank order ("Ġ" is a space, "Ċ" a newline). */
export const SMALL_BPE_MERGES: [string, string][] = [
  ['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['i', 'n'], ['Ġ', 'a'], ['e', 'r'], ['o', 'n'], ['Ġ', 's'], ['r', 'e'], ['a', 't'],
  ['Ġ', 'c'], ['Ġc', 'at'], ['Ġ', 'w'], ['o', 'r'], ['e', 'n'], ['Ġ', 'i'], ['Ġi', 's'], ['l', 'l'], ['Ċ', 'Ċ'], ['Ġ', 'Ġ'],
];

/** A normal token that no merge produces: only ignore_merges (llama-bpe) emits it whole. */
export const UNMERGED_TOKEN = 'Ġdog';

/** The ChatML control tokens of Qwen2 models, after the byte and merged tokens. */
export const CHATML_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

/**
 * Opens a byte-level BPE vocabulary: ids 0–255 are the byte characters in byte order, then one
 * token per merge, UNMERGED_TOKEN, then the ChatML tokens (control). BOS is `<|endoftext|>`, EOS `<|im_end|>`, and
 * add_bos_token is false, as in Qwen2.5 files.
 */
export async function smallByteLevelVocabulary(pre = 'qwen2', extra: Record<string, GgufValue> = {}): Promise<GgufFile> {
  const tokens = Array.from({ length: 256 }, (_, byte) => byteToChar(byte));
  tokens.push(...SMALL_BPE_MERGES.map(([a, b]) => a + b), UNMERGED_TOKEN, ...CHATML_TOKENS);
  const types = tokens.map((token) => (CHATML_TOKENS.includes(token) ? 3 : 1));
  const metadata: [string, GgufValue][] = [
    ['general.architecture', metadataValue.string('qwen2')],
    ['tokenizer.ggml.model', metadataValue.string('gpt2')],
    ['tokenizer.ggml.pre', metadataValue.string(pre)],
    ['tokenizer.ggml.tokens', metadataValue.stringArray(tokens)],
    ['tokenizer.ggml.token_type', metadataValue.array(GgufValueType.INT32, Int32Array.from(types))],
    ['tokenizer.ggml.merges', metadataValue.stringArray(SMALL_BPE_MERGES.map(([a, b]) => `${a} ${b}`))],
    ['tokenizer.ggml.bos_token_id', metadataValue.u32(tokens.indexOf('<|endoftext|>'))],
    ['tokenizer.ggml.eos_token_id', metadataValue.u32(tokens.indexOf('<|im_end|>'))],
    ['tokenizer.ggml.add_bos_token', metadataValue.bool(false)],
    ...Object.entries(extra),
  ];
  return openGguf(bytesSource(await encodeGguf({ metadata, tensors: [] }), `small-${pre}-vocab.gguf`));
}

/**
 * Reads llama.cpp's tokenizer test cases for `ggml-vocab-NAME.gguf` in `dir`: the `.inp` strings,
 * separated by lines `__ggml_vocab_test__`, and the expected ids without BOS, one line each in `.out`.
 */
export function readLlamaCppCases(dir: string, name: string): { text: string; ids: number[] }[] {
  const input = readFileSync(join(dir, `ggml-vocab-${name}.gguf.inp`), 'utf8');
  const expected = readFileSync(join(dir, `ggml-vocab-${name}.gguf.out`), 'utf8').split('\n');
  const separator = '\n__ggml_vocab_test__\n';
  const texts: string[] = [];
  for (let at = 0; at < input.length; ) {
    const next = input.indexOf(separator, at);
    if (next < 0) {
      texts.push(input.slice(at));
      break;
    }
    texts.push(input.slice(at, next));
    at = next + separator.length;
  }
  return texts.map((text, i) => ({ text, ids: expected[i].trim() === '' ? [] : expected[i].trim().split(' ').map(Number) }));
}
