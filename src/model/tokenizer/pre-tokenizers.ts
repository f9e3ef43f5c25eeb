/**
 * Pre-tokenizers of byte-level BPE vocabularies, by their `tokenizer.ggml.pre` name. Each is a list
 * of regular expressions applied in order: every expression splits each piece left by the previous
 * one into its matches and the text between them (Hugging Face's "Isolated" split behaviour, and
 * what llama.cpp's unicode_regex_split does). Patterns are written in the Oniguruma syntax of
 * tokenizer.json files, which @huggingface/tokenizers translates to JavaScript. There `\s` is the
 * Unicode White_Space property, the same whitespace set as llama.cpp's own tables.
 *
 * The expressions reproduce llama.cpp's (src/llama-vocab.cpp, llm_tokenizer_bpe) behaviour, not
 * always its spelling, where llama.cpp's regex engine differs from the one used here:
 * - llama.cpp runs patterns without Unicode classes through std::wregex after replacing every
 *   non-ASCII whitespace character with U+000B, so those characters never match an explicit range
 *   such as U+0800–U+4E00. The deepseek-llm ranges below leave them out for the same result.
 * - std::regex's `$` matches only at the end of a piece; Oniguruma's also before a newline, so the
 *   end of a piece is written `\z`.
 * - Case-insensitive contractions are spelled out (`'[sS]`), as llama.cpp does, because Unicode
 *   case folding would also match characters such as U+017F for `s`.
 */

export interface PreTokenizerSpec {
  /** Oniguruma-syntax patterns applied one after the other (see the file comment). */
  patterns: string[];
  /** Detokenizing removes a space before `?!.,` and before some contractions. */
  cleanSpaces: boolean;
  /** A pre-tokenized word that is itself a token is emitted without applying merges. */
  ignoreMerges: boolean;
  /** Default of `tokenizer.ggml.add_bos_token` when the file does not set it. */
  addBos: boolean;
}

/** GPT-2's pattern (OpenAI's encoder), also the core of llama.cpp's default BPE pre-tokenizer. */
const GPT2 = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/** LLaMA-3's pattern: contractions, words with one leading non-letter, digits in groups of 1–3. */
const LLAMA3 = String.raw`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

/** Qwen2's pattern: LLaMA-3's with every digit on its own. */
const QWEN2 = String.raw`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

/**
 * Builds a character class from code point ranges. The ranges are numbers rather than literal
 * characters because some of them (U+1FD3, U+2126, U+212A, …) are singletons that Unicode
 * normalization of a source file would silently replace.
 */
function characterClass(ranges: [number, number][]): string {
  return ranges.map(([first, last]) => (first === last ? String.fromCodePoint(first) : `${String.fromCodePoint(first)}-${String.fromCodePoint(last)}`)).join('');
}

/** DeepSeek LLM's letters: the cased letters (Lu, Ll, Lt) of Latin, Greek, Cyrillic, Armenian, Georgian, Cherokee and others. */
const DEEPSEEK_LETTERS: [number, number][] = [
  [0x41, 0x5a], [0x61, 0x7a], [0xb5, 0xb5], [0xc0, 0xd6], [0xd8, 0xf6], [0xf8, 0x1ba], [0x1bc, 0x1bf], [0x1c4, 0x293],
  [0x295, 0x2af], [0x370, 0x373], [0x376, 0x377], [0x37b, 0x37d], [0x37f, 0x37f], [0x386, 0x386], [0x388, 0x38a],
  [0x38c, 0x38c], [0x38e, 0x3a1], [0x3a3, 0x3f5], [0x3f7, 0x481], [0x48a, 0x52f], [0x531, 0x556], [0x10a0, 0x10c5],
  [0x13a0, 0x13f5], [0x13f8, 0x13fd], [0x1c90, 0x1cba], [0x1cbd, 0x1cbf], [0x1d00, 0x1d2b], [0x1d6b, 0x1d77],
  [0x1d79, 0x1d9a], [0x1e00, 0x1f15], [0x1f18, 0x1f1d], [0x1f20, 0x1f45], [0x1f48, 0x1f4d], [0x1f50, 0x1f57],
  [0x1f59, 0x1f59], [0x1f5b, 0x1f5b], [0x1f5d, 0x1f5d], [0x1f5f, 0x1f7d], [0x1f80, 0x1fb4], [0x1fb6, 0x1fbc],
  [0x1fbe, 0x1fbe], [0x1fc2, 0x1fc4], [0x1fc6, 0x1fcc], [0x1fd0, 0x1fd3], [0x1fd6, 0x1fdb], [0x1fe0, 0x1fec],
  [0x1ff2, 0x1ff4], [0x1ff6, 0x1ffc], [0x2102, 0x2102], [0x2107, 0x2107], [0x210a, 0x2113], [0x2115, 0x2115],
  [0x2119, 0x211d], [0x2124, 0x2124], [0x2126, 0x2126], [0x2128, 0x2128], [0x212a, 0x212d], [0x212f, 0x2134],
  [0x2139, 0x2139], [0x213c, 0x213f], [0x2145, 0x2149], [0x214e, 0x214e], [0x2183, 0x2184], [0x2c00, 0x2c7b],
  [0x2c7e, 0x2ce4], [0x2ceb, 0x2cee], [0x2cf2, 0x2cf3], [0xa640, 0xa66d], [0xa680, 0xa69b], [0xa722, 0xa76f],
  [0xa771, 0xa787], [0xa78b, 0xa78e], [0xab70, 0xabbf], [0xfb00, 0xfb06], [0xfb13, 0xfb17], [0xff21, 0xff3a],
  [0xff41, 0xff5a], [0x10400, 0x1044f], [0x104b0, 0x104d3], [0x104d8, 0x104fb], [0x10c80, 0x10cb2], [0x10cc0, 0x10cf2],
  [0x118a0, 0x118df], [0x1e900, 0x1e943],
];

