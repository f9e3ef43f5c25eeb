import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../test/cli.ts';
import { Rng } from '../util/random.ts';
import { Decontaminator, testProblemFromRecord, type TestProblem } from './decontam.ts';
import { generateProblems } from './generate.ts';

function loadTests(path: string, source: string): TestProblem[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line, i) => testProblemFromRecord(JSON.parse(line), source, i + 1) as TestProblem);
}

const GSM8K_TEST = loadTests(join(SHARED_DATA, 'gsm8k', 'test.jsonl'), 'gsm8k test');

/** Edits a problem lightly: one word (not a number) replaced, spacing doubled, punctuation moved or dropped. */
function lightlyEdit(text: string, rng: Rng): string {
  const tokens = text.split(/(\s+)/);
  const words = tokens.map((t, i) => (/^[A-Za-z]{3,}[.,?!]?$/.test(t) ? i : -1)).filter((i) => i >= 0);
  const at = rng.pick(words);
  tokens[at] = tokens[at].replace(/[A-Za-z]+/, (w) => (w === 'many' ? 'much' : 'several'));
  let edited = tokens.join('');
  edited = edited.replace(/ /g, rng.next() < 0.5 ? '  ' : ' ');
  edited = edited.replace(/,(?!\d)/g, rng.next() < 0.5 ? ' ,' : '');
  return edited.replace(/\?$/, ' ?').replace(/\.\s/g, '.\n');
}

describe('Decontaminator', () => {
  it('flags planted GSM8K problems only', () => {
    const rng = new Rng(2024);
    const shard = [
      ...generateProblems({ stage: 'normal', methods: ['plain', 'backward', 'evol', 'selfcorrect'], count: 5000, seed: 31 }),
      ...generateProblems({ stage: 'hard', methods: ['plain', 'backward', 'evol', 'selfcorrect'], count: 5000, seed: 32 }),
    ].map((item) => ({ id: item.id, text: item.problem }));
    const planted = new Map<string, TestProblem>();
    for (let i = 0; i < 50; i++) {
      const test = GSM8K_TEST[i * 26 + 3];
      const id = `planted-${i}`;
      planted.set(id, test);
      shard.splice(rng.int(0, shard.length), 0, { id, text: lightlyEdit(test.text, rng) });
    }
    expect(shard).toHaveLength(10_050);

    const decontaminator = new Decontaminator(GSM8K_TEST);
    const flagged = new Map<string, string>();
    for (const item of shard) {
      const match = decontaminator.check(item.text);
      if (match) flagged.set(item.id, match.testId);
    }
    const missed = [...planted.keys()].filter((id) => !flagged.has(id)).map((id) => shard.find((s) => s.id === id)!.text);
    expect(missed, 'planted problems not flagged').toEqual([]);
    for (const [id, test] of planted) expect(flagged.get(id)).toBe(test.id);
    const clean = [...flagged.keys()].filter((id) => !planted.has(id));
    expect(clean.map((id) => shard.find((s) => s.id === id)!.text), 'clean items flagged').toEqual([]);
  });

  it('flags a shared 30-word run inside a longer item', () => {
    const test = GSM8K_TEST.find((t) => t.text.split(/\s+/).length > 45)!;
    const words = test.text.split(/\s+/);
    const item = `Here is a new story. ${words.slice(5, 36).join(' ')} And then something else happens entirely.`;
    const match = new Decontaminator([test], { minCoverage: null }).check(item);
    expect(match).toMatchObject({ reason: 'ngram', testId: test.id });
    expect(match!.longestRun).toBeGreaterThanOrEqual(30);
    expect(new Decontaminator([test], { minCoverage: null }).check(words.slice(5, 30).join(' '))).toBeNull();
  });

  it('uses the whole test problem when it is shorter than n', () => {
    const tests = [{ source: 'math test', id: 'short', text: 'Compute $\\dbinom{8}{4}$.' }];
    const d = new Decontaminator(tests);
    expect(d.check('Please compute \\dbinom{8}{4} now.')).toMatchObject({ reason: 'ngram', testId: 'short', coverage: 1 });
    expect(d.check('Compute \\dbinom{9}{4}.')).toBeNull();
  });

  it('honours a smaller n', () => {
    const test = GSM8K_TEST[0];
    const words = test.text.split(/\s+/);
    const item = words.slice(0, 12).join(' ');
    expect(new Decontaminator([test], { minCoverage: null }).check(item)).toBeNull();
    expect(new Decontaminator([test], { n: 10, minCoverage: null }).check(item)).toMatchObject({ reason: 'ngram' });
  });

  it('names the field a benchmark record lacks', () => {
    expect(testProblemFromRecord({ text: 'x' }, 'file.jsonl', 7)).toMatch(/line 7: expected a "question" \(GSM8K\) or "problem" \(MATH\)/);
    expect(testProblemFromRecord({ problem: 'p', unique_id: 'test/algebra/1.json' }, 'math', 1)).toEqual({ source: 'math', id: 'test/algebra/1.json', text: 'p' });
  });
});
