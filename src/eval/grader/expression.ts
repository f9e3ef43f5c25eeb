/**
 * A parser for the LaTeX subset that math answers use: numbers (decimal and base-subscripted),
 * variables, + − × ÷ ^, implicit multiplication, \frac, \sqrt[n]{}, \binom, ±, |x|, floor and
 * ceiling, factorial, %, degrees, and the elementary functions. It reads normalized answers
 * (see normalize.ts) and builds an Expr tree for evaluate.ts. Relations, commas and brackets that
 * make tuples or intervals are handled one level up, in structure.ts.
 */
import { Budget, MAX_NESTING } from './budget.ts';
import { matchBrace } from './latex.ts';
import { parseDecimal, rational, type Rational } from './rational.ts';

export type Expr =
  | { k: 'num'; value: Rational; text: string; decimals: number }
  | { k: 'based'; digits: string; base: number }
  | { k: 'sym'; name: string }
  | { k: 'pi' }
  | { k: 'inf' }
  | { k: 'neg'; a: Expr }
  | { k: 'add' | 'sub' | 'mul' | 'div' | 'pow'; a: Expr; b: Expr }
  | { k: 'pm'; a: Expr; b: Expr; sign: 1 | -1 }
  | { k: 'fn'; name: string; args: Expr[] };

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

type Token =
  | { t: 'num'; text: string; repeat?: string }
  | { t: 'based'; digits: string; base: number }
  | { t: 'id'; name: string }
  | { t: 'cmd'; name: string }
  | { t: 'op'; value: string };

const GREEK = new Set([
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'varepsilon', 'zeta', 'eta', 'theta', 'vartheta', 'iota', 'kappa', 'lambda',
  'mu', 'nu', 'xi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'varphi', 'chi', 'psi', 'omega',
  'Gamma', 'Delta', 'Theta', 'Lambda', 'Xi', 'Sigma', 'Upsilon', 'Phi', 'Psi', 'Omega', 'ell', 'imath', 'jmath',
]);

/** Functions of one argument, written `\name x`, `\name(x)` or `\name^2 x`. */
const FUNCTIONS = new Set([
  'sin', 'cos', 'tan', 'cot', 'sec', 'csc', 'arcsin', 'arccos', 'arctan', 'arccot', 'arcsec', 'arccsc',
  'sinh', 'cosh', 'tanh', 'coth', 'log', 'ln', 'lg', 'exp',
]);

/** Decorations whose argument names one symbol (\overline{AB}, \vec{v}). */
const DECORATIONS = new Set(['overline', 'underline', 'vec', 'hat', 'bar', 'tilde', 'widehat', 'widetilde', 'overrightarrow', 'dot', 'ddot', 'text', 'mathcal', 'mathbb', 'mathfrak', 'mathscr']);

const OPERATOR_COMMANDS: Record<string, string> = {
  cdot: '*', times: '*', ast: '*', div: '/', pm: '±', mp: '∓', lfloor: '⌊', rfloor: '⌋', lceil: '⌈', rceil: '⌉',
  vert: '|', lvert: '|', rvert: '|', mid: '|', '|': '‖', lbrace: '{', rbrace: '}', colon: ':', prime: "'",
};

function readBraced(text: string, open: number): { content: string; end: number } | null {
  const close = matchBrace(text, open);
  return close < 0 ? null : { content: text.slice(open + 1, close), end: close + 1 };
}

