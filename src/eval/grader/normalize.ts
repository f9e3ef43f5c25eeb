/**
 * Answer normalization: turns the many ways of writing one answer in LaTeX into one canonical string
 * (`\dfrac12` → `\frac{1}{2}`, `10,\!000` → `10000`, `45^\circ` → `45`, `5\text{ cm}` → `5`,
 * `\left( 1, 2 \right)` → `(1,2)`, `\text{Evelyn}` → `\text{evelyn}`). Equal normalized strings are
 * equivalent answers; unequal ones go on to the numeric and structural comparison.
 */
import { matchBrace, readArgument, readOptionalArgument } from './latex.ts';

/** Words that name a unit or a counted thing; dropped when they follow a number or expression. */
const UNIT_WORDS = new Set(
  [
    'cm', 'centimeter', 'centimetre', 'mm', 'millimeter', 'km', 'kilometer', 'kilometre', 'm', 'meter', 'metre',
    'in', 'inch', 'inches', 'ft', 'foot', 'feet', 'yd', 'yard', 'mi', 'mile', 'mph', 'kph', 'km/h', 'kmh',
    's', 'sec', 'second', 'min', 'minute', 'h', 'hr', 'hour', 'day', 'week', 'month', 'year', 'yr', 'decade', 'century', 'centuries',
    'dollar', 'cent', 'euro', 'pound', 'lb', 'lbs', 'ounce', 'oz', 'g', 'gm', 'gram', 'kg', 'kilogram', 'ton', 'tonne',
    'l', 'liter', 'litre', 'ml', 'milliliter', 'gallon', 'gal', 'quart', 'pint', 'cup',
    'degree', 'deg', 'radian', 'rad', 'unit', 'square', 'sq', 'cubic', 'cu', 'point', 'way', 'time',
    'student', 'person', 'people', 'child', 'children', 'ticket', 'page', 'book', 'apple', 'marble', 'coin', 'integer',
    'number', 'digit', 'edge', 'face', 'vertex', 'vertices', 'meal', 'multiple', 'teacher', 'game', 'handshake', 'team',
    'member', 'box', 'boxes', 'ball', 'card', 'candy', 'candies', 'cookie', 'egg', 'hours', 'step', 'term', 'triangle',
    'side', 'diagonal', 'outfit', 'combination', 'arrangement', 'possibility', 'possibilities', 'solution', 'value', 'root',
  ].flatMap((w) => [w, `${w}s`, `${w}es`]),
);

/** Times of day keep their suffix: 9 a.m. and 9 p.m. differ. */
const TIME_MARKER = /^(a\.?m\.?|p\.?m\.?)$/i;

