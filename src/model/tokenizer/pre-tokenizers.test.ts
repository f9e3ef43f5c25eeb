/**
 * The pre-tokenizers (regular expressions run by @huggingface/tokenizers) against independent
 * re-implementations of llama.cpp's two other routes to the same splits:
 * - the hand-written scanners llama.cpp uses for the GPT-2 and LLaMA-3 patterns;
 * - std::regex on "collapsed" text, llama.cpp's route for every other pattern. Each non-ASCII code
 *   point becomes one byte for its category (letter, number, whitespace, …), and the pattern's
 *   Unicode classes become those bytes. Patterns without Unicode classes run on the text with
 *   non-ASCII whitespace replaced by U+000B, where `\s` means ASCII whitespace only.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../../test/cli.ts';
import { Rng } from '../../util/random.ts';
import { preTokenize } from './hf-models.ts';
import { preTokenizerSpec, type PreTokenizerSpec } from './pre-tokenizers.ts';
import { readLlamaCppCases } from './test-vocabularies.ts';

const VOCAB_DIR = join(SHARED_DATA, 'gguf-vocab');

function spec(name: string): PreTokenizerSpec {
  const found = preTokenizerSpec(name);
  if (!found) throw new Error(`no pre-tokenizer ${name}`);
  return found;
}

interface Flags {
  letter: boolean;
  number: boolean;
  whitespace: boolean;
}

function flagsOf(char: string | undefined): Flags | null {
  if (char === undefined) return null;
  return { letter: /\p{L}/u.test(char), number: /\p{N}/u.test(char), whitespace: /\p{White_Space}/u.test(char) };
}

/** Cuts `chars` at the given end indices into strings. */
function cut(chars: string[], ends: number[]): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const end of ends) {
    if (end > start) pieces.push(chars.slice(start, end).join(''));
    start = end;
  }
  return pieces;
}

/** llama.cpp's hand-written scanner for `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`. */
function scanGpt2(text: string): string[] {
  const c = Array.from(text);
  const n = c.length;
  const f = (i: number) => flagsOf(c[i]);
  const ends: number[] = [];
  let pos = 0;
  while (pos < n) {
    if (c[pos] === "'" && pos + 1 < n) {
      if ('stmd'.includes(c[pos + 1])) {
        pos += 2;
        ends.push(pos);
        continue;
      }
      if (pos + 2 < n && ['re', 've', 'll'].includes(c[pos + 1] + c[pos + 2])) {
        pos += 3;
        ends.push(pos);
        continue;
      }
    }
    const f2 = c[pos] === ' ' ? f(pos + 1) : f(pos);
    const other = (x: Flags | null) => x !== null && !x.whitespace && !x.letter && !x.number;
    if (f2?.letter || f2?.number || other(f2)) {
      let same = other;
      if (f2!.letter) same = (x) => !!x?.letter;
      else if (f2!.number) same = (x) => !!x?.number;
      if (c[pos] === ' ') pos++;
      while (same(f(pos))) pos++;
      ends.push(pos);
      continue;
    }
    let spaces = 0;
    while (f(pos + spaces)?.whitespace) spaces++;
    if (spaces > 1 && pos + spaces < n) pos += spaces - 1;
    else if (spaces > 0) pos += spaces;
    else pos++;
    ends.push(pos);
  }
  return cut(c, ends);
}