/** Splits a normalized answer into tokens; raises ParseError on characters no answer uses. */
export function tokenize(text: string, budget: Budget): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    budget.tick();
    const ch = text[i];
    if (ch === ' ') {
      i++;
      continue;
    }
    if (/[0-9.]/.test(ch)) {
      // A numeral with a base subscript (1200_7, 152A_{11}, 0.0011_{2}) or a plain decimal.
      const based = /^([0-9][0-9A-Z]*(?:\.[0-9A-Z]+)?)_(?:\{(\d{1,2})\}|(\d))/.exec(text.slice(i, i + 200));
      if (based) {
        tokens.push({ t: 'based', digits: based[1], base: Number(based[2] ?? based[3]) });
        i += based[0].length;
        continue;
      }
      const number = /^(\d+\.?\d*|\.\d+)/.exec(text.slice(i, i + 100_000));
      if (!number) throw new ParseError(`unexpected "${ch}"`);
      i += number[0].length;
      // A repeating decimal: 0.\overline{3} is 1/3, 0.1\overline{6} is 1/6.
      const repeating = number[0].includes('.') ? /^\\overline\{(\d{1,50})\}/.exec(text.slice(i, i + 70)) : null;
      if (repeating) i += repeating[0].length;
      tokens.push(repeating ? { t: 'num', text: number[0], repeat: repeating[1] } : { t: 'num', text: number[0] });
      continue;
    }
    if (/[a-zA-Z]/.test(ch)) {
      let name = ch;
      i++;
      ({ name, i } = readSubscriptAndPrimes(text, name, i));
      tokens.push({ t: 'id', name });
      continue;
    }
    if (ch === '\\') {
      const command = /^\\([a-zA-Z]+|.)/.exec(text.slice(i, i + 40));
      if (!command) throw new ParseError('dangling backslash');
      const name = command[1];
      i += command[0].length;
      if (DECORATIONS.has(name)) {
        const start = text.indexOf('{', i);
        const group = start >= 0 && text.slice(i, start).trim() === '' ? readBraced(text, start) : null;
        if (!group) throw new ParseError(`\\${name} needs a braced argument`);
        let symbol = `${name}(${group.content})`;
        i = group.end;
        ({ name: symbol, i } = readSubscriptAndPrimes(text, symbol, i));
        tokens.push({ t: 'id', name: symbol });
        continue;
      }
      if (GREEK.has(name)) {
        let symbol = name;
        ({ name: symbol, i } = readSubscriptAndPrimes(text, symbol, i));
        tokens.push({ t: 'id', name: symbol });
        continue;
      }
      if (name in OPERATOR_COMMANDS) {
        tokens.push({ t: 'op', value: OPERATOR_COMMANDS[name] });
        continue;
      }
      if (name === '{' || name === '}') throw new ParseError('set braces inside an expression');
      tokens.push({ t: 'cmd', name });
      continue;
    }
    if ('+-*/^_()[]{}|!\'°%'.includes(ch)) {
      tokens.push({ t: 'op', value: ch });
      i++;
      continue;
    }
    if (ch === '×' || ch === '·' || ch === '⋅') {
      tokens.push({ t: 'op', value: '*' });
      i++;
      continue;
    }
    if (ch === '÷') {
      tokens.push({ t: 'op', value: '/' });
      i++;
      continue;
    }
    if (ch === '−' || ch === '–') {
      tokens.push({ t: 'op', value: '-' });
      i++;
      continue;
    }
    if (ch === '√') {
      tokens.push({ t: 'cmd', name: 'sqrt' });
      i++;
      continue;
    }
    if (ch === 'π') {
      tokens.push({ t: 'cmd', name: 'pi' });
      i++;
      continue;
    }
    if (ch === '∞') {
      tokens.push({ t: 'cmd', name: 'infty' });
      i++;
      continue;
    }
    throw new ParseError(`unexpected "${ch}"`);
  }
  return tokens;
}

/** Appends `_1`, `_{ab}` and primes to a symbol name. */
function readSubscriptAndPrimes(text: string, name: string, i: number): { name: string; i: number } {
  if (text[i] === '_') {
    if (text[i + 1] === '{') {
      const group = readBraced(text, i + 1);
      if (group) {
        name += `_${group.content}`;
        i = group.end;
      }
    } else if (i + 1 < text.length && /[a-zA-Z0-9]/.test(text[i + 1])) {
      name += `_${text[i + 1]}`;
      i += 2;
    }
  }
  while (text[i] === "'") {
    name += "'";
    i++;
  }
  return { name, i };
}

/** Value of I.F with the digits R repeating forever: (IFR − IF) / (10^|F| · (10^|R| − 1)). */
function repeatingDecimal(text: string, repeat: string): Rational {
  const [whole, fraction = ''] = text.split('.');
  const withRepeat = BigInt(`${whole}${fraction}${repeat}`);
  const without = BigInt(`${whole}${fraction}` || '0');
  return rational(withRepeat - without, 10n ** BigInt(fraction.length) * (10n ** BigInt(repeat.length) - 1n));
}

