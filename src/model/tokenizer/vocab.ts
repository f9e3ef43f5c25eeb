/**
 * The vocabulary of a GGUF file, read from its `tokenizer.*` metadata. Where the file leaves
 * something out, llama.cpp's rules apply (src/llama-vocab.cpp, `llama_vocab::impl::load`): default
 * special ids per tokenizer type, add_bos/add_eos defaults, control tokens recognised by their
 * text and the end-of-generation set. Only metadata is read, so vocabulary-only files work.
 */
import type { GgufFile } from '../gguf/file.ts';
import { GgufValueType } from '../gguf/metadata.ts';
import { PRE_TOKENIZER_NAMES, preTokenizerSpec, type PreTokenizerSpec } from './pre-tokenizers.ts';

/** `tokenizer.ggml.model`: `llama` is SentencePiece-style (scores, byte fallback), `gpt2` byte-level BPE. */
export type TokenizerModelName = 'llama' | 'gpt2';

/** Token attributes as bit flags, as llama.cpp keeps them (a token can gain CONTROL or UNUSED). */
export const TokenAttr = {
  UNDEFINED: 0,
  UNKNOWN: 1 << 0,
  UNUSED: 1 << 1,
  NORMAL: 1 << 2,
  CONTROL: 1 << 3,
  USER_DEFINED: 1 << 4,
  BYTE: 1 << 5,
} as const;

/** Attribute of each GGUF `tokenizer.ggml.token_type` value (llama.cpp's llama_token_type, 0–6). */
const ATTR_OF_TYPE = [TokenAttr.UNDEFINED, TokenAttr.NORMAL, TokenAttr.UNKNOWN, TokenAttr.CONTROL, TokenAttr.USER_DEFINED, TokenAttr.UNUSED, TokenAttr.BYTE];

/** Special token ids; null when the vocabulary has none. */
export interface SpecialTokenIds {
  bos: number | null;
  eos: number | null;
  /** End of turn, e.g. `<|im_end|>` or `<|eot_id|>`. */
  eot: number | null;
  /** End of message (`<|eom_id|>`). */
  eom: number | null;
  unk: number | null;
  sep: number | null;
  pad: number | null;
  mask: number | null;
}

export interface Vocabulary {
  /** The file the vocabulary was read from, for messages. */
  source: string;
  model: TokenizerModelName;
  /** `tokenizer.ggml.pre` as written, or 'default' when absent. */
  preName: string;
  /** The pre-tokenizer of a gpt2 vocabulary; null for llama (SentencePiece), which has none. */
  pre: PreTokenizerSpec | null;
  tokens: string[];
  tokenToId: Map<string, number>;
  scores: Float32Array;
  /** TokenAttr flags per token. */
  attrs: Uint8Array;
  /** BPE merges as [left, right] pairs in rank order (gpt2 only; empty for llama). */
  merges: [string, string][];
  special: SpecialTokenIds;
  /** Tokens that end generation: EOS, EOT, EOM and the end tokens llama.cpp recognises by text. */
  eogIds: Set<number>;
  addBos: boolean;
  addEos: boolean;
  /** SentencePiece: prepend a space to text that starts a prompt or follows a special token. */
  addSpacePrefix: boolean;
  /** Detokenizing removes spaces before punctuation and some contractions (llama.cpp's clean_spaces). */
  cleanSpaces: boolean;
  /** BPE: a pre-tokenized word that is itself a token is not split by merges. */
  ignoreMerges: boolean;
  /** `tokenizer.chat_template`, or null when the file has none. */
  chatTemplate: string | null;
  /** Ignored metadata, such as a special token id past the end of the vocabulary (as llama.cpp logs them). */
  warnings: string[];
}

const KEY = {
  model: 'tokenizer.ggml.model',
  pre: 'tokenizer.ggml.pre',
  tokens: 'tokenizer.ggml.tokens',
  scores: 'tokenizer.ggml.scores',
  tokenType: 'tokenizer.ggml.token_type',
  merges: 'tokenizer.ggml.merges',
  addBos: 'tokenizer.ggml.add_bos_token',
  addEos: 'tokenizer.ggml.add_eos_token',
  addSpacePrefix: 'tokenizer.ggml.add_space_prefix',
  chatTemplate: 'tokenizer.chat_template',
} as const;

/** Metadata keys of the special ids; `seperator` is spelled as llama.cpp's converter writes it. */
const SPECIAL_ID_KEYS: [keyof SpecialTokenIds, string][] = [
  ['bos', 'tokenizer.ggml.bos_token_id'],
  ['eos', 'tokenizer.ggml.eos_token_id'],
  ['eot', 'tokenizer.ggml.eot_token_id'],
  ['eom', 'tokenizer.ggml.eom_token_id'],
  ['unk', 'tokenizer.ggml.unknown_token_id'],
  ['sep', 'tokenizer.ggml.seperator_token_id'],
  ['pad', 'tokenizer.ggml.padding_token_id'],
  ['mask', 'tokenizer.ggml.mask_token_id'],
];

