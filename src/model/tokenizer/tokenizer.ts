/**
 * The tokenizer of a GGUF file, reproducing llama.cpp's token ids (llama_tokenize) and text
 * (llama_token_to_piece, llama_detokenize). See hf-models.ts for which steps run in
 * @huggingface/tokenizers and which in this project's code.
 */
import type { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import type { GgufFile } from '../gguf/file.ts';
import { byteLevelToBytes } from './byte-level.ts';
import { createByteLevelBpe, createSentencePieceBpe } from './hf-models.ts';
import { indexSpecialTokens, partitionSpecialTokens, type SpecialTokenEntry } from './special-tokens.ts';
import { readVocabulary, TokenAttr, type Vocabulary } from './vocab.ts';

export interface EncodeOptions {
  /** Add BOS and EOS where the model's add_bos_token / add_eos_token ask for them (default true). */
  addSpecial?: boolean;
  /** Read control tokens written in the text, such as `<|im_start|>`, as those tokens (default false). */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  /** Render control and unknown tokens as their text; by default they decode to nothing. */
  special?: boolean;
  /** Drop a leading BOS and a trailing EOS where the model adds them (default false). */
  removeSpecial?: boolean;
  /** Apply llama.cpp's clean-up of spaces before punctuation; defaults to the vocabulary's setting. */
  cleanSpaces?: boolean;
}

const SPACE_MARK = '\u2581';
const utf8Encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

export class GgufTokenizer {
  readonly vocab: Vocabulary;
  private readonly subwords: HfTokenizer;
  private readonly specialTokens: SpecialTokenEntry[];
  private readonly pieceCache = new Map<number, Uint8Array>();

  constructor(vocab: Vocabulary) {
    this.vocab = vocab;
    this.subwords = vocab.model === 'llama' ? createSentencePieceBpe(vocab) : createByteLevelBpe(vocab);
    this.specialTokens = indexSpecialTokens(vocab);
  }

  /** Reads the vocabulary from a GGUF file's metadata and builds its tokenizer. */
  static fromGguf(file: GgufFile): GgufTokenizer {
    return new GgufTokenizer(readVocabulary(file));
  }

  get vocabSize(): number {
    return this.vocab.tokens.length;
  }

  get bos(): number | null {
    return this.vocab.special.bos;
  }

  get eos(): number | null {
    return this.vocab.special.eos;
  }

  /** True for tokens that end generation (EOS, EOT and the end tokens llama.cpp recognises). */
  isEog(id: number): boolean {
    return this.vocab.eogIds.has(id);
  }

  /** Tokenizes `text` to ids as llama.cpp's llama_tokenize(text, add_special, parse_special) does. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const { addSpecial = true, parseSpecial = false } = options;
    const vocab = this.vocab;
    const ids: number[] = [];
    if (addSpecial && vocab.addBos) ids.push(vocab.special.bos!);

    // SentencePiece adds a space before text that starts the input or follows a special token.
    let afterSpecial = true;
    for (const fragment of partitionSpecialTokens(text, vocab, this.specialTokens, parseSpecial)) {
      if ('token' in fragment) {
        ids.push(fragment.token);
        afterSpecial = true;
        continue;
      }
      if (vocab.model === 'llama') {
        const prefixed = vocab.addSpacePrefix && afterSpecial ? ` ${fragment.text}` : fragment.text;
        this.appendSubwords(prefixed.replaceAll(' ', SPACE_MARK), ids);
      } else {
        this.appendSubwords(fragment.text, ids);
      }
      afterSpecial = false;
    }

    if (addSpecial && vocab.addEos) ids.push(vocab.special.eos!);
    return ids;
  }

  /**
   * Appends the ids of the library's subword strings. A byte-level string that is not a token
   * falls back to its single-byte tokens, and bytes of 0x80 and above are dropped, as in llama.cpp.
   */
  private appendSubwords(text: string, ids: number[]): void {
    for (const piece of this.subwords.tokenize(text, { add_special_tokens: false })) {
      const id = this.vocab.tokenToId.get(piece);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      for (const byte of utf8Encoder.encode(piece)) {
        const byteId = byte < 0x80 ? this.vocab.tokenToId.get(String.fromCharCode(byte)) : undefined;
        if (byteId !== undefined) ids.push(byteId);
      }
    }
  }

  /**
   * Returns the bytes a token stands for, as llama.cpp's llama_token_to_piece does: control and
   * unknown tokens give nothing unless `special` is set, user-defined tokens their text, byte
   * tokens one byte. A piece can be part of a UTF-8 character, so it is bytes, not text.
   */
  tokenBytes(id: number, special = false): Uint8Array {
    const vocab = this.vocab;
    if (!Number.isInteger(id) || id < 0 || id >= vocab.tokens.length) {
      throw new RangeError(`token id ${id} is outside the vocabulary of ${vocab.tokens.length} tokens (${vocab.source})`);
    }
    const attr = vocab.attrs[id];
    if (attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) return special ? utf8Encoder.encode(vocab.tokens[id]) : EMPTY;
    let piece = this.pieceCache.get(id);
    if (piece) return piece;
    const text = vocab.tokens[id];
    if (attr & TokenAttr.USER_DEFINED) piece = utf8Encoder.encode(text);
    else if (attr & TokenAttr.NORMAL) piece = vocab.model === 'llama' ? utf8Encoder.encode(text.replaceAll(SPACE_MARK, ' ')) : Uint8Array.from(byteLevelToBytes(text));
    else if (attr & TokenAttr.BYTE) piece = Uint8Array.of(parseInt(text.slice(3, 5), 16));
    else piece = EMPTY;
    this.pieceCache.set(id, piece);
    return piece;
  }

  /** Returns a token's piece as text, with U+FFFD where the piece is part of a UTF-8 character. */
  tokenPiece(id: number, special = false): string {
    return new TextDecoder().decode(this.tokenBytes(id, special));
  }

  /**
   * Detokenizes ids as llama.cpp's llama_detokenize: the leading space that SentencePiece adds is
   * removed from the first piece, and vocabularies with clean_spaces drop spaces before `?!.,`
   * and some contractions.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const vocab = this.vocab;
    const { special = false, removeSpecial = false, cleanSpaces = vocab.cleanSpaces } = options;
    let tokens = ids;
    let removeSpace = vocab.addSpacePrefix;
    if (removeSpecial && vocab.addBos && tokens.length > 0 && tokens[0] === vocab.special.bos) {
      removeSpace = false;
      tokens = tokens.slice(1);
    }
    if (removeSpecial && vocab.addEos && tokens.length > 0 && tokens[tokens.length - 1] === vocab.special.eos) tokens = tokens.slice(0, -1);

    const bytes: number[] = [];
    for (const id of tokens) {
      let piece = this.tokenBytes(id, special);
      if (removeSpace && piece[0] === 0x20) piece = piece.subarray(1);
      removeSpace = false;
      for (const byte of piece) bytes.push(byte);
    }
    const text = cleanSpaces ? cleanUpSpaces(bytes) : bytes;
    return new TextDecoder().decode(Uint8Array.from(text));
  }

  /** Creates a decoder that turns generated ids into text as they arrive, holding back incomplete UTF-8 characters. */
  createStreamDecoder(special = false): TokenStreamDecoder {
    return new TokenStreamDecoder(this, special);
  }
}

/** Incremental detokenization for generation: the concatenated pieces, as llama.cpp's examples print them. */
export class TokenStreamDecoder {
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly tokenizer: GgufTokenizer,
    private readonly special: boolean,
  ) {}

  /** Returns the text completed by this token (possibly empty while a character is incomplete). */
  push(id: number): string {
    return this.decoder.decode(this.tokenizer.tokenBytes(id, this.special), { stream: true });
  }

  /** Returns what is left, with U+FFFD for an incomplete final character. */
  flush(): string {
    return this.decoder.decode();
  }
}