/**
 * DeepSeek LLM's punctuation: ASCII, full-width forms, quotation marks U+2018–U+201F and U+3001–U+3002.
 * DeepSeek's own range starts at U+3000 (ideographic space), a whitespace character, left out here.
 */
const DEEPSEEK_PUNCTUATION: [number, number][] = [[0x21, 0x2f], [0x3a, 0x7e], [0xff01, 0xff0f], [0xff1a, 0xff5e], [0x2018, 0x201f], [0x3001, 0x3002]];

/**
 * DeepSeek LLM's CJK runs: U+4E00–U+9FA5, U+0800–U+4E00 and Hangul U+AC00–U+D7FF. The middle range
 * contains whitespace characters (U+1680, U+2000–U+200A, U+3000, …), excluded by the lookahead.
 */
const DEEPSEEK_CJK: [number, number][] = [[0x4e00, 0x9fa5], [0x800, 0x4e00], [0xac00, 0xd7ff]];

/** DeepSeek LLM (and DeepSeekMath): line breaks, cased-letter words, punctuation, trailing whitespace, CJK runs, numbers. */
const DEEPSEEK_LLM = [
  String.raw`[\r\n]`,
  String.raw`\s?[${characterClass(DEEPSEEK_LETTERS)}]+`,
  String.raw`\s?[${characterClass(DEEPSEEK_PUNCTUATION)}]+`,
  String.raw`\s+\z`,
  String.raw`(?:(?!\s)[${characterClass(DEEPSEEK_CJK)}])+`,
  String.raw`\p{N}+`,
];

/** llama.cpp's pre-tokenizer for BPE files without `tokenizer.ggml.pre` (old conversions). */
const DEFAULT = [String.raw`[\p{P}\$\+<=>\^~\|]+`, GPT2, String.raw`\p{N}+`, '[0-9][0-9][0-9]'];

const SPECS: Record<string, PreTokenizerSpec> = {
  default: { patterns: DEFAULT, cleanSpaces: true, ignoreMerges: false, addBos: false },
  'gpt-2': { patterns: [GPT2], cleanSpaces: true, ignoreMerges: false, addBos: false },
  'llama-bpe': { patterns: [LLAMA3], cleanSpaces: true, ignoreMerges: true, addBos: true },
  qwen2: { patterns: [QWEN2], cleanSpaces: false, ignoreMerges: false, addBos: false },
  'deepseek-llm': { patterns: DEEPSEEK_LLM, cleanSpaces: false, ignoreMerges: false, addBos: false },
};

/** Other names llama.cpp maps to the same pattern and flags. */
const ALIASES: Record<string, string> = {
  'phi-2': 'gpt-2',
  mpt: 'gpt-2',
  olmo: 'gpt-2',
  llama3: 'llama-bpe',
  'llama-v3': 'llama-bpe',
  'deepseek-r1-qwen': 'qwen2',
};

/** Every `tokenizer.ggml.pre` value this project reads. */
export const PRE_TOKENIZER_NAMES = [...Object.keys(SPECS), ...Object.keys(ALIASES)];

/** Returns the pre-tokenizer for a `tokenizer.ggml.pre` name, or undefined when it is not supported. */
export function preTokenizerSpec(name: string): PreTokenizerSpec | undefined {
  const canonical = Object.hasOwn(ALIASES, name) ? ALIASES[name] : name;
  return Object.hasOwn(SPECS, canonical) ? SPECS[canonical] : undefined;
}