/** Texts llama.cpp takes as the end-of-turn token when `eot_token_id` is absent, in priority order. */
const EOT_TEXTS = ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>', '<EOT>', '_<EOT>', '<｜end▁of▁sentence｜>'];
/**
 * Fill-in-the-middle tokens that llama.cpp also treats as end of generation: pad, repository and
 * file separator, each taken from its metadata key or else from the first text found.
 */
const FIM_END_TOKENS: { key: string; texts: string[] }[] = [
  { key: 'tokenizer.ggml.fim_pad_token_id', texts: ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>'] },
  { key: 'tokenizer.ggml.fim_rep_token_id', texts: ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>'] },
  { key: 'tokenizer.ggml.fim_sep_token_id', texts: ['<|file_sep|>'] },
];
/** Texts that end generation whatever their id (llama.cpp's EOG list for the supported families). */
const EOG_TEXTS = ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '</s>', '<|eom_id|>', '<EOT>', '_<EOT>', '<|end_of_text|>', '<｜end▁of▁sentence｜>'];

/** Reads a string array, failing with the key name when it is missing or of another type. */
function requireStringArray(file: GgufFile, key: string): string[] {
  const value = file.getStringArray(key);
  if (value === undefined) throw file.error(key, 'required key is missing (expected an array of strings)');
  return value;
}

function readScores(file: GgufFile, count: number): Float32Array {
  const array = file.getArray(KEY.scores);
  const scores = new Float32Array(count);
  if (!array) return scores;
  if (array.itemType !== GgufValueType.FLOAT32 && array.itemType !== GgufValueType.INT32) {
    throw file.error(KEY.scores, 'expected an array of f32 or i32 scores');
  }
  if (array.items.length < count) throw file.error(KEY.scores, `has ${array.items.length} scores for ${count} tokens`);
  scores.set((array.items as Float32Array | Int32Array).subarray(0, count));
  return scores;
}

function readAttrs(file: GgufFile, count: number): Uint8Array {
  const attrs = new Uint8Array(count).fill(TokenAttr.NORMAL);
  const array = file.getArray(KEY.tokenType);
  if (!array) return attrs;
  if (array.itemType !== GgufValueType.INT32) throw file.error(KEY.tokenType, 'expected an array of i32 token types');
  if (array.items.length < count) throw file.error(KEY.tokenType, `has ${array.items.length} token types for ${count} tokens`);
  const types = array.items as Int32Array;
  for (let id = 0; id < count; id++) attrs[id] = ATTR_OF_TYPE[types[id]] ?? TokenAttr.UNDEFINED;
  return attrs;
}

/** Splits merges the way llama.cpp does: at the first space after the first character; the first rank of a duplicate wins. */
function readMerges(file: GgufFile): [string, string][] {
  const lines = requireStringArray(file, KEY.merges);
  const seen = new Set<string>();
  const merges: [string, string][] = [];
  for (let rank = 0; rank < lines.length; rank++) {
    const line = lines[rank];
    const space = line.indexOf(' ', 1);
    if (space < 0) throw file.error(KEY.merges, `merge ${rank} "${line}" has no space between its two parts`);
    const pair: [string, string] = [line.slice(0, space), line.slice(space + 1)];
    const key = `${pair[0]} ${pair[1]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    merges.push(pair);
  }
  return merges;
}

/**
 * Reads the vocabulary of a GGUF file. Throws a GgufError naming the key when a required key is
 * missing, has the wrong type, or the tokenizer type or pre-tokenizer is not supported.
 */
export function readVocabulary(file: GgufFile): Vocabulary {
  const modelName = file.requireString(KEY.model);
  if (modelName !== 'llama' && modelName !== 'gpt2') {
    throw file.error(KEY.model, `tokenizer "${modelName}" is not supported; supported: llama (SentencePiece), gpt2 (byte-level BPE)`);
  }
  const model: TokenizerModelName = modelName;
  const preName = file.getString(KEY.pre) ?? 'default';
  const warnings: string[] = [];

  // A copy, because empty tokens are renamed below and the file's metadata must stay as read.
  const tokens = [...requireStringArray(file, KEY.tokens)];
  const count = tokens.length;
  if (count === 0) throw file.error(KEY.tokens, 'the token list is empty');
  const tokenToId = new Map<string, number>();
  for (let id = 0; id < count; id++) {
    let text = tokens[id];
    if (text === '') {
      text = `[EMPTY_${id}]`;
      tokens[id] = text;
      warnings.push(`token ${id} is empty; it is named ${text}`);
    }
    const previous = tokenToId.get(text);
    if (previous !== undefined) throw file.error(KEY.tokens, `duplicate token ${JSON.stringify(text)} has ids ${previous} and ${id}`);
    tokenToId.set(text, id);
  }
  const scores = readScores(file, count);
  const attrs = readAttrs(file, count);

  let pre: PreTokenizerSpec | null = null;
  let addBos: boolean;
  let addSpacePrefix: boolean;
  let cleanSpaces: boolean;
  let ignoreMerges = false;
  let merges: [string, string][] = [];
  const special: SpecialTokenIds = { bos: null, eos: null, eot: null, eom: null, unk: null, sep: null, pad: null, mask: null };
  if (model === 'llama') {
    Object.assign(special, { bos: 1, eos: 2, unk: 0 });
    addBos = true;
    addSpacePrefix = true;
    cleanSpaces = false;
  } else {
    pre = preTokenizerSpec(preName) ?? null;
    if (!pre) throw file.error(KEY.pre, `pre-tokenizer "${preName}" is not supported; supported: ${PRE_TOKENIZER_NAMES.join(', ')}`);
    merges = readMerges(file);
    // llama.cpp's defaults for BPE vocabularies, overridden by the keys below when present.
    Object.assign(special, { bos: 11, eos: 11 });
    addBos = pre.addBos;
    addSpacePrefix = false;
    cleanSpaces = pre.cleanSpaces;
    ignoreMerges = pre.ignoreMerges;
  }
  addSpacePrefix = file.getBoolean(KEY.addSpacePrefix) ?? addSpacePrefix;

  for (const [name, key] of SPECIAL_ID_KEYS) {
    const fallback = special[name];
    if (fallback !== null && fallback >= count) {
      warnings.push(`default ${name} id ${fallback} is outside the vocabulary; there is no ${name} token`);
      special[name] = null;
    }
    const id = file.getCount(key);
    if (id === undefined) continue;
    if (id >= count) warnings.push(`${key} = ${id} is outside the vocabulary of ${count} tokens; ignored`);
    else special[name] = id;
  }

  addBos = file.getBoolean(KEY.addBos) ?? addBos;
  const addEos = file.getBoolean(KEY.addEos) ?? false;
  if (addBos && special.bos === null) throw file.error(KEY.addBos, 'is true, but the vocabulary has no BOS token (tokenizer.ggml.bos_token_id)');
  if (addEos && special.eos === null) throw file.error(KEY.addEos, 'is true, but the vocabulary has no EOS token (tokenizer.ggml.eos_token_id)');

  const fimIds = new Map<string, number>();
  for (const { key } of FIM_END_TOKENS) {
    const id = file.getCount(key);
    if (id !== undefined && id < count) fimIds.set(key, id);
  }
  const eogIds = detectEndTokens(tokens, tokenToId, attrs, special, fimIds, warnings);

  return {
    source: file.name,
    model,
    preName,
    pre,
    tokens,
    tokenToId,
    scores,
    attrs,
    merges,
    special,
    eogIds,
    addBos,
    addEos,
    addSpacePrefix,
    cleanSpaces,
    ignoreMerges,
    chatTemplate: file.getString(KEY.chatTemplate) ?? null,
    warnings,
  };
}

/** Marks a token as control when its text names an end token (llama.cpp does the same, with a warning). */
function markControl(id: number, tokens: string[], attrs: Uint8Array, warnings: string[]): void {
  if (attrs[id] & TokenAttr.CONTROL) return;
  attrs[id] |= TokenAttr.CONTROL;
  warnings.push(`token ${id} ${JSON.stringify(tokens[id])} ends generation but is not a control token; treated as control`);
}

/**
 * Finds EOT when the file has no id for it, marks control tokens named "unused" as unused, and
 * returns the end-of-generation set. `fileIds` maps FIM metadata keys to the ids the file gives.
 * NOTE: llama.cpp picks EOT by iterating a hash map, so its choice between two candidate texts is
 * unspecified. This picks the first in EOT_TEXTS. The EOG set is the same either way.
 */
function detectEndTokens(
  tokens: string[],
  tokenToId: Map<string, number>,
  attrs: Uint8Array,
  special: SpecialTokenIds,
  fileIds: Map<string, number>,
  warnings: string[],
): Set<number> {
  if (special.eot === null) {
    const text = EOT_TEXTS.find((t) => tokenToId.has(t));
    if (text !== undefined) {
      special.eot = tokenToId.get(text)!;
      markControl(special.eot, tokens, attrs, warnings);
    }
  }
  for (let id = 0; id < attrs.length; id++) {
    if (attrs[id] & TokenAttr.CONTROL && tokens[id].includes('unused')) attrs[id] |= TokenAttr.UNUSED;
  }

  const eog = new Set<number>();
  for (const { key, texts } of FIM_END_TOKENS) {
    const id = fileIds.get(key) ?? tokenToId.get(texts.find((t) => tokenToId.has(t)) ?? '');
    if (id === undefined) continue;
    eog.add(id);
    markControl(id, tokens, attrs, warnings);
  }
  for (const text of EOG_TEXTS) {
    const id = tokenToId.get(text);
    if (id === undefined) continue;
    eog.add(id);
    markControl(id, tokens, attrs, warnings);
  }
  for (const id of [special.eos, special.eot, special.eom]) if (id !== null) eog.add(id);
  return eog;
}
