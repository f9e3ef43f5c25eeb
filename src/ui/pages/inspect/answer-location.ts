/** Finds where an extracted answer sits in a model output, so the Inspect page can mark it. */
import type { TextRange } from '../../components/MathText.tsx';

const BOX_COMMANDS = ['\\boxed', '\\fbox'];

/** End of the braced group that opens at `open`, or -1 when the braces are unbalanced. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function lastBoxRange(output: string): TextRange | null {
  let best: TextRange | null = null;
  for (const command of BOX_COMMANDS) {
    const start = output.lastIndexOf(`${command}{`);
    if (start < 0 || (best && start < best.start)) continue;
    const close = closingBrace(output, start + command.length);
    if (close >= 0) best = { start, end: close + 1 };
  }
  return best;
}

/**
 * The range of the output that the answer was read from: the last \boxed{…} or \fbox{…} when the
 * extraction rule was a box, otherwise the last occurrence of the extracted text; null when neither
 * is found.
 */
export function locateAnswer(output: string, extracted: string | null, rule: string): TextRange | null {
  if (extracted === null || extracted === '') return null;
  if (/box/i.test(rule)) {
    const box = lastBoxRange(output);
    if (box) return box;
  }
  const at = output.lastIndexOf(extracted);
  return at >= 0 ? { start: at, end: at + extracted.length } : null;
}