/** Value of a numeral in base 2–36 (digits may have a fractional part); null when a digit is out of range. */
export function basedValue(digits: string, base: number): Rational | null {
  if (base < 2 || base > 36) return null;
  const [whole, fraction = ''] = digits.split('.');
  let n = 0n;
  const b = BigInt(base);
  for (const ch of whole + fraction) {
    const digit = parseInt(ch, 36);
    if (!(digit < base)) return null;
    n = n * b + BigInt(digit);
  }
  return rational(n, b ** BigInt(fraction.length));
}

function num(text: string, repeat?: string): Expr {
  const value = repeat ? repeatingDecimal(text, repeat) : parseDecimal(text);
  if (!value) throw new ParseError(`invalid number "${text}"`);
  const point = text.indexOf('.');
  return { k: 'num', value, text, decimals: point < 0 ? 0 : text.length - point - 1 };
}

/** Recursive-descent parser over the token list. */
class Parser {
  private pos = 0;
  private depth = 0;
  /** Open |…| groups; inside one a bar closes it instead of starting a new factor. */
  private absDepth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly budget: Budget,
  ) {}

  parse(): Expr {
    const expr = this.sum();
    if (this.pos < this.tokens.length) throw new ParseError(`unexpected ${describe(this.tokens[this.pos])}`);
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isOp(value: string, token = this.peek()): boolean {
    return token?.t === 'op' && token.value === value;
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) throw new ParseError(`expected "${value}"${this.peek() ? ` before ${describe(this.peek()!)}` : ' at the end'}`);
    this.pos++;
  }

  private enter(): void {
    this.budget.tick();
    if (++this.depth > MAX_NESTING) throw new ParseError('expression nested too deeply');
  }

  private sum(): Expr {
    this.enter();
    let left = this.product();
    for (;;) {
      const token = this.peek();
      if (token?.t !== 'op') break;
      if (token.value === '+' || token.value === '-') {
        this.pos++;
        const right = this.product();
        left = { k: token.value === '+' ? 'add' : 'sub', a: left, b: right };
      } else if (token.value === '±' || token.value === '∓') {
        this.pos++;
        left = { k: 'pm', a: left, b: this.product(), sign: token.value === '±' ? 1 : -1 };
      } else break;
    }
    this.depth--;
    return left;
  }

  /** Parses a term: factors joined by ×, ÷ or juxtaposition. A leading sign binds to the whole term. */
  private product(): Expr {
    const token = this.peek();
    if (this.isOp('-')) {
      this.pos++;
      return { k: 'neg', a: this.product() };
    }
    if (this.isOp('+')) {
      this.pos++;
      return this.product();
    }
    if (this.isOp('±') || this.isOp('∓')) {
      this.pos++;
      const zero: Expr = { k: 'num', value: rational(0n), text: '0', decimals: 0 };
      return { k: 'pm', a: zero, b: this.product(), sign: token?.t === 'op' && token.value === '±' ? 1 : -1 };
    }
    let left = this.power();
    let factors = 1;
    for (;;) {
      const next = this.peek();
      if (next?.t === 'op' && (next.value === '*' || next.value === '/')) {
        this.pos++;
        const right = this.signedPower();
        left = { k: next.value === '*' ? 'mul' : 'div', a: left, b: right };
      } else if (next && this.startsFactor(next)) {
        const right = this.power();
        left = factors === 1 && isMixedNumber(left, right) ? { k: 'add', a: left, b: right } : { k: 'mul', a: left, b: right };
      } else break;
      factors++;
    }
    return left;
  }

  /** Parses a factor after × or ÷, which may carry its own sign (2 \cdot -3). */
  private signedPower(): Expr {
    if (this.isOp('-')) {
      this.pos++;
      return { k: 'neg', a: this.signedPower() };
    }
    if (this.isOp('+')) this.pos++;
    return this.power();
  }

  private startsFactor(token: Token): boolean {
    if (token.t === 'num' || token.t === 'based' || token.t === 'id') return true;
    if (token.t === 'cmd') return !['right', 'end'].includes(token.name);
    if (token.t === 'op') return ['(', '[', '{', '⌊', '⌈', '√'].includes(token.value) || (token.value === '|' && this.absDepth === 0);
    return false;
  }

  private power(): Expr {
    this.enter();
    let base = this.postfix();
    if (this.isOp('^')) {
      this.pos++;
      const exponent = this.exponent();
      base = { k: 'pow', a: base, b: exponent };
      base = this.postfixOperators(base);
    }
    this.depth--;
    return base;
  }

  /** Parses an exponent: a braced group, or one signed atom (2^10 reads as 2^{10}, as writers mean it). */
  private exponent(): Expr {
    if (this.isOp('{')) {
      this.pos++;
      const inner = this.sum();
      this.expectOp('}');
      return inner;
    }
    if (this.isOp('-')) {
      this.pos++;
      return { k: 'neg', a: this.exponent() };
    }
    if (this.isOp('+')) this.pos++;
    return this.atom();
  }

  private postfix(): Expr {
    return this.postfixOperators(this.atom());
  }

  private postfixOperators(expr: Expr): Expr {
    for (;;) {
      if (this.isOp('!')) {
        this.pos++;
        expr = { k: 'fn', name: 'factorial', args: [expr] };
      } else if (this.isOp('%')) {
        this.pos++;
        expr = { k: 'fn', name: 'percent', args: [expr] };
      } else if (this.isOp('°')) {
        this.pos++;
        expr = { k: 'fn', name: 'degrees', args: [expr] };
      } else return expr;
    }
  }

  private group(close: string): Expr {
    const inner = this.sum();
    this.expectOp(close);
    return inner;
  }

  private braced(): Expr {
    this.expectOp('{');
    return this.group('}');
  }

  private atom(): Expr {
    this.enter();
    const token = this.peek();
    if (!token) throw new ParseError('expression ends too early');
    this.pos++;
    let result: Expr;
    switch (token.t) {
      case 'num':
        result = num(token.text, token.repeat);
        break;
      case 'based':
        result = { k: 'based', digits: token.digits, base: token.base };
        break;
      case 'id':
        result = { k: 'sym', name: token.name };
        break;
      case 'cmd':
        result = this.command(token.name);
        break;
      case 'op':
        result = this.bracketed(token.value);
        break;
    }
    this.depth--;
    return result;
  }

  private bracketed(open: string): Expr {
    switch (open) {
      case '(':
        return this.group(')');
      case '[':
        return this.group(']');
      case '{':
        return this.group('}');
      case '⌊':
        return { k: 'fn', name: 'floor', args: [this.group('⌋')] };
      case '⌈':
        return { k: 'fn', name: 'ceil', args: [this.group('⌉')] };
      case '|': {
        this.absDepth++;
        const inner = this.sum();
        this.absDepth--;
        this.expectOp('|');
        return { k: 'fn', name: 'abs', args: [inner] };
      }
      default:
        throw new ParseError(`unexpected "${open}"`);
    }
  }

  private command(name: string): Expr {
    switch (name) {
      case 'pi':
        return { k: 'pi' };
      case 'infty':
      case 'infin':
        return { k: 'inf' };
      case 'frac': {
        const a = this.braced();
        const b = this.braced();
        return { k: 'div', a, b };
      }
      case 'binom':
        return { k: 'fn', name: 'binom', args: [this.braced(), this.braced()] };
      case 'sqrt': {
        if (this.isOp('[')) {
          this.pos++;
          const index = this.group(']');
          return { k: 'fn', name: 'root', args: [index, this.isOp('{') ? this.braced() : this.atom()] };
        }
        return { k: 'fn', name: 'sqrt', args: [this.isOp('{') ? this.braced() : this.atom()] };
      }
      default:
        if (FUNCTIONS.has(name)) return this.functionCall(name);
        throw new ParseError(`unknown command \\${name}`);
    }
  }

  /** Parses a function call: `\sin x`, `\sin(x)`, `\sin^2 x`, `\sin^{-1} x`, `\log_2 8`, `\log_{b}(x)`. */
  private functionCall(name: string): Expr {
    let base: Expr | null = null;
    let power: Expr | null = null;
    for (let k = 0; k < 2; k++) {
      if (this.isOp('_') && (name === 'log' || name === 'lg')) {
        this.pos++;
        base = this.exponent();
      } else if (this.isOp('^')) {
        this.pos++;
        power = this.exponent();
      }
    }
    let argument: Expr;
    if (this.isOp('(')) {
      this.pos++;
      argument = this.group(')');
    } else {
      // Without parentheses the argument runs over the following factors up to + − or another function.
      argument = this.power();
      for (;;) {
        const next = this.peek();
        if (!next || !this.startsFactor(next) || (next.t === 'cmd' && FUNCTIONS.has(next.name))) break;
        argument = { k: 'mul', a: argument, b: this.power() };
      }
    }
    const inverse = power && isMinusOne(power) && /^(sin|cos|tan|cot|sec|csc)$/.test(name);
    let callName = name === 'lg' ? 'log10' : name;
    if (inverse) callName = `arc${name}`;
    let call: Expr = { k: 'fn', name: callName, args: base ? [argument, base] : [argument] };
    if (power && !inverse) call = { k: 'pow', a: call, b: power };
    return call;
  }
}

