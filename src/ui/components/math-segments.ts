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

export function splitMath(text: string): Segment[] {
  const segments: Segment[] = [];
  let plain = '';
  let i = 0;
  const flush = () => {
    if (plain) segments.push({ kind: 'text', text: plain });
    plain = '';
  };
  while (i < text.length) {
    const pair = PAIRS.find((p) => text.startsWith(p.open, i));
    if (pair) {
      const end = text.indexOf(pair.close, i + pair.open.length);
      if (end > i + pair.open.length) {
        flush();
        segments.push({ kind: 'math', tex: text.slice(i + pair.open.length, end), display: pair.display });
        i = end + pair.close.length;
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
          segments.push({ kind: 'math', tex: text.slice(i + 1, end), display: false });
          i = end + 1;
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
