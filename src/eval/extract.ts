/**
 * Final-answer extraction from model output. Rules, in priority order: the last `\boxed{}` or
 * `\fbox{}` (nested braces; `\boxed 5`; adjacent boxes as in "\boxed{-2} and \boxed{1}" join into one
 * list), "Final Answer:" (including Minerva's "Final Answer: The final answer is $x$. I hope it is
 * correct."), "The answer is" with or without a colon, GSM8K's "#### N", and the last number as a
 * fallback. Model output is untrusted and may be huge: every scan is linear, and only the tail of
 * very long outputs is searched for phrases.
 */
import { skipSpaces } from './grader/latex.ts';

export type ExtractionRule = 'boxed' | 'the-answer-is' | 'hash' | 'final-answer' | 'last-number' | 'none';

export interface Extraction {
  answer: string | null;
  rule: ExtractionRule;
}

export interface ExtractOptions {
  /** Fall back to the last number in the text when no other rule fires (default true, as for GSM8K). */
  fallbackLastNumber?: boolean;
}

/** Phrase rules look at most this far back from the end of the output. */
const PHRASE_WINDOW = 200_000;
/** Longest answer a phrase rule takes from the rest of its line. */
const MAX_PHRASE_ANSWER = 2_000;

interface Box {
  start: number;
  end: number;
  content: string;
}

const BOX_COMMAND = /^\\(boxed|fbox)(?![a-zA-Z])/;

/**
 * Finds every balanced, non-empty `\boxed{…}`/`\fbox{…}` (and `\boxed 5`) that is not inside another box,
 * in order of position. One pass with a stack of open braces, so unbalanced input stays linear.
 */
function findBoxes(text: string): Box[] {
  const found: Box[] = [];
  const openBraces: number[] = [];
  const boxStartAtBrace = new Map<number, number>();
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') {
      const command = text[i + 1] === 'b' || text[i + 1] === 'f' ? BOX_COMMAND.exec(text.slice(i, i + 7)) : null;
      if (!command) {
        i += 2; // an escaped character (\{ \}) or the first letter of another command
        continue;
      }
      const next = skipSpaces(text, i + command[0].length);
      if (text[next] === '{') {
        boxStartAtBrace.set(next, i);
        i = next;
        continue;
      }
      // \boxed 5: the argument runs to the next space, $ or closing delimiter.
      const bare = /^[^\s$\\}]+/.exec(text.slice(next, next + 200));
      const content = bare ? bare[0].replace(/[.,;]+$/, '') : '';
      if (bare && content) found.push({ start: i, end: next + bare[0].length, content });
      i = bare ? next + bare[0].length : next;
      continue;
    }
    if (ch === '{') openBraces.push(i);
    else if (ch === '}') {
      const open = openBraces.pop();
      const start = open === undefined ? undefined : boxStartAtBrace.get(open);
      if (start !== undefined) {
        const content = text.slice(open! + 1, i).trim();
        if (content) found.push({ start, end: i + 1, content });
      }
    }
    i++;
  }
  // Keep outermost boxes only: \boxed{\boxed{5}} is one answer.
  found.sort((a, b) => a.start - b.start);
  const boxes: Box[] = [];
  for (const box of found) if (!boxes.length || box.start >= boxes[boxes.length - 1].end) boxes.push(box);
  return boxes;
}

/** Content of the last `\boxed{}`/`\fbox{}` in `text` (nested braces allowed), or null when there is none. */
export function lastBoxed(text: string): string | null {
  if (!text.includes('\\boxed') && !text.includes('\\fbox')) return null;
  const boxes = findBoxes(text);
  return boxes.length ? boxes[boxes.length - 1].content : null;
}

/**
 * Joins a run of boxes separated only by "and", commas or spacing ("\boxed{-2} and \boxed{1}") into
 * "-2, 1". Boxes joined by "or" are alternative forms of one answer (\boxed{1.5} or \boxed{\frac32}),
 * so the last one is kept alone.
 */
function lastBoxRun(text: string, boxes: Box[]): string {
  const run = [boxes[boxes.length - 1]];
  for (let i = boxes.length - 2; i >= 0; i--) {
    const gap = text.slice(boxes[i].end, run[0].start);
    if (gap.length > 40 || !/^(\s|\$|\\[()[\],;!]|,|\\quad|\\qquad|\\text\{\s*(and)?\s*\}|and|&)*$/.test(gap)) break;
    run.unshift(boxes[i]);
  }
  return run.map((box) => box.content).join(', ');
}

