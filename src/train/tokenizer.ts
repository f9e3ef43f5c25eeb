/**
 * The tokenizer a training run uses, kept as GGUF `tokenizer.*` metadata so that the exported model
 * carries exactly the vocabulary it was trained with. Encoding always goes through the project's
 * GgufTokenizer built from that metadata (written to a vocabulary-only GGUF and read back), so the
 * ids seen in training are the ids the workbench and llama.cpp produce when they load the export.
 *
 * Models trained from scratch get a SentencePiece-style vocabulary (`tokenizer.ggml.model` =
 * "llama") that llama.cpp loads unchanged: `<unk>`, `<s>`, `</s>`, `<pad>`, the 256 byte tokens
 * `<0x00>`…`<0xFF>` for byte fallback, user-defined tokens for fixed texts such as the parts of the
 * prompt template (matched in the text before anything else, by llama.cpp as by this project), single
 * characters, then merged tokens learned from the training texts (bpe.ts) whose scores fall with
 * the merge order, so llama.cpp's highest-score-first merging applies them in the order learned.
 */
import type { GgufFile } from '../model/gguf/file.ts';
import { metadataValue, type GgufValue } from '../model/gguf/metadata.ts';
import { openGguf } from '../model/gguf/reader.ts';
import { bytesSource } from '../model/gguf/source.ts';
import { encodeGguf } from '../model/gguf/writer.ts';
import { GgufTokenizer } from '../model/tokenizer/tokenizer.ts';
import { learnBpe, SPACE_MARK } from './bpe.ts';

/** llama.cpp's token types (`tokenizer.ggml.token_type`). */
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, byte: 6 } as const;

/** The special tokens at the start of a from-scratch vocabulary, in id order. */
export const SPECIAL_TOKENS = { unk: '<unk>', bos: '<s>', eos: '</s>', pad: '<pad>' } as const;
const BASE_TOKENS = 4 + 256;

export type TokenizerKind = 'bpe' | 'byte' | 'gguf';

/** Smallest vocabulary a BPE tokenizer may ask for: the base tokens plus room for an alphabet. */
export const MIN_BPE_VOCAB = BASE_TOKENS + 64;
export const DEFAULT_BPE_VOCAB = 768;

export class TrainingTokenizer {
  private constructor(
    readonly kind: TokenizerKind,
    /** Every `tokenizer.*` key, ready for the exported GGUF. */
    readonly metadata: [string, GgufValue][],
    readonly tokenizer: GgufTokenizer,
  ) {
    if (tokenizer.eos === null) throw new Error(`The tokenizer of ${tokenizer.vocab.source} has no EOS token, so responses could not be terminated.`);
  }

  /** Builds the tokenizer from `tokenizer.*` metadata by way of a vocabulary-only GGUF file. */
  static async fromMetadata(kind: TokenizerKind, metadata: [string, GgufValue][], name = `${kind}-vocabulary.gguf`): Promise<TrainingTokenizer> {
    const file = await openGguf(bytesSource(await encodeGguf({ metadata, tensors: [] }), name));
    return new TrainingTokenizer(kind, metadata, GgufTokenizer.fromGguf(file));
  }

  /** Uses the vocabulary of a model file (for fine-tuning a GGUF model). */
  static fromModelFile(file: GgufFile): TrainingTokenizer {
    const metadata = [...file.metadata].filter(([key]) => key.startsWith('tokenizer.'));
    return new TrainingTokenizer('gguf', metadata, GgufTokenizer.fromGguf(file));
  }

  /** Reads a tokenizer stored by toGguf (for example in a checkpoint). */
  static async fromGguf(bytes: Uint8Array, kind: TokenizerKind): Promise<TrainingTokenizer> {
    const file = await openGguf(bytesSource(bytes, 'checkpoint-vocabulary.gguf'));
    return TrainingTokenizer.fromMetadata(kind, [...file.metadata], file.name);
  }

  /** Encodes the metadata as a vocabulary-only GGUF file. */
  toGguf(): Promise<Uint8Array> {
    return encodeGguf({ metadata: this.metadata, tensors: [] });
  }

  get vocabSize(): number {
    return this.tokenizer.vocabSize;
  }

  /** The BOS id when the vocabulary adds one before a prompt (add_bos_token), else null. */
  get bos(): number | null {
    return this.tokenizer.vocab.addBos ? this.tokenizer.bos : null;
  }

  get eos(): number {
    return this.tokenizer.eos!;
  }

  /** The padding id: the vocabulary's PAD, else EOS. Padding never carries loss. */
  get pad(): number {
    return this.tokenizer.vocab.special.pad ?? this.eos;
  }