/** `\text` and its relatives, whose argument is prose or a unit rather than math. */
const TEXT_COMMANDS = /\\(text|textrm|textnormal|textbf|textit|textsf|texttt|textup|mbox|hbox|mathrm|mathit|emph)\s*\{/g;
/** Commands that only style their argument; the argument is kept as math. */
const STYLE_COMMANDS = /\\(?:mathbf|boldsymbol|bm|mathsf|mathtt|mathnormal|operatorname|displaystyle|textstyle|scriptstyle)(?![a-zA-Z])\s*/g;
/** Stand-in for the `\\` row separator while single-backslash spacing commands are removed. */
const ROW_BREAK = '\u0001';

/** Removes math delimiters, a whole `\boxed{}` and sentence punctuation around an answer. */
export function unwrapAnswer(text: string): string {
  let s = text.trim();
  for (let pass = 0; pass < 8; pass++) {
    const before = s;
    s = s.replace(/^(\$\$?|\\\(|\\\[)\s*/, '').replace(/\s*(?<!\\)(\$\$?|\\\)|\\\])$/, '');
    s = s.replace(/(?<![.\\])\.$|(?<!\\)[,;:]$/, '').replace(/\\[.,;]$/, '').trim();
    const boxed = /^\\(?:boxed|fbox)\s*\{/.exec(s);
    if (boxed && matchBrace(s, boxed[0].length - 1) === s.length - 1) s = s.slice(boxed[0].length, -1).trim();
    if (/^\{[^{}]*\}$/.test(s)) s = s.slice(1, -1).trim();
    if (s === before) break;
  }
  return s;
}

/** Rewrites `\frac12`, `\frac1{2}`, `\sqrt2` and `\sqrt[3]8` with braced arguments. */
function braceShorthandArguments(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const match = s[i] === '\\' ? /^\\(frac|binom|sqrt)(?![a-zA-Z])/.exec(s.slice(i, i + 8)) : null;
    if (!match) {
      out += s[i];
      i++;
      continue;
    }
    let j = i + match[0].length;
    let head = `\\${match[1]}`;
    if (match[1] === 'sqrt') {
      const index = readOptionalArgument(s, j);
      if (index) {
        head += `[${braceShorthandArguments(index.content)}]`;
        j = index.end;
      }
    }
    const count = match[1] === 'sqrt' ? 1 : 2;
    const args: string[] = [];
    for (let k = 0; k < count; k++) {
      const argument = readArgument(s, j);
      if (!argument) break;
      args.push(argument.content);
      j = argument.end;
    }
    // \sqrt(2) written with parentheses keeps them; the parser reads the group.
    if (args.length < count || args.some((a) => a === '(' || a === ')' || a === '[' || a === ']')) {
      out += head;
      i += match[0].length;
      continue;
    }
    out += head + args.map((a) => `{${braceShorthandArguments(a)}}`).join('');
    i = j;
  }
  return out;
}

function isUnitWord(word: string): boolean {
  return UNIT_WORDS.has(word.toLowerCase().replace(/\.$/, '')) || /^(of|per)$/i.test(word);
}

/** Returns the part of `text` after its last separator or operator, which a following `\text{…}` is attached to. */
function trailingOperand(text: string): string {
  const cut = Math.max(...[',', '(', '[', '{', '=', '<', '>', '+', '-', ';'].map((c) => text.lastIndexOf(c)));
  return text.slice(cut + 1).replace(/\\[a-zA-Z]+/g, '');
}

/**
 * Handles every `\text{…}`-like block: "and"/"or" become list commas, units and labels after math
 * are dropped, time-of-day markers stay, and an answer that is only text keeps its words.
 */
function rewriteTextBlocks(s: string): string {
  TEXT_COMMANDS.lastIndex = 0;
  if (!TEXT_COMMANDS.test(s)) return s;
  let out = '';
  let i = 0;
  TEXT_COMMANDS.lastIndex = 0;
  for (let match = TEXT_COMMANDS.exec(s); match; match = TEXT_COMMANDS.exec(s)) {
    const open = match.index + match[0].length - 1;
    const close = matchBrace(s, open);
    if (close < 0) break;
    out += s.slice(i, match.index);
    const content = s.slice(open + 1, close).replace(/\s+/g, ' ').trim();
    let end = close + 1;
    const whole = out.trim() === '' && s.slice(end).trim() === '';
    const attached = /[0-9a-zA-Z})\]|%]/.test(trailingOperand(out));
    if (/^(,?\s*(and|or|and\/or)\s*,?|,)$/i.test(content)) {
      out += ',';
    } else if (/^(%|percent|percentage)$/i.test(content)) {
      out += '%';
    } else if (whole) {
      out += content;
    } else if (TIME_MARKER.test(content)) {
      out += ` ${content}`;
    } else if ((match[1] === 'mathrm' || match[1] === 'mathit') && /^[a-zA-Z]$/.test(content)) {
      out += content;
    } else if (attached || content === '' || /^[\s.,;:]+$/.test(content)) {
      // A unit or a label after the answer; a trailing ^2 or ^{3} belongs to the unit.
      const power = /^\s*\^\s*(\{\s*\d\s*\}|\d)/.exec(s.slice(end));
      if (power) end += power[0].length;
    } else {
      out += content;
    }
    i = end;
    TEXT_COMMANDS.lastIndex = end;
  }
  return out + s.slice(i);
}

