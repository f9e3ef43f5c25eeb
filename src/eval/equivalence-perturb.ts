/**
 * Variants of a gold answer for testing and benchmarking the grader. Rewrites must stay equivalent
 * (`\dfrac` for `\frac`, math delimiters, 3/4 or 0.75 for `\frac{3}{4}`, reordered solutions).
 * Perturbations must not (a changed digit, a swapped interval bracket, swapped tuple entries, a
 * dropped list entry, a changed word).
 */
import { outerBrackets, splitTopLevel } from './grader/latex.ts';

export interface Variant {
  kind: string;
  text: string;
}

/** Index of the first digit outside exponents and subscripts, or -1. */
function firstPlainDigit(text: string): number {
  let depthInScript = 0;
  const stack: boolean[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') {
      const script = text[i - 1] === '^' || text[i - 1] === '_';
      stack.push(script);
      if (script) depthInScript++;
      continue;
    }
    if (ch === '}') {
      if (stack.pop()) depthInScript--;
      continue;
    }
    if (depthInScript > 0 || !/\d/.test(ch)) continue;
    if (text[i - 1] === '^' || text[i - 1] === '_') continue;
    return i;
  }
  return -1;
}

/** Decimal form of a/b when it terminates within six places, else null. */
function terminatingDecimal(numerator: number, denominator: number): string | null {
  const value = numerator / denominator;
  const text = String(Number(value.toFixed(6)));
  return Number(text) * denominator === numerator ? text : null;
}

/** Rewrites of `gold` that any grader must accept as equivalent, in the styles models write. */
export function equivalentRewrites(gold: string): Variant[] {
  const variants: Variant[] = [{ kind: 'math-delimiters', text: `$${gold}$` }];
  if (gold.includes('\\frac')) variants.push({ kind: 'dfrac', text: gold.replaceAll('\\frac', '\\dfrac') });
  // \frac{3}{4} → 3/4 and → 0.75, where the fraction is a whole term of plain integers.
  const fraction = /(?<![\d}]\s*)\\[dt]?frac\{(\d+)\}\{(\d+)\}(?![\d^{])/g;
  if (fraction.test(gold)) {
    variants.push({ kind: 'slash-fraction', text: gold.replace(fraction, '$1/$2') });
    const decimal = gold.replace(fraction, (whole, a: string, b: string) => terminatingDecimal(Number(a), Number(b)) ?? whole);
    if (decimal !== gold) variants.push({ kind: 'decimal', text: decimal });
  }
  if (gold.includes('\\cdot')) variants.push({ kind: 'times', text: gold.replaceAll('\\cdot', '\\times') });
  if (/\\left|\\right/.test(gold)) variants.push({ kind: 'no-left-right', text: gold.replace(/\\left|\\right/g, '') });
  // A plain expression stated as the value of a variable: "x = …".
  if (!/[,=<>]|\\(le|ge|ne|text|mbox|begin|cup|pm|infty)/.test(gold)) variants.push({ kind: 'assignment', text: `x = ${gold}` });
  // All solutions in the other order.
  const list = splitTopLevel(gold.trim(), [',']).parts;
  const thousands = /,\\!|\{,\}|^[-\\$]*\d{1,3}(,\d{3})+/.test(gold.trim());
  if (list.length > 1 && !thousands && !/\\text\{ *and/.test(gold)) variants.push({ kind: 'reversed-list', text: [...list].reverse().join(', ') });
  if (/\s/.test(gold)) variants.push({ kind: 'no-spaces', text: gold.replace(/(?<!\\)\\ /g, ' ').replace(/(\\[a-zA-Z]+)\s+(?=[a-zA-Z])/g, '$1\u0000').replace(/\s+/g, '').replace(/\u0000/g, ' ') });
  return variants;
}

/** Changes of `gold` that make it a different answer. */
export function perturbations(gold: string): Variant[] {
  const variants: Variant[] = [];
  const trimmed = gold.trim();

  const digit = firstPlainDigit(trimmed);
  if (digit >= 0) {
    const next = String((Number(trimmed[digit]) + 1) % 10);
    variants.push({ kind: 'digit', text: trimmed.slice(0, digit) + next + trimmed.slice(digit + 1) });
  }

  const stripped = trimmed.replace(/\\left|\\right|(?<!\\)\\(?= )/g, '').replace(/\s+/g, '');
  const brackets = outerBrackets(stripped);
  if (brackets && (brackets.open === '(' || brackets.open === '[')) {
    const items = splitTopLevel(brackets.inner, [',']).parts;
    if (items.length === 2) {
      // An interval or pair with the other kind of opening bracket: (a, b) ↔ [a, b).
      variants.push({ kind: 'bracket', text: (brackets.open === '(' ? '[' : '(') + stripped.slice(1) });
    }
    if (items.length >= 2 && items[0] !== items[1] && brackets.open === '(' && brackets.close === ')' && !items.some((item) => item.includes('infty'))) {
      variants.push({ kind: 'swap', text: `(${[items[1], items[0], ...items.slice(2)].join(',')})` });
    }
  } else {
    const list = splitTopLevel(stripped, [',']).parts;
    if (list.length >= 2 && !/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(stripped)) variants.push({ kind: 'drop-entry', text: list.slice(0, -1).join(',') });
  }

  const word = /\\text\{\s*([a-zA-Z]{3,})/.exec(trimmed);
  if (word && digit < 0) {
    const index = word.index + word[0].length - word[1].length;
    variants.push({ kind: 'word', text: `${trimmed.slice(0, index)}x${trimmed.slice(index + 1)}` });
  }
  return variants;
}
