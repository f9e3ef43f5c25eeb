/**
 * Text normalization and hashing shared by dedup, decontamination and the generators: Unicode NFKC,
 * lower case, and words as maximal runs of letters and digits, so whitespace and punctuation edits do
 * not change a hash. Hashes are non-cryptographic (murmur3-style mixing) and stable across runs.
 */

const WORD = /[\p{L}\p{N}]+/gu;

const THOUSANDS_SEPARATOR = /(\d),(?=\d{3}(?!\d))/g;

/**
 * Splits a text into words after NFKC and lower-casing. Punctuation and whitespace separate words,
 * and thousands separators are dropped so that "80,000" and "80000" are the same word.
 */
export function textWords(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(THOUSANDS_SEPARATOR, '$1').match(WORD) ?? [];
}

/** Joins the text's words with single spaces, which gives the key of exact deduplication. */
export function normalizeText(text: string): string {
  return textWords(text).join(' ');
}

/** murmur3's 32-bit finalizer: a bijective mix of all input bits. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of a string's UTF-16 code units, with a seed for independent hash functions. */
export function hashString32(text: string, seed = 0): number {
  let h = seed ^ 0x2f8a3c5d;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  return fmix32(h ^ text.length);
}

/** 64-bit hash of a string as 16 hex digits (two independent 32-bit lanes). */
export function hashString64(text: string): string {
  const hi = hashString32(text, 0x9747b28c);
  const lo = hashString32(text, 0x1b873593);
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Hash of the normalized text (see normalizeText), the exact-duplicate key stored with each problem. */
export function exactHash(text: string): string {
  return hashString64(normalizeText(text));
}

/** Per-word 32-bit hashes, computed once per text so n-gram hashes are cheap. */
export function wordHashes(words: readonly string[]): Uint32Array {
  const out = new Uint32Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = hashString32(words[i]);
  return out;
}

/**
 * Hash of the word n-gram words[start .. start+n) as a non-negative integer below 2^53, so it can key
 * a Map without string building. Two 32-bit lanes make accidental collisions negligible at the
 * sizes used here (millions of n-grams).
 */
export function ngramKey(hashes: Uint32Array, start: number, n: number): number {
  let a = 0x3c6ef372 ^ n;
  let b = 0xa54ff53a ^ n;
  for (let i = start; i < start + n; i++) {
    a = Math.imul(a ^ hashes[i], 0xcc9e2d51);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b + hashes[i], 0x1b873593);
    b ^= b >>> 15;
  }
  a = fmix32(a);
  b = fmix32(b);
  return (a & 0x1fffff) * 4294967296 + b;
}