/**
 * llama.cpp's clean_spaces passes over the detokenized bytes: drop a space before `?!.,`, turn
 * " ' " into "'", and drop the space before 's 'm 're 've.
 */
function cleanUpSpaces(input: number[]): number[] {
  const SPACE = 0x20;
  const QUOTE = 0x27;
  const code = (c: string) => c.charCodeAt(0);

  let text = input.slice();
  let out: number[] = text.slice(0, 1);
  for (let i = 1; i < text.length; i++) {
    const x = text[i];
    if (text[i - 1] === SPACE && (x === code('?') || x === code('!') || x === code('.') || x === code(','))) out.pop();
    out.push(x);
  }

  text = out;
  out = text.slice(0, 1);
  for (let i = 1; i < text.length; i++) {
    const x = text[i];
    if (x === QUOTE && i + 1 < text.length && text[i - 1] === SPACE && text[i + 1] === SPACE) {
      out.pop();
      // The space after the apostrophe is skipped, and zeroed so the next test does not see it.
      text[++i] = 0;
    }
    out.push(x);
  }

  text = out;
  out = text.slice(0, 1);
  for (let i = 1; i < text.length; i++) {
    const x = text[i];
    if (text[i - 1] === SPACE && x === QUOTE && i + 1 < text.length) {
      const x1 = text[i + 1];
      const x2 = i + 2 < text.length ? text[i + 2] : -1;
      const contraction = x1 === code('s') || x1 === code('m') || ((x1 === code('r') || x1 === code('v')) && x2 === code('e'));
      if (contraction) out.pop();
    }
    out.push(x);
  }
  return out;
}