/** Drops trailing unit words written without `\text` ("125 miles", "5 cm^2"), keeping time-of-day markers. */
function dropTrailingUnits(s: string): string {
  const tokens = s.split(' ');
  const words: string[] = [];
  while (tokens.length > 1) {
    const last = tokens[tokens.length - 1];
    const word = /^([a-zA-Z]+\.?)(\^\{?\d\}?)?$/.exec(last);
    if (!word || (words.length > 0 && word[2])) break;
    words.unshift(word[1]);
    tokens.pop();
  }
  if (words.length === 0 || tokens.length === 0) return s;
  if (words.some((w) => TIME_MARKER.test(w))) return s;
  const prefix = tokens.join(' ').trim();
  // Units follow a quantity: the prefix must hold a digit or a math group ("No solution" keeps its words).
  if (!/[0-9}).a-zA-Z%]$/.test(prefix) || !/[\d})]/.test(prefix)) return s;
  const prefixIsNumber = /^[-+]?[\d,]*\.?\d+%?$/.test(prefix);
  // After a plain number any words are a description ("18.50 in total"); single letters may be variables.
  if (words.every(isUnitWord) || (prefixIsNumber && words.every((w) => w.length >= 2))) return prefix;
  return s;
}

/**
 * Rewrites math written as plain text: sqrt(2), pi, inf, 2**3, 1.2e5, 3 million. Words are matched
 * whole and only outside commands, so "pink" and \pi stay as they are.
 */
function writtenMathToLatex(s: string): string {
  return s
    .replace(/(?<![\\a-zA-Z])(sqrt|pi|sin|cos|tan|cot|sec|csc|ln|log|exp)(?![a-zA-Z])/g, '\\$1')
    .replace(/(?<![\\a-zA-Z])(infinity|inf)(?![a-zA-Z])/gi, '\\infty')
    .replace(/\*\*/g, '^')
    .replace(/(\d)[eE]([+-]?\d+)(?![\d.a-zA-Z])/g, '$1\\times10^{$2}')
    .replace(/(\d) ?(thousand|million|billion|trillion)\b/gi, (_, digit: string, word: string) => {
      const power = { thousand: 3, million: 6, billion: 9, trillion: 12 }[word.toLowerCase()];
      return `${digit}\\times10^{${power}}`;
    });
}

/** Canonical form of each plain decimal: `.5` → `0.5`, `2.50` → `2.5`, `3.0` → `3`, `007` → `7`, `-0` → `0`. */
function canonicalNumbers(s: string): string {
  return s.replace(/(?<![\w.}^_:]|\d,)(\d+\.?\d*|\.\d+)(?![\d_.]|\\overline)/g, (literal) => {
    let [whole, fraction = ''] = literal.split('.');
    fraction = fraction.replace(/0+$/, '');
    whole = whole.replace(/^0+(?=\d)/, '') || '0';
    return fraction ? `${whole}.${fraction}` : whole;
  }).replace(/(^|[^\w}])-0(?![\d.])/g, '$10');
}

/**
 * Normalizes an answer string for comparison. The result is canonical LaTeX without spaces (a space
 * remains only between a command and a following letter, as in `\sin x`); it is idempotent.
 */
