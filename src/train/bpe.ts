/**
 * Learns a small byte-pair encoding from training texts, for models trained from scratch. The text is
 * written as SentencePiece writes it (spaces become U+2581 "▁") and split into words: a "▁" or a
 * newline starts a new word, and every digit is a word of its own. The most frequent adjacent pair
 * of symbols within a word is merged until the token budget is spent.
 *
 * Digits are never merged, so every number is spelled one digit per token as in LLaMA's tokenizer,
 * which keeps the arithmetic in the solutions learnable. Fixed texts such as the parts of the prompt
 * template are passed as `exclude` and left out of the counts, because they become tokens of their own.
 * Tokens are at most `maxTokenLength` characters (default 16, SentencePiece's piece length limit).
 */

export const SPACE_MARK = '\u2581';

export interface BpeOptions {
  /** Tokens to produce at most: the alphabet plus the merged tokens. */
  tokenBudget: number;
  /** Characters that occur fewer times than this are left to byte fallback (default 2). */
  minCharFrequency?: number;
  /** At most this many single characters become tokens; rarer ones use byte fallback. */
  maxAlphabet: number;
  /** Pairs seen fewer times than this are not merged (default 2). */
  minPairFrequency?: number;
  /** Maximum token length in characters (default 16). */
  maxTokenLength?: number;
  /** Texts cut out of the training texts before counting. */
  exclude?: readonly string[];
}

export interface LearnedBpe {
  /** Single characters that become tokens, most frequent first. */
  alphabet: string[];
  /** The texts of the merged tokens in the order they were learned, without duplicates. */
  merged: string[];
}

/** Rewrites text as the SentencePiece tokenizer reads it: every space as "▁". */
export function toPieceText(text: string): string {
  return text.replaceAll(' ', SPACE_MARK);
}

function isDigit(char: string): boolean {
  return char >= '0' && char <= '9';
}

/** Splits text into the pieces between the excluded texts, longest excluded text first. */
function cutOut(text: string, exclude: readonly string[]): string[] {
  let pieces = [text];
  for (const fixed of [...exclude].sort((a, b) => b.length - a.length)) {
    if (fixed === '') continue;
    pieces = pieces.flatMap((piece) => piece.split(fixed));
  }
  return pieces;
}

/** Counts the words of the texts: a digit is a word alone; "▁" and newline start a word. */
function countWords(texts: Iterable<string>, exclude: readonly string[], charCounts: Map<string, number>): Map<string, number> {
  const words = new Map<string, number>();
  const add = (word: string) => {
    if (word.length > 1) words.set(word, (words.get(word) ?? 0) + 1);
  };
  for (const raw of texts) {
    for (const piece of cutOut(raw, exclude)) {
      let word = '';
      for (const char of toPieceText(piece)) {
        charCounts.set(char, (charCounts.get(char) ?? 0) + 1);
        if (isDigit(char)) {
          add(word);
          word = '';
        } else if (char === SPACE_MARK || char === '\n') {
          add(word);
          word = char;
        } else word += char;
      }
      add(word);
    }
  }
  return words;
}

/** Symbol ids stay below 2^20, so a pair packs into one exact double. */
const PAIR_SHIFT = 1 << 20;

function pairKey(left: number, right: number): number {
  return left * PAIR_SHIFT + right;
}

/**
 * Learns the alphabet and the merges. Deterministic: the same texts in the same order give the same
 * result. Ties between equally frequent pairs go to the pair whose merged text sorts first.
 */
export function learnBpe(texts: Iterable<string>, options: BpeOptions): LearnedBpe {
  const minChar = options.minCharFrequency ?? 2;
  const minPair = options.minPairFrequency ?? 2;
  const maxLength = options.maxTokenLength ?? 16;
  const charCounts = new Map<string, number>();
  const wordCounts = countWords(texts, options.exclude ?? [], charCounts);

  const alphabet = [...charCounts]
    .filter(([, count]) => count >= minChar)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, options.maxAlphabet)
    .map(([char]) => char);

  // Symbols: the alphabet first, then every merged text. Characters outside the alphabet are symbols
  // too, because SentencePiece merges them as well, but they never become tokens.
  const symbolText: string[] = [];
  const symbolId = new Map<string, number>();
  const symbolFor = (text: string) => {
    let id = symbolId.get(text);
    if (id === undefined) {
      id = symbolText.length;
      symbolText.push(text);
      symbolId.set(text, id);
    }
    return id;
  };
  alphabet.forEach(symbolFor);

  const words: number[][] = [];
  const frequency: number[] = [];
  for (const [word, count] of wordCounts) {
    words.push(Array.from(word, symbolFor));
    frequency.push(count);
  }

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (word: number, sign: number) => {
    const symbols = words[word];
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = pairKey(symbols[i], symbols[i + 1]);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * frequency[word]);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(word);
      }
    }
  };
  for (let word = 0; word < words.length; word++) addPairs(word, 1);

  const merged: string[] = [];
  const known = new Set(alphabet);
  while (alphabet.length + merged.length < options.tokenBudget) {
    let best = -1;
    let bestCount = minPair - 1;
    let bestText = '';
    for (const [key, count] of pairCounts) {
      if (count < bestCount || count < minPair) continue;
      const text = symbolText[Math.floor(key / PAIR_SHIFT)] + symbolText[key % PAIR_SHIFT];
      if (text.length > maxLength) continue;
      if (count > bestCount || text < bestText) {
        best = key;
        bestCount = count;
        bestText = text;
      }
    }
    if (best < 0) break;

    const left = Math.floor(best / PAIR_SHIFT);
    const right = best % PAIR_SHIFT;
    const result = symbolFor(bestText);
    for (const word of pairWords.get(best) ?? []) {
      const symbols = words[word];
      let found = false;
      for (let i = 0; i + 1 < symbols.length; i++) if (symbols[i] === left && symbols[i + 1] === right) found = true;
      if (!found) continue;
      addPairs(word, -1);
      const next: number[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
          next.push(result);
          i++;
        } else next.push(symbols[i]);
      }
      words[word] = next;
      addPairs(word, 1);
    }
    pairCounts.delete(best);
    pairWords.delete(best);
    if (!known.has(bestText)) {
      known.add(bestText);
      merged.push(bestText);
    }
  }
  return { alphabet, merged };
}