/** Cuts the rest of the line or paragraph after a phrase, without "I hope it is correct." and leading colons. */
function phraseSentence(raw: string): string {
  let s = raw.slice(0, MAX_PHRASE_ANSWER);
  const paragraph = s.search(/\n\s*\n|\n(?=\s*(?:[A-Z#*]|\\\[))/);
  if (paragraph >= 0) s = s.slice(0, paragraph);
  s = s.replace(/\s*I hope it is correct\.?[\s\S]*$/i, '');
  return s.trim().replace(/^[:\s]+/, '').replace(/^\*+|\*+$/g, '').trim();
}

/**
 * Picks the answer in a sentence: the first math span ($…$, \(…\), \[…\]) when there is one, joined
 * with the spans that follow it after only "and" or a comma ("$2$ and $3$" → "2, 3"); else the
 * sentence up to its final period.
 */
function answerFromSentence(sentence: string): string | null {
  const spans = [...sentence.matchAll(/((?<!\\)\$\$?|\\\(|\\\[)([\s\S]*?)((?<!\\)\$\$?|\\\)|\\\])/g)].filter((span) => span[2].trim() !== '');
  if (spans.length > 0) {
    const run = [spans[0]];
    for (const span of spans.slice(1)) {
      const previous = run[run.length - 1];
      const gap = sentence.slice(previous.index! + previous[0].length, span.index);
      if (!/^\s*(,|and|,\s*and)\s*$/i.test(gap)) break;
      run.push(span);
    }
    return run.map((span) => lastBoxed(span[2]) ?? span[2].trim()).join(', ');
  }
  let s = sentence;
  // The sentence ends at a period followed by a space or the end, not at a decimal point.
  const end = s.search(/\.(\s|$)/);
  if (end >= 0) s = s.slice(0, end);
  s = s.trim().replace(/[.,;:!]+$/, '').trim();
  return s || null;
}

/** "The volume of $X$ is 120" → "120": in a Final Answer sentence the value follows the last " is " (or be, equals). */
function valueAfterIs(sentence: string): string {
  let cut = -1;
  for (const match of sentence.matchAll(/(?:^|\s)(?:is|be|equals|are)\s/gi)) cut = match.index! + match[0].length;
  return cut >= 0 ? sentence.slice(cut) : sentence;
}

/** In prose like "Jane started 3 hours ago", the number is the answer; a math answer stays whole. */
function lastNumberOrSelf(answer: string): string {
  if (!/[a-zA-Z]{3,}\s+[a-zA-Z]{3,}/.test(answer.replace(/\\[a-zA-Z]+/g, ''))) return answer;
  return lastNumber(answer) ?? answer;
}

/** Ends of the last few matches of `pattern` in `lower`, latest first. */
function phraseEnds(lower: string, pattern: RegExp, count = 5): number[] {
  const ends: number[] = [];
  for (const match of lower.matchAll(pattern)) ends.push(match.index! + match[0].length);
  return ends.slice(-count).reverse();
}

function finalAnswer(text: string, lower: string): string | null {
  for (const end of phraseEnds(lower, /final answer\**\s*(?:is)?\s*[:：]?\**/g)) {
    let rest = text.slice(end, end + MAX_PHRASE_ANSWER);
    const minerva = /^\s*the final answer is\b\s*:?/i.exec(rest);
    if (minerva) rest = rest.slice(minerva[0].length);
    const sentence = phraseSentence(rest.replace(/^\s*\n/, ''));
    const answer = minerva ? answerFromSentence(sentence) : answerFromSentence(valueAfterIs(sentence));
    if (answer) return minerva ? answer : lastNumberOrSelf(answer);
  }
  return null;
}

/** Prose of four or more words ("correct, so we are done") is commentary, not an answer. */
function isProse(answer: string): boolean {
  return answer.replace(/\\[a-zA-Z]+/g, ' ').split(/\s+/).filter((word) => /^[a-zA-Z,.;']{2,}$/.test(word)).length >= 4;
}

function theAnswerIs(text: string, lower: string): string | null {
  let fallback: string | null = null;
  for (const end of phraseEnds(lower, /the (?:final )?answer is\s*:?/g)) {
    const rest = text.slice(end, end + MAX_PHRASE_ANSWER);
    const answer = answerFromSentence(phraseSentence(rest));
    if (answer && !isProse(answer)) return answer;
    fallback ??= answer;
  }
  return fallback;
}

function hashAnswer(text: string): string | null {
  const index = text.lastIndexOf('####');
  if (index < 0) return null;
  const line = text.slice(index + 4).split('\n', 1)[0].trim();
  const answer = line.replace(/^[:\s]+/, '').replace(/[.\s]+$/, '');
  if (!answer) return null;
  // GSM8K answers are numbers; drop thousands separators and a currency sign.
  return /^[-$\d,.]+$/.test(answer) ? answer.replace(/[$,]/g, '') : answer;
}

/** Returns the last number in `text`, without thousands separators or a trailing period. */
export function lastNumber(text: string): string | null {
  const tail = text.length > PHRASE_WINDOW ? text.slice(-PHRASE_WINDOW) : text;
  let last: string | null = null;
  for (const match of tail.matchAll(/-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+/g)) last = match[0];
  if (last === null) return null;
  return /^-?\d{1,3}(,\d{3})+/.test(last) ? last.replace(/,/g, '') : last;
}

/** Extracts the final answer from model output and names the rule that found it. */
export function extractAnswer(output: string, options: ExtractOptions = {}): Extraction {
  const text = typeof output === 'string' ? output : '';
  const boxes = text.includes('\\boxed') || text.includes('\\fbox') ? findBoxes(text) : [];
  if (boxes.length > 0) return { answer: lastBoxRun(text, boxes), rule: 'boxed' };

  const offset = Math.max(0, text.length - PHRASE_WINDOW);
  const window = offset > 0 ? text.slice(offset) : text;
  const lower = window.toLowerCase();
  const final = finalAnswer(window, lower);
  if (final) return { answer: final, rule: 'final-answer' };
  const phrase = theAnswerIs(window, lower);
  if (phrase) return { answer: phrase, rule: 'the-answer-is' };
  const hash = hashAnswer(window);
  if (hash) return { answer: hash, rule: 'hash' };
  if (options.fallbackLastNumber ?? true) {
    const number = lastNumber(window);
    if (number !== null) return { answer: number, rule: 'last-number' };
  }
  return { answer: null, rule: 'none' };
}
