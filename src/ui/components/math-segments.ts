/**
 * Splits model output or problem text into plain-text and LaTeX segments.
 * Delimiters: $$…$$ and \[…\] (display), \(…\) and $…$ (inline). A single $ follows pandoc's rule so
 * that prices stay text: the opening $ is not followed by a space, the closing $ is not preceded by a
 * space nor followed by a digit ("$5 and $10" is plain text).
 */

export type Segment = { kind: 'text'; text: string } | { kind: 'math'; tex: string; display: boolean };

const PAIRS: { open: string; close: string; display: boolean }[] = [
  { open: '$$', close: '$$', display: true },
  { open: '\\[', close: '\\]', display: true },
  { open: '\\(', close: '\\)', display: false },
];

function findInlineDollarClose(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++; // skip an escaped character such as \$
      continue;
    }
    if (ch === '\n' && text[i + 1] === '\n') return -1; // inline math never spans a blank line
    if (ch === '$') {
      const before = text[i - 1];
      const after = text[i + 1];
      if (i > from && before !== ' ' && before !== '\t' && before !== '\n' && !(after >= '0' && after <= '9')) return i;
      return -1;
    }
  }
  return -1;
}

/** A segment with the range [start, end) of the source text it was read from, delimiters included. */
export type LocatedSegment = Segment & { start: number; end: number };

export function splitMath(text: string): Segment[] {
  return splitMathLocated(text).map(({ start: _start, end: _end, ...segment }) => segment as Segment);
}

/** Like splitMath, with each segment's source range, so a caller can mark a span of the source. */
export function splitMathLocated(text: string): LocatedSegment[] {
  const segments: LocatedSegment[] = [];
  let plain = '';
  let plainStart = 0;
  let i = 0;
  const flush = () => {
    if (plain) segments.push({ kind: 'text', text: plain, start: plainStart, end: i });
    plain = '';
  };
  while (i < text.length) {
    const pair = PAIRS.find((p) => text.startsWith(p.open, i));
    if (pair) {
      const end = text.indexOf(pair.close, i + pair.open.length);
      if (end > i + pair.open.length) {
        flush();
        segments.push({ kind: 'math', tex: text.slice(i + pair.open.length, end), display: pair.display, start: i, end: end + pair.close.length });
        i = end + pair.close.length;
        plainStart = i;
        continue;
      }
    }
    if (text[i] === '\\' && text[i + 1] === '$') {
      plain += '$';
      i += 2;
      continue;
    }
    if (text[i] === '$' && !text.startsWith('$$', i)) {
      const next = text[i + 1];
      if (next !== undefined && next !== ' ' && next !== '\t' && next !== '\n') {
        const end = findInlineDollarClose(text, i + 1);
        if (end > 0) {
          flush();
          segments.push({ kind: 'math', tex: text.slice(i + 1, end), display: false, start: i, end: end + 1 });
          i = end + 1;
          plainStart = i;
          continue;
        }
      }
    }
    plain += text[i];
    i++;
  }
  flush();
  return segments;
}