/** llama.cpp's hand-written scanner for the LLaMA-3 pattern. */
function scanLlama3(text: string): string[] {
  const c = Array.from(text);
  const n = c.length;
  const f = (i: number) => flagsOf(c[i]);
  const isLineBreak = (ch: string | undefined) => ch === '\r' || ch === '\n';
  const ends: number[] = [];
  let pos = 0;
  while (pos < n) {
    const flags = f(pos)!;
    if (c[pos] === "'" && pos + 1 < n) {
      const next = c[pos + 1].toLowerCase();
      if ('stmd'.includes(next)) {
        pos += 2;
        ends.push(pos);
        continue;
      }
      if (pos + 2 < n && ['re', 've', 'll'].includes(next + c[pos + 2].toLowerCase())) {
        pos += 3;
        ends.push(pos);
        continue;
      }
    }
    if (!(isLineBreak(c[pos]) || flags.number) && (flags.letter || f(pos + 1)?.letter)) {
      pos++;
      while (f(pos)?.letter) pos++;
      ends.push(pos);
      continue;
    }
    if (flags.number) {
      let first = pos;
      while (f(pos)?.number) {
        pos++;
        if (pos - first >= 3) {
          ends.push(pos);
          first = pos;
        }
      }
      ends.push(pos);
      continue;
    }
    const f2 = c[pos] === ' ' ? f(pos + 1) : flags;
    if (f2 !== null && !f2.whitespace && !f2.letter && !f2.number) {
      if (c[pos] === ' ') pos++;
      for (let g = f(pos); g !== null && !g.whitespace && !g.letter && !g.number; g = f(pos)) pos++;
      while (isLineBreak(c[pos])) pos++;
      ends.push(pos);
      continue;
    }
    let spaces = 0;
    let afterLastBreak = 0;
    while (f(pos + spaces)?.whitespace) {
      if (isLineBreak(c[pos + spaces])) afterLastBreak = pos + spaces + 1;
      spaces++;
    }
    if (afterLastBreak > 0) pos = afterLastBreak;
    else if (spaces > 1 && pos + spaces < n) pos += spaces - 1;
    else if (spaces > 0) pos += spaces;
    else pos++;
    ends.push(pos);
  }
  return cut(c, ends);
}

/** Category bytes of llama.cpp's collapsed text (unicode_regex_split). */
function collapse(chars: string[]): string {
  return chars
    .map((ch) => {
      if (ch.codePointAt(0)! < 128) return ch;
      if (/\p{White_Space}/u.test(ch)) return '\x0b';
      if (/\p{N}/u.test(ch)) return '\xd1';
      if (/\p{L}/u.test(ch)) return '\xd2';
      if (/\p{P}/u.test(ch)) return '\xd3';
      if (/\p{M}/u.test(ch)) return '\xd4';
      if (/\p{S}/u.test(ch)) return '\xd5';
      return '\xd0';
    })
    .join('');
}

/** ECMAScript std::regex `\s`: ASCII whitespace only. */
const ASCII_SPACE = String.raw`[\t\n\v\f\r ]`;

/**
 * Splits each piece at the matches of one pattern, keeping the text between matches, on the
 * collapsed text when `collapsed` (one char per code point), else on the code points with
 * non-ASCII whitespace replaced by U+000B.
 */
function splitLikeStdRegex(pieces: string[], pattern: string, collapsed: boolean): string[] {
  const out: string[] = [];
  for (const piece of pieces) {
    const chars = Array.from(piece);
    const subject = collapsed ? collapse(chars) : chars.map((ch) => (ch.codePointAt(0)! > 0x7f && /\p{White_Space}/u.test(ch) ? '\x0b' : ch));
    // Collapsed text has one UTF-16 unit per code point; the other subject is split by code point with the u flag.
    const regex = new RegExp(pattern, collapsed ? 'g' : 'gu');
    const text = collapsed ? (subject as string) : (subject as string[]).join('');
    const ends: number[] = [];
    const index = (unitIndex: number) => (collapsed ? unitIndex : Array.from(text.slice(0, unitIndex)).length);
    for (const match of text.matchAll(regex)) {
      ends.push(index(match.index!));
      ends.push(index(match.index! + match[0].length));
    }
    ends.push(chars.length);
    out.push(...cut(chars, ends));
  }
  return out;
}

/** Qwen2's pattern as llama.cpp collapses it, with std::regex's ASCII-only `\s`. */
const S = String.raw`\t\n\v\f\r `;
const QWEN2_COLLAPSED =
  String.raw`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\xd2A-Za-z\xd10-9]?[\xd2A-Za-z]+|[\xd10-9]|` +
  String.raw` ?[^${S}\xd2A-Za-z\xd10-9]+[\r\n]*|[${S}]*[\r\n]+|[${S}]+(?![^${S}])|[${S}]+`;

/** DeepSeek LLM's patterns as llama.cpp runs them, with its original ranges (which include U+3000 and other whitespace). */
function deepseekLikeLlamaCpp(text: string): string[] {
  const letters = spec('deepseek-llm').patterns[1].slice(3, -2);
  let pieces = [text];
  pieces = splitLikeStdRegex(pieces, String.raw`[\r\n]`, false);
  pieces = splitLikeStdRegex(pieces, `${ASCII_SPACE}?[${letters}]+`, false);
  pieces = splitLikeStdRegex(pieces, `${ASCII_SPACE}?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+`, false);
  pieces = splitLikeStdRegex(pieces, `${ASCII_SPACE}+$`, false);
  pieces = splitLikeStdRegex(pieces, `[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+`, false);
  pieces = splitLikeStdRegex(pieces, String.raw`[\xd10-9]+`, true);
  return pieces;
}

