/**
 * Finds the benchmark problem an imported output belongs to: by id, by the problem text, or by the
 * problem text found inside the prompt. Texts are compared after collapsing whitespace runs to one
 * space, because exporters re-wrap and strip whitespace.
 */
import type { BenchmarkProblemRecord } from '../db/eval.ts';
import type { MatchKeys } from './import-formats.ts';

export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Length of the text prefix that indexes problems for the search inside prompts. */
const WINDOW = 32;

export type MatchedBy = 'id' | 'problem' | 'prompt';

export class ProblemMatcher {
  private readonly byId = new Map<string, number>();
  private readonly byText = new Map<string, number>();
  /** Problems keyed by the first WINDOW characters of their normalized text (several may share one). */
  private byPrefix: Map<string, number[]> | null = null;
  /** Problems shorter than WINDOW, searched with includes(). */
  private shortProblems: number[] = [];
  private readonly normalized: string[] = [];

  constructor(private readonly problems: readonly BenchmarkProblemRecord[]) {
    problems.forEach((problem, position) => {
      this.byId.set(problem.problemId, position);
      const text = normalizeWhitespace(problem.problem);
      this.normalized.push(text);
      if (!this.byText.has(text)) this.byText.set(text, position);
    });
  }

  /** Returns the matched problem and how it was found, or null. */
  match(keys: MatchKeys): { problem: BenchmarkProblemRecord; by: MatchedBy } | null {
    for (const id of keys.ids) {
      const position = this.byId.get(id);
      if (position !== undefined) return { problem: this.problems[position], by: 'id' };
    }
    for (const text of keys.texts) {
      const position = this.byText.get(normalizeWhitespace(text));
      if (position !== undefined) return { problem: this.problems[position], by: 'problem' };
    }
    if (keys.prompt) {
      const position = this.findInPrompt(normalizeWhitespace(keys.prompt));
      if (position !== null) return { problem: this.problems[position], by: 'prompt' };
    }
    return null;
  }

  private buildPrefixIndex(): Map<string, number[]> {
    const index = new Map<string, number[]>();
    this.normalized.forEach((text, position) => {
      if (text.length < WINDOW) {
        this.shortProblems.push(position);
        return;
      }
      const key = text.slice(0, WINDOW);
      const list = index.get(key);
      if (list) list.push(position);
      else index.set(key, [position]);
    });
    return index;
  }

  /**
   * Finds the problem whose whole text occurs in the prompt. When several do, the last one wins,
   * because few-shot prompts put exemplar problems first and the asked problem last.
   */
  private findInPrompt(prompt: string): number | null {
    this.byPrefix ??= this.buildPrefixIndex();
    let best: { position: number; start: number } | null = null;
    for (let start = prompt.length - WINDOW; start >= 0 && best === null; start--) {
      const candidates = this.byPrefix.get(prompt.slice(start, start + WINDOW));
      if (!candidates) continue;
      for (const position of candidates) {
        if (prompt.startsWith(this.normalized[position], start)) {
          best = { position, start };
          break;
        }
      }
    }
    // A short problem may also occur inside a longer one, so the match that ends last wins, and on
    // a tie the longer one.
    const endOf = (m: { position: number; start: number }) => m.start + this.normalized[m.position].length;
    for (const position of this.shortProblems) {
      const start = prompt.lastIndexOf(this.normalized[position]);
      if (start < 0) continue;
      const candidate = { position, start };
      if (best === null || endOf(candidate) > endOf(best)) best = candidate;
    }
    return best?.position ?? null;
  }
}