  /** Token ids of `text` without BOS or EOS; special-token text is read as plain text. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { addSpecial: false, parseSpecial: false });
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids);
  }
}

function byteToken(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/**
 * Builds the metadata of a SentencePiece-style vocabulary: special tokens, byte tokens, user-defined
 * tokens, then `normal` tokens (single characters and merged texts) with scores that fall with their
 * position. Normal tokens write spaces as "▁", while user-defined tokens keep the text as it is.
 */
export function sentencePieceMetadata(normalTokens: readonly string[], userDefined: readonly string[] = []): [string, GgufValue][] {
  const tokens: string[] = [SPECIAL_TOKENS.unk, SPECIAL_TOKENS.bos, SPECIAL_TOKENS.eos, SPECIAL_TOKENS.pad];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control, TOKEN_TYPE.control];
  const scores: number[] = [0, 0, 0, 0];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(byteToken(byte));
    types.push(TOKEN_TYPE.byte);
    scores.push(0);
  }
  const seen = new Set(tokens);
  for (const text of userDefined) {
    if (text === '' || seen.has(text)) throw new Error(`User-defined token ${JSON.stringify(text)} is empty or appears twice.`);
    seen.add(text);
    tokens.push(text);
    types.push(TOKEN_TYPE.userDefined);
    scores.push(0);
  }
  normalTokens.forEach((token, index) => {
    if (seen.has(token)) throw new Error(`Token ${JSON.stringify(token)} appears twice in the vocabulary being built.`);
    seen.add(token);
    tokens.push(token);
    types.push(TOKEN_TYPE.normal);
    // Only the scores of tokens that two smaller pieces can form affect llama.cpp's merging.
    scores.push(-(index + 1));
  });
  return [
    ['tokenizer.ggml.model', metadataValue.string('llama')],
    ['tokenizer.ggml.tokens', metadataValue.stringArray(tokens)],
    ['tokenizer.ggml.scores', metadataValue.f32Array(scores)],
    ['tokenizer.ggml.token_type', metadataValue.i32Array(types)],
    ['tokenizer.ggml.bos_token_id', metadataValue.u32(1)],
    ['tokenizer.ggml.eos_token_id', metadataValue.u32(2)],
    ['tokenizer.ggml.unknown_token_id', metadataValue.u32(0)],
    ['tokenizer.ggml.padding_token_id', metadataValue.u32(3)],
    ['tokenizer.ggml.add_bos_token', metadataValue.bool(true)],
    ['tokenizer.ggml.add_eos_token', metadataValue.bool(false)],
    // The text is taken as written: no space is put before the prompt.
    ['tokenizer.ggml.add_space_prefix', metadataValue.bool(false)],
  ];
}

/**
 * Builds a byte-level vocabulary of 261 tokens: the special tokens, the 256 byte tokens and "▁", so a
 * space costs one token. Every other character is spelled in UTF-8 bytes.
 */
export function buildByteTokenizer(): Promise<TrainingTokenizer> {
  return TrainingTokenizer.fromMetadata('byte', sentencePieceMetadata([SPACE_MARK]));
}

export interface BpeTokenizerOptions {
  /** Total vocabulary size, special, byte and user-defined tokens included (at least MIN_BPE_VOCAB). */
  vocabSize: number;
  maxTokenLength?: number;
  /** Fixed texts that become one token each, such as the parts of the prompt template. */
  userDefined?: readonly string[];
}

/** Learns a BPE vocabulary of at most `vocabSize` tokens from the texts (see bpe.ts for the rules). */
export async function buildBpeTokenizer(texts: Iterable<string>, options: BpeTokenizerOptions): Promise<TrainingTokenizer> {
  const { vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < MIN_BPE_VOCAB) {
    throw new RangeError(`The BPE vocabulary size must be an integer of at least ${MIN_BPE_VOCAB} (4 special tokens, 256 byte tokens and an alphabet), got ${vocabSize}.`);
  }
  const userDefined = [...new Set(options.userDefined ?? [])].filter((text) => text !== '');
  const room = vocabSize - BASE_TOKENS - userDefined.length;
  if (room < 64) throw new RangeError(`A vocabulary of ${vocabSize} tokens leaves no room for an alphabet after ${BASE_TOKENS + userDefined.length} special, byte and user-defined tokens.`);
  const learned = learnBpe(texts, { maxAlphabet: Math.floor(room / 2), tokenBudget: room, maxTokenLength: options.maxTokenLength, exclude: userDefined });
  return TrainingTokenizer.fromMetadata('bpe', sentencePieceMetadata([...learned.alphabet, ...learned.merged], userDefined));
}