function isMinusOne(expr: Expr): boolean {
  return expr.k === 'neg' && expr.a.k === 'num' && expr.a.text === '1';
}

/** Tells whether `2\frac{1}{2}` is the mixed number 2½: an integer written directly before a proper fraction of integers. */
function isMixedNumber(left: Expr, right: Expr): boolean {
  if (left.k !== 'num' || left.decimals !== 0 || right.k !== 'div') return false;
  const { a, b } = right;
  return a.k === 'num' && b.k === 'num' && a.decimals === 0 && b.decimals === 0 && a.value.n < b.value.n && a.value.n > 0n;
}

function describe(token: Token): string {
  switch (token.t) {
    case 'num':
      return `number ${token.text}`;
    case 'based':
      return `numeral ${token.digits}_${token.base}`;
    case 'id':
      return `symbol ${token.name}`;
    case 'cmd':
      return `\\${token.name}`;
    case 'op':
      return `"${token.value}"`;
  }
}

/** Parses one normalized expression; raises ParseError when it is not in the supported subset. */
export function parseExpression(text: string, budget: Budget): Expr {
  if (text.trim() === '') throw new ParseError('empty expression');
  return new Parser(tokenize(text, budget), budget).parse();
}

/** Collects the free symbols (variable names) of an expression into `into`. */
export function freeSymbols(expr: Expr, into = new Set<string>()): Set<string> {
  switch (expr.k) {
    case 'sym':
      into.add(expr.name);
      break;
    case 'neg':
      freeSymbols(expr.a, into);
      break;
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
    case 'pm':
      freeSymbols(expr.a, into);
      freeSymbols(expr.b, into);
      break;
    case 'fn':
      for (const arg of expr.args) freeSymbols(arg, into);
      break;
  }
  return into;
}

