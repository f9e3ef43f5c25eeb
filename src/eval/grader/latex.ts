/**
 * Low-level LaTeX scanning shared by answer extraction and grading: brace matching, command
 * arguments and splitting at top-level separators. Each scan is linear in the input length.
 */

/** Index of the `}` that closes the `{` at `open`, or -1 when the braces are unbalanced. Skips `\{` and `\}`. */
export function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++; // an escaped character never opens or closes a group
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Skips spaces from `index`; returns the first index that is not a space, tab or newline. */
export function skipSpaces(text: string, index: number): number {
  while (index < text.length && (text[index] === ' ' || text[index] === '\t' || text[index] === '\n' || text[index] === '\r')) index++;
  return index;
}

export interface Argument {
  /** The argument without its braces. */
  content: string;
  /** Index just past the argument. */
  end: number;
}

/**
 * Reads one TeX macro argument at `index`: a braced group, a control sequence, or a single character
 * (so `\frac12` reads "1" then "2"). Returns null when nothing or only an unbalanced group follows.
 */
export function readArgument(text: string, index: number): Argument | null {
  const start = skipSpaces(text, index);
  if (start >= text.length) return null;
  const ch = text[start];
  if (ch === '{') {
    const close = matchBrace(text, start);
    if (close < 0) return null;
    return { content: text.slice(start + 1, close), end: close + 1 };
  }
  if (ch === '}') return null;
  if (ch === '\\') {
    const match = /^\\([a-zA-Z]+|.)/.exec(text.slice(start, start + 40));
    if (!match) return null;
    return { content: match[0], end: start + match[0].length };
  }
  return { content: ch, end: start + 1 };
}

/** Reads an optional `[...]` argument (as in `\sqrt[3]{x}`) at `index`, honouring nested braces and brackets. */
export function readOptionalArgument(text: string, index: number): Argument | null {
  const start = skipSpaces(text, index);
  if (text[start] !== '[') return null;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return ch === ']' ? { content: text.slice(start + 1, i), end: i + 1 } : null;
    }
  }
  return null;
}

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

/** Returns the nesting change and length of the token at `index`, so scanners can find separators outside all groups. */
function bracketDelta(text: string, index: number): { delta: number; skip: number } {
  const ch = text[index];
  if (ch === '\\') {
    // \{ and \} are set braces, \langle and \rangle angle brackets; \left and \right add no depth themselves.
    const next = text[index + 1];
    if (next === '{') return { delta: 1, skip: 2 };
    if (next === '}') return { delta: -1, skip: 2 };
    if (text.startsWith('\\langle', index)) return { delta: 1, skip: 7 };
    if (text.startsWith('\\rangle', index)) return { delta: -1, skip: 7 };
    if (text.startsWith('\\begin{', index)) {
      const close = text.indexOf('}', index);
      return { delta: 1, skip: close < 0 ? 1 : close - index + 1 };
    }
    if (text.startsWith('\\end{', index)) {
      const close = text.indexOf('}', index);
      return { delta: -1, skip: close < 0 ? 1 : close - index + 1 };
    }
    const match = /^\\[a-zA-Z]+/.exec(text.slice(index, index + 40));
    return { delta: 0, skip: match ? match[0].length : 2 };
  }
  if (OPENERS.has(ch)) return { delta: 1, skip: 1 };
  if (CLOSERS.has(ch)) return { delta: -1, skip: 1 };
  return { delta: 0, skip: 1 };
}

/**
 * Splits `text` at every top-level occurrence of one of `separators` (outside (), [], {}, \{\},
 * \langle\rangle and environments). A separator that is a control word (like `\cup`) only matches
 * when no letter follows it. Returns the pieces and which separator ended each piece but the last.
 */
export function splitTopLevel(text: string, separators: string[]): { parts: string[]; used: string[] } {
  const parts: string[] = [];
  const used: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < text.length) {
    if (depth === 0) {
      const separator = separators.find((s) => text.startsWith(s, i) && !(/^\\[a-zA-Z]+$/.test(s) && /[a-zA-Z]/.test(text[i + s.length] ?? '')));
      if (separator !== undefined) {
        parts.push(text.slice(start, i));
        used.push(separator);
        i += separator.length;
        start = i;
        continue;
      }
    }
    const { delta, skip } = bracketDelta(text, i);
    depth = Math.max(0, depth + delta);
    i += skip;
  }
  parts.push(text.slice(start));
  return { parts, used };
}

/**
 * Splits off the outer brackets when `text` is one bracketed group from its first to its last
 * character (`(…]`, `\{…\}`, `\langle…\rangle`). Returns the opening and closing tokens and the
 * inside, or null.
 */
export function outerBrackets(text: string): { open: string; close: string; inner: string } | null {
  let open: string;
  if (text.startsWith('\\{')) open = '\\{';
  else if (text.startsWith('\\langle')) open = '\\langle';
  else if (text[0] === '(' || text[0] === '[') open = text[0];
  else return null;
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const { delta, skip } = bracketDelta(text, i);
    depth += delta;
    if (depth === 0) {
      if (i + skip !== text.length) return null;
      const close = text.slice(i, i + skip);
      if (!['\\}', '\\rangle', ')', ']'].includes(close)) return null;
      return { open, close, inner: text.slice(open.length, i) };
    }
    i += skip;
  }
  return null;
}

/** Maximum bracket and brace nesting depth of `text`, counting every group kind. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let i = 0;
  while (i < text.length) {
    const { delta, skip } = bracketDelta(text, i);
    depth = Math.max(0, depth + delta);
    if (depth > max) max = depth;
    i += skip;
  }
  return max;
}
