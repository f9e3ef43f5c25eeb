/** Finds where an extracted answer sits in a model output, so the Inspect page can mark it. */
import { matchBrace } from '../../../eval/grader/latex.ts';
import type { TextRange } from '../../components/MathText.tsx';

const BOX_COMMANDS = ['\\boxed', '\\fbox'];

function lastBoxRange(output: string): TextRange | null {
  let best: TextRange | null = null;
  for (const command of BOX_COMMANDS) {
    const start = output.lastIndexOf(`${command}{`);
    if (start < 0 || (best && start < best.start)) continue;
    const close = matchBrace(output, start + command.length);
    if (close >= 0) best = { start, end: close + 1 };
  }
  return best;
}

/**
 * Returns the range of the output that the answer was read from: the last \boxed{…} or \fbox{…} when the
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
