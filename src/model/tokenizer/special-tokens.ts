/**
 * Splitting text at special tokens written in it, with llama.cpp's rules (tokenizer_st_partition):
 * control, unknown and user-defined tokens are searched for, longest text first, and each
 * occurrence becomes a token of its own. Control and unknown tokens are searched only when the
 * caller asks (llama.cpp's parse_special); user-defined tokens always, as Hugging Face tokenizers
 * do with added tokens.
 */
import { TokenAttr, type Vocabulary } from './vocab.ts';

/** A piece of the input: text still to tokenize, or a special token found in it. */
export type Fragment = { text: string } | { token: number };

/** A special token and whether it is searched for even without parseSpecial (user-defined tokens). */
export interface SpecialTokenEntry {
  id: number;
  always: boolean;
}

/** Lists the special tokens of a vocabulary in the order the partition tries them: longest text first. */
export function indexSpecialTokens(vocab: Vocabulary): SpecialTokenEntry[] {
  const ordered: SpecialTokenEntry[] = [];
  const mask = TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN;
  for (let id = 0; id < vocab.attrs.length; id++) {
    const attr = vocab.attrs[id];
    if (!(attr & mask)) continue;
    ordered.push({ id, always: !(attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) });
  }
  // NOTE: llama.cpp sorts by UTF-8 length with std::sort, which leaves the order of equal lengths
  // unspecified; ids break the tie here. It matters only for overlapping texts of equal length.
  const length = new Map(ordered.map(({ id }) => [id, utf8Length(vocab.tokens[id])]));
  ordered.sort((a, b) => length.get(b.id)! - length.get(a.id)! || a.id - b.id);
  return ordered;
}

/** Number of bytes of the UTF-8 encoding of `text`. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code < 0x10000) bytes += 3;
    else bytes += 4;
  }
  return bytes;
}

/**
 * Splits `text` into text fragments and special tokens. Each special token in turn (longest first)
 * splits every remaining text fragment at all its occurrences, left to right.
 */
export function partitionSpecialTokens(text: string, vocab: Vocabulary, specialTokens: SpecialTokenEntry[], parseSpecial: boolean): Fragment[] {
  if (text === '') return [];
  let fragments: Fragment[] = [{ text }];
  for (const { id, always } of specialTokens) {
    if (!always && !parseSpecial) continue;
    const tokenText = vocab.tokens[id];
    // A quick test first: most special tokens do not occur in a given prompt.
    if (!text.includes(tokenText)) continue;
    const next: Fragment[] = [];
    for (const fragment of fragments) {
      if (!('text' in fragment)) {
        next.push(fragment);
        continue;
      }
      let start = 0;
      for (let at = fragment.text.indexOf(tokenText); at >= 0; at = fragment.text.indexOf(tokenText, start)) {
        if (at > start) next.push({ text: fragment.text.slice(start, at) });
        next.push({ token: id });
        start = at + tokenText.length;
      }
      if (start < fragment.text.length) next.push({ text: fragment.text.slice(start) });
    }
    fragments = next;
  }
  return fragments;
}
