/**
 * Decontamination: finds generated problems that overlap benchmark test problems, by word n-grams
 * after normalization (NFKC, lower case, punctuation and whitespace ignored). An item is flagged
 * against a test problem when either
 *  - they share a run of at least n consecutive words (n = 30 by default, the setting Skywork-Math
 *    reports using after finding 10 too strict), or the whole test problem when it has fewer than n
 *    words; or
 *  - a fraction of at least minCoverage of the test problem's words lies in k-word shingles that the
 *    item also contains. This catches lightly edited copies, because one changed word breaks every
 *    long run through it but leaves the rest of the problem covered.
 * With the defaults (k = 5, minCoverage 0.6, minCoveredWords 8), a copy with one word changed leaves
 * at most k words uncovered, so every test problem of 13 or more words is still flagged
 * (1 − 5/13 > 0.6); every GSM8K test question has 15 or more words.
 */
import { ngramKey, textWords, wordHashes } from './text.ts';

export interface TestProblem {
  /** Benchmark name, e.g. "gsm8k test". */
  source: string;
  id: string;
  text: string;
}

export interface DecontamOptions {
  /** Shared run length in words that flags an item (default 30). */
  n?: number;
  /** Shingle length for the coverage check (default 5; at most n). */
  coverageN?: number;
  /** Covered fraction of a test problem's words that flags an item (default 0.6); null turns the check off. */
  minCoverage?: number | null;
  /** Covered words needed besides the fraction (default 8), so a short question sharing one stock phrase is not flagged. */
  minCoveredWords?: number;
}

export interface ContaminationMatch {
  source: string;
  testId: string;
  testText: string;
  /** Length in words of the longest run of consecutive shared words. */
  longestRun: number;
  /** Fraction of the test problem's words inside shared shingles. */
  coverage: number;
  reason: 'ngram' | 'coverage';
  /** The longest shared run, as normalized words. */
  sharedText: string;
}

interface IndexedTest {
  problem: TestProblem;
  words: string[];
}

/** Position packing: test index × 2^16 + word position (test problems are far below 65,536 words). */
const POSITION_BITS = 65536;

export class Decontaminator {
  readonly n: number;
  readonly k: number;
  readonly minCoverage: number | null;
  readonly minCoveredWords: number;
  private readonly tests: IndexedTest[] = [];
  private readonly shingles = new Map<number, number[]>();
  /** Test problems shorter than k words, by length, keyed by the hash of all their words. */
  private readonly shortTests = new Map<number, Map<number, number[]>>();

  constructor(tests: Iterable<TestProblem>, options: DecontamOptions = {}) {
    this.n = options.n ?? 30;
    if (!Number.isInteger(this.n) || this.n < 1) throw new RangeError(`n must be a positive integer, got ${options.n}`);
    this.k = Math.min(this.n, options.coverageN ?? 5);
    if (!Number.isInteger(this.k) || this.k < 1) throw new RangeError(`coverageN must be a positive integer, got ${options.coverageN}`);
    this.minCoverage = options.minCoverage === undefined ? 0.6 : options.minCoverage;
    if (this.minCoverage !== null && !(this.minCoverage > 0 && this.minCoverage <= 1)) throw new RangeError(`minCoverage must be in (0, 1], got ${this.minCoverage}`);
    this.minCoveredWords = options.minCoveredWords ?? 8;
    for (const problem of tests) this.addTest(problem);
  }

  get size(): number {
    return this.tests.length;
  }

  private addTest(problem: TestProblem): void {
    const words = textWords(problem.text);
    if (words.length === 0) return;
    const t = this.tests.length;
    this.tests.push({ problem, words: words.length >= POSITION_BITS ? words.slice(0, POSITION_BITS - 1) : words });
    const hashes = wordHashes(this.tests[t].words);
    if (hashes.length < this.k) {
      let byKey = this.shortTests.get(hashes.length);
      if (!byKey) this.shortTests.set(hashes.length, (byKey = new Map()));
      const key = ngramKey(hashes, 0, hashes.length);
      byKey.set(key, [...(byKey.get(key) ?? []), t]);
      return;
    }
    for (let pos = 0; pos + this.k <= hashes.length; pos++) {
      const key = ngramKey(hashes, pos, this.k);
      const list = this.shingles.get(key);
      if (list) list.push(t * POSITION_BITS + pos);
      else this.shingles.set(key, [t * POSITION_BITS + pos]);
    }
  }

  /** Finds the strongest flagged match of a text against the test problems; null when it is clean. */
  check(text: string): ContaminationMatch | null {
    const words = textWords(text);
    const hashes = wordHashes(words);
    const k = this.k;
    const covered = new Map<number, Uint8Array>();
    const longest = new Map<number, { run: number; end: number }>();
    let previous = new Map<number, number>();
    for (let i = 0; i + k <= hashes.length; i++) {
      const current = new Map<number, number>();
      const list = this.shingles.get(ngramKey(hashes, i, k));
      if (list) {
        for (const packed of list) {
          const t = Math.floor(packed / POSITION_BITS);
          const pos = packed - t * POSITION_BITS;
          let bits = covered.get(t);
          if (!bits) covered.set(t, (bits = new Uint8Array(this.tests[t].words.length)));
          bits.fill(1, pos, pos + k);
          const run = (previous.get(packed - 1) ?? 0) + 1;
          current.set(packed, run);
          const best = longest.get(t);
          if (!best || run > best.run) longest.set(t, { run, end: pos + k });
        }
      }
      previous = current;
    }

    let match: ContaminationMatch | null = null;
    const consider = (t: number, runWords: number, end: number, coverage: number) => {
      const test = this.tests[t];
      const needed = Math.min(this.n, test.words.length);
      const coveredWords = Math.round(coverage * test.words.length);
      const byCoverage = this.minCoverage !== null && coverage >= this.minCoverage && coveredWords >= this.minCoveredWords;
      let reason: ContaminationMatch['reason'];
      if (runWords >= needed) reason = 'ngram';
      else if (byCoverage) reason = 'coverage';
      else return;
      if (match && (match.coverage > coverage || (match.coverage === coverage && match.longestRun >= runWords))) return;
      match = {
        source: test.problem.source,
        testId: test.problem.id,
        testText: test.problem.text,
        longestRun: runWords,
        coverage,
        reason,
        sharedText: test.words.slice(end - runWords, end).join(' '),
      };
    };
    for (const [t, best] of longest) {
      const bits = covered.get(t)!;
      let count = 0;
      for (let i = 0; i < bits.length; i++) count += bits[i];
      consider(t, best.run + k - 1, best.end, count / bits.length);
    }
    for (const [length, byKey] of this.shortTests) {
      for (let i = 0; i + length <= hashes.length; i++) {
        for (const t of byKey.get(ngramKey(hashes, i, length)) ?? []) consider(t, length, length, 1);
      }
    }
    return match;
  }
}

/** Reads a test problem from a benchmark JSONL record: GSM8K (`question`), MATH and MATH-500 (`problem`). */
export function testProblemFromRecord(record: Record<string, unknown>, source: string, line: number): TestProblem | string {
  let text: string | null = null;
  if (typeof record.question === 'string') text = record.question;
  else if (typeof record.problem === 'string') text = record.problem;
  if (text === null) return `line ${line}: expected a "question" (GSM8K) or "problem" (MATH) string field, found ${Object.keys(record).join(', ') || 'no fields'}`;
  let id = `line ${line}`;
  if (typeof record.unique_id === 'string') id = record.unique_id;
  else if (typeof record.id === 'string' || typeof record.id === 'number') id = String(record.id);
  return { source, id, text };
}