/** Expands ± and ∓ into every sign choice (at most 2^4 expressions); returns [expr] when there is none. */
export function expandPlusMinus(expr: Expr): Expr[] {
  const choices: Expr[] = [];
  const visit = (node: Expr, signs: number[]): Expr => {
    switch (node.k) {
      case 'pm': {
        const sign = signs.shift() ?? 1;
        const op = sign * node.sign > 0 ? 'add' : 'sub';
        return { k: op, a: visit(node.a, signs), b: visit(node.b, signs) };
      }
      case 'neg':
        return { k: 'neg', a: visit(node.a, signs) };
      case 'add':
      case 'sub':
      case 'mul':
      case 'div':
      case 'pow':
        return { k: node.k, a: visit(node.a, signs), b: visit(node.b, signs) };
      case 'fn':
        return { k: 'fn', name: node.name, args: node.args.map((arg) => visit(arg, signs)) };
      default:
        return node;
    }
  };
  const count = countPlusMinus(expr);
  if (count === 0) return [expr];
  if (count > 4) throw new ParseError('more than four ± signs');
  for (let mask = 0; mask < 1 << count; mask++) {
    const signs = Array.from({ length: count }, (_, bit) => ((mask >> bit) & 1 ? -1 : 1));
    choices.push(visit(expr, signs));
  }
  return choices;
}

function countPlusMinus(expr: Expr): number {
  switch (expr.k) {
    case 'pm':
      return 1 + countPlusMinus(expr.a) + countPlusMinus(expr.b);
    case 'neg':
      return countPlusMinus(expr.a);
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
      return countPlusMinus(expr.a) + countPlusMinus(expr.b);
    case 'fn':
      return expr.args.reduce((sum, arg) => sum + countPlusMinus(arg), 0);
    default:
      return 0;
  }
}