export function normalizeAnswer(text: string): string {
  let s = unwrapAnswer(text);
  // A doubled backslash before a command name is an escaping slip (\\frac), not a row break.
  s = s.replace(/[\r\n\t]+/g, ' ').replace(/\\\\(?=(?:[dtc]?frac|sqrt|pi|text|left|right|cdot|times|infty|boxed|circ)(?![a-zA-Z]))/g, '\\');
  s = s.replace(/\\\\/g, ROW_BREAK);

  // Fraction and binomial variants, sizing and spacing commands.
  s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac').replace(/\\[dt]binom(?![a-zA-Z])/g, '\\binom');
  s = s.replace(/\\left\s*\.|\\right\s*\./g, '').replace(/\\(?:left|right|[bB]igg?[lr]?|middle)(?![a-zA-Z])/g, '');
  s = s.replace(STYLE_COMMANDS, '');
  s = s.replace(/(\d),\\!\s*(?=\d)/g, '$1').replace(/\{,\}/g, '').replace(/(\d)\\[,;:]\s*(?=\d{3}(?!\d))/g, '$1');
  s = s.replace(/\\!/g, '').replace(/\\[,;:> ]|~|\\q?quad(?![a-zA-Z])|\\[eh]space\{[^}]*\}/g, ' ');

  // Degrees, percent and currency.
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])|\^\s*\{\s*°\s*\}/g, '°');
  s = s.replace(/\\%|\s*\bpercent(age)?\b|\s*\bpct\b/gi, '%');
  s = s.replace(/\\\$|\$/g, '').replace(/€|£|\bUSD\b/g, '');

  s = rewriteTextBlocks(s);
  s = s.replace(/\s+/g, ' ').trim().replace(/ (and|or) (?=\S)/gi, ',');
  s = writtenMathToLatex(s);
  s = dropTrailingUnits(s);
  s = unwrapAnswer(s);
  // "a circle", "the even numbers": an article before a prose answer carries nothing.
  if (/^(a|an|the) [a-zA-Z][a-zA-Z ]*$/i.test(s)) s = s.replace(/^(a|an|the) /i, '');

  // A leading ≈ ("\approx 3.14") only marks the value as rounded.
  s = s.replace(/^(\\approx|≈|~)\s*/, '');
  // "x \in [a, b]" and "x \in \{…\}" name the set; the set is the answer.
  s = s.replace(/^[a-zA-Z](?:_\{?\w+\}?)?\s*\\in\s*/, '');
  s = braceShorthandArguments(s);

  // Remove spaces, but keep one between a command and a letter (\sin x must not become \sinx).
  s = s.replace(/(\\[a-zA-Z]+) +(?=[a-zA-Z])/g, '$1\u0000').replace(/\s+/g, '').replace(/\u0000/g, ' ');
  s = s.replace(/,{2,}/g, ',').replace(/,+$/, '').replace(/^,+/, '').replace(/^\+/, '');
  // A degree sign after a plain number is a unit (90° is the answer 90, also in x=90° or (30°,60°));
  // inside \cos 13° or \cos(13°) it stays and converts to radians.
  s = s.replace(/(^|[,=]|(?:^|[,=])[([])(-?[\d.]+)°(?=[,)\]]|$)/g, '$1$2');
  s = canonicalNumbers(s).replaceAll(ROW_BREAK, '\\\\');

  // Multiple-choice letters: (C), C), \text{(C)} → C.
  const choice = /^\(?([A-Z])\)$/.exec(s);
  if (choice) s = choice[1];

  // A pure-text answer ("Evelyn", "\text{odd}") compares without case.
  if (!s.includes('\\') && (/^[a-zA-Z][a-zA-Z']{2,}$/.test(s) || /^[A-Z]{2,}$/.test(s) || /[a-zA-Z]{4,}/.test(s) || /\d(a\.?m\.?|p\.?m\.?)$/i.test(s))) {
    s = `\\text{${s.toLowerCase()}}`;
  }
  return s;
}

/** True when a normalized answer is prose (`\text{…}`) rather than math. */
export function isTextAnswer(normalized: string): boolean {
  return normalized.startsWith('\\text{') && normalized.endsWith('}') && matchBrace(normalized, 5) === normalized.length - 1;
}