const ALPHABET = [
  ...'aZqéжΩµÀ3٣½Ⅻ',
  ...' \t\n\r\u00a0\u3000\u2003\u0085\ufeff\u200b\u1680',
  ..."'stlldmrevSTLDM",
  ...',!?.-$+<|~^`"',
  ...'😀漢한\u0301กא',
  ...'\u0378\ue000\u2126\u212a\u1fd3ℭ、。「！Ａ\u0800',
];

function randomTexts(count: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Array.from({ length: rng.int(1, 24) }, () => rng.pick(ALPHABET)).join(''));
}

function compareOn(texts: string[], actual: (text: string) => string[], expected: (text: string) => string[]): string[] {
  const failures: string[] = [];
  for (const text of texts) {
    const got = actual(text);
    const want = expected(text);
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${JSON.stringify(text)}\n  expected ${JSON.stringify(want)}\n  got      ${JSON.stringify(got)}`);
  }
  return failures;
}

const INPUTS = readLlamaCppCases(VOCAB_DIR, 'gpt-2').map((c) => c.text);
const RANDOM = randomTexts(400, 7);

describe('pre-tokenizers against llama.cpp routes', () => {
  it('gpt-2 matches the hand-written scanner', () => {
    const failures = compareOn([...INPUTS, ...RANDOM], (t) => preTokenize(spec('gpt-2'), t), scanGpt2);
    expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
  });

  it('llama-bpe matches the hand-written scanner', () => {
    const failures = compareOn([...INPUTS, ...RANDOM], (t) => preTokenize(spec('llama-bpe'), t), scanLlama3);
    expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
  });

  it('qwen2 matches std::regex on collapsed text', () => {
    const failures = compareOn([...INPUTS, ...RANDOM], (t) => preTokenize(spec('qwen2'), t), (t) => splitLikeStdRegex([t], QWEN2_COLLAPSED, true));
    expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
  });

  it('deepseek-llm matches std::regex with its original ranges', () => {
    const failures = compareOn([...INPUTS, ...RANDOM], (t) => preTokenize(spec('deepseek-llm'), t), deepseekLikeLlamaCpp);
    expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
  });
});

describe('pre-tokenizer splits', () => {
  it('llama-bpe groups digits by three, qwen2 by one', () => {
    expect(preTokenize(spec('llama-bpe'), '333333333 1234')).toEqual(['333', '333', '333', ' ', '123', '4']);
    expect(preTokenize(spec('qwen2'), '1234')).toEqual(['1', '2', '3', '4']);
  });

  it('llama-bpe keeps contractions in either case', () => {
    expect(preTokenize(spec('llama-bpe'), "We'Ve a'lL")).toEqual(['We', "'Ve", ' a', "'lL"]);
    expect(preTokenize(spec('gpt-2'), "We'Ve")).toEqual(['We', "'", 'Ve']);
  });

  it('qwen2 attaches one leading non-letter to a word', () => {
    expect(preTokenize(spec('qwen2'), 'Hello, y\'all!\n\n  How')).toEqual(['Hello', ',', ' y', "'all", '!\n\n', ' ', ' How']);
  });

  it('deepseek-llm isolates line breaks and CJK runs', () => {
    expect(preTokenize(spec('deepseek-llm'), '我想在apple工作\n\n12')).toEqual(['我想在', 'apple', '工作', '\n', '\n', '12']);
  });

  it('never yields more pieces than llama.cpp has tokens', () => {
    // Each piece becomes at least one token, so llama.cpp's expected ids bound the piece count.
    for (const name of ['llama-bpe', 'qwen2']) {
      for (const { text, ids } of readLlamaCppCases(join(VOCAB_DIR, 'inp-out-only'), name)) {
        expect(preTokenize(spec(name), text).length, `${name} ${JSON.stringify(text)}`).toBeLessThanOrEqual(ids.length);
      }
    }
  });
});
