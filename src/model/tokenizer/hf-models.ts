/**
 * The parts of tokenization that @huggingface/tokenizers (the tokenizer library of transformers.js)
 * performs, configured from GGUF metadata by building a tokenizer.json object in memory:
 * - gpt2 vocabularies: the pre-tokenizer (Split patterns in sequence, then byte-level encoding)
 *   and the BPE merges;
 * - llama vocabularies: SentencePiece-style BPE with byte fallback. llama.cpp merges the adjacent
 *   pair whose result has the highest score (ties: leftmost pair), so the merge list is derived
 *   from the scores and pairs whose results have equal scores share a rank.
 *
 * Everything else is this project's own code, because the library cannot express llama.cpp's
 * behaviour there:
 * - special tokens: llama.cpp finds user-defined tokens even without parse_special, and control
 *   tokens only with it, longest first;
 * - the leading space of SentencePiece text after a special token, and BOS/EOS;
 * - a byte-level word that is not a token (llama.cpp falls back to single-byte tokens);
 * - decoding: token pieces as bytes, with llama.cpp's rules per token attribute.
 */
import { Tokenizer as HfTokenizer, type BPE } from '@huggingface/tokenizers';
import type { PreTokenizerSpec } from './pre-tokenizers.ts';
import type { Vocabulary } from './vocab.ts';

/** Maps a vocabulary to the tokenizer.json `vocab` object; a null prototype keeps names such as "__proto__" plain keys. */
function vocabObject(vocab: Vocabulary): Record<string, number> {
  const object: Record<string, number> = Object.create(null);
  vocab.tokens.forEach((token, id) => (object[token] = id));
  return object;
}

function createHfTokenizer(model: object, preTokenizer: object | null): HfTokenizer {
  const tokenizerJson = { version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: preTokenizer, post_processor: null, decoder: null, model };
  return new HfTokenizer(tokenizerJson, {});
}

/** Builds the tokenizer.json Split steps of a pre-tokenizer, one per pattern. */
function splitSteps(spec: PreTokenizerSpec): object[] {
  return spec.patterns.map((pattern) => ({ type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false }));
}

/** Splits text into the words of a pre-tokenizer, before byte-level encoding (for tests and inspection). */
export function preTokenize(spec: PreTokenizerSpec, text: string): string[] {
  const tokenizer = createHfTokenizer({ type: 'BPE', vocab: {}, merges: [], ignore_merges: false }, { type: 'Sequence', pretokenizers: splitSteps(spec) });
  return tokenizer.pre_tokenizer!(text) as string[];
}

/** Creates the byte-level BPE tokenizer of a gpt2 vocabulary: the pre-tokenizer splits, then the merges. */
export function createByteLevelBpe(vocab: Vocabulary): HfTokenizer {
  if (!vocab.pre) throw new Error(`${vocab.source}: a gpt2 vocabulary needs a pre-tokenizer`);
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const preTokenizer = { type: 'Sequence', pretokenizers: [...splitSteps(vocab.pre), byteLevel] };
  const model = { type: 'BPE', vocab: vocabObject(vocab), merges: vocab.merges, ignore_merges: vocab.ignoreMerges, byte_fallback: false, unk_token: null };
  return createHfTokenizer(model, preTokenizer);
}

/** True when `text` is one code point (a symbol SentencePiece starts from, whether or not it is a token). */
function isSingleCodePoint(text: string): boolean {
  const first = text.codePointAt(0);
  return first !== undefined && text.length === (first > 0xffff ? 2 : 1);
}

/**
 * Creates the SentencePiece-style tokenizer of a llama vocabulary. Every token that splits into
 * two parts, each a token or a single code point, yields a merge. The merge's rank is the position
 * of the token's score among the distinct scores, highest first.
 */
export function createSentencePieceBpe(vocab: Vocabulary): HfTokenizer {
  const candidates: { pair: [string, string]; score: number }[] = [];
  vocab.tokens.forEach((token, id) => {
    const points = Array.from(token);
    let offset = 0;
    for (let k = 1; k < points.length; k++) {
      offset += points[k - 1].length;
      const left = token.slice(0, offset);
      const right = token.slice(offset);
      const usable = (part: string) => vocab.tokenToId.has(part) || isSingleCodePoint(part);
      if (usable(left) && usable(right)) candidates.push({ pair: [left, right], score: vocab.scores[id] });
    }
  });
  candidates.sort((a, b) => b.score - a.score);

  const unk = vocab.special.unk === null ? null : vocab.tokens[vocab.special.unk];
  const model = { type: 'BPE', vocab: vocabObject(vocab), merges: candidates.map((c) => c.pair), ignore_merges: false, byte_fallback: true, unk_token: unk };
  const tokenizer = createHfTokenizer(model, null);

  // Equal scores get equal ranks, so the library breaks their ties by position as llama.cpp does.
  const bpe = tokenizer.model as BPE;
  const probeKey = JSON.stringify(candidates[0]?.pair ?? []);
  if (candidates.length > 0 && bpe.bpe_ranks.get(probeKey) !== 0) {
    throw new Error('@huggingface/tokenizers changed how its BPE model keys merge ranks; SentencePiece tie-breaking needs updating');
  }
  const ranks = new Map<string, number>();
  let rank = -1;
  let previous = NaN;
  for (const { pair, score } of candidates) {
    if (score !== previous) rank++;
    previous = score;
    ranks.set(JSON.stringify(pair), rank);
  }
  bpe.bpe_ranks = ranks;
  return tokenizer;
}
