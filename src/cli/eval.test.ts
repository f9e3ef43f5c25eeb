/** `mwb eval` through the real binary on a tiny random-weight model and the shared GSM8K and MATH-500 files. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMwb, runMwbAsync, SHARED_DATA } from '../../test/cli.ts';
import { ALPACA_COT_TEXT } from '../eval/templates.ts';
import { encodeGguf } from '../model/gguf/writer.ts';
import { randomModel } from '../model/random-model.ts';
import { tinyModelOptions } from '../model/test-models.ts';
import type { EvalLine } from './commands/eval-loop.ts';

const GSM8K = join(SHARED_DATA, 'gsm8k', 'test.jsonl');
const MATH500 = join(SHARED_DATA, 'math', 'math500_test.jsonl');

let dir: string;
let model: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-eval-'));
  model = join(dir, 'tiny.gguf');
  writeFileSync(model, await encodeGguf(randomModel(await tinyModelOptions({ seed: 3 })).spec));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readLines = (path: string): EvalLine[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EvalLine);

const common = ['--context', '1024', '--max-tokens', '6', '--batch', '4'];

describe('mwb eval', () => {
  it('GSM8K run writes JSONL and resumes', { timeout: 240_000 }, async () => {
    const out = join(dir, 'gsm8k.jsonl');
    const first = await runMwbAsync(['eval', model, '--bench', 'gsm8k', '--data', GSM8K, '--limit', '5', '--out', out, ...common]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/accuracy: \d of 5 = [\d.]+% \(95% interval [\d.]+%–[\d.]+%\)/);
    expect(first.stdout).toMatch(/finished: 5 of 5 samples/);
    const lines = readLines(out);
    expect(lines.map((l) => l.problemIndex).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const line of lines) {
      expect(line.prompt.startsWith(ALPACA_COT_TEXT.split('{problem}')[0])).toBe(true);
      expect(['correct', 'wrong', 'unparsed']).toContain(line.verdict);
      expect(line.gold).toMatch(/^\d+$/);
      expect(line.tokens).toBeLessThanOrEqual(6);
    }
    expect(lines.find((l) => l.problemIndex === 0)!.gold).toBe('18');

    const again = runMwb(['eval', model, '--bench', 'gsm8k', '--data', GSM8K, '--limit', '5', '--out', out, ...common]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; pass --resume/);

    // An interrupted run: two finished lines and a line cut off mid-write.
    const kept = readFileSync(out, 'utf8').split('\n').slice(0, 2);
    writeFileSync(out, `${kept.join('\n')}\n{"problemIndex":4,"sa`);
    const resumed = await runMwbAsync(['eval', model, '--bench', 'gsm8k', '--data', GSM8K, '--limit', '5', '--out', out, '--resume', '--json', ...common]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary).toMatchObject({ status: 'finished', problems: 5, summary: { problems: 5, samples: 5 } });
    const after = readLines(out).filter((l) => l.problemId !== undefined);
    expect(after.slice(0, 2)).toEqual(kept.map((k) => JSON.parse(k)));
    expect(new Set(after.map((l) => l.problemIndex))).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('reports MATH-500 levels and subjects', { timeout: 240_000 }, async () => {
    const out = join(dir, 'math500.jsonl');
    const result = await runMwbAsync(['eval', model, '--bench', 'math500', '--data', MATH500, '--limit', '3', '--out', out, ...common]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Level \d: \d\/\d/);
    expect(readLines(out).map((l) => l.problemId).sort()).toEqual(['test/algebra/2584.json', 'test/intermediate_algebra/1994.json', 'test/precalculus/807.json'].sort());
  });

  it("rejects another benchmark's file", () => {
    const out = join(dir, 'wrong.jsonl');
    const result = runMwb(['eval', model, '--bench', 'math', '--data', GSM8K, '--out', out, ...common]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/test\.jsonl:1 is not a MATH problem: missing fields "problem", "solution"/);
    expect(existsSync(out)).toBe(false);
  });

  it('checks its arguments', () => {
    expect(runMwb(['eval', model, '--bench', 'aime', '--data', GSM8K, '--out', 'x.jsonl']).stderr).toMatch(/--bench must be one of gsm8k, math, math500/);
    expect(runMwb(['eval', model, '--bench', 'gsm8k', '--data', GSM8K, '--out', 'x.jsonl', '--samples', '4']).stderr).toMatch(/needs --temperature above 0/);
    const chat = runMwb(['eval', model, '--bench', 'gsm8k', '--data', GSM8K, '--out', join(dir, 'chat.jsonl'), '--template', 'chat-boxed']);
    expect(chat.code).toBe(1);
    expect(chat.stderr).toMatch(/has no tokenizer\.chat_template; use a text template such as alpaca-cot/);
    expect(existsSync(join(dir, 'chat.jsonl'))).toBe(false);
  });
});
