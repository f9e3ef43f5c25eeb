import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMwb } from '../../test/cli.ts';

const r = String.raw;

describe('mwb grade', () => {
  it('grades one pair and extracts the boxed prediction', () => {
    const result = runMwb(['grade', '--gold', r`\frac{1}{2}`, '--pred', r`So the answer is $\boxed{0.5}$.`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/equivalent\s+true/);
    expect(result.stdout).toMatch(/extracted\s+0\.5\s+\[boxed\]/);
  });

  it('prints one JSON object with --json', () => {
    const result = runMwb(['grade', '--gold', '[1,2)', '--pred', '[1,2]', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ gold: '[1,2)', pred: '[1,2]', extracted: '[1,2]', equivalent: false, method: 'structure' });
  });

  it('grades a JSONL file, reports malformed lines and keeps the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mwb-grade-'));
    const input = join(dir, 'pairs.jsonl');
    const output = join(dir, 'graded.jsonl');
    const lines = [
      JSON.stringify({ id: 'a', subject: 'Algebra', level: 'Level 2', gold: r`The sum is $\boxed{\frac{3}{4}}$.`, pred: 'Adding, we get 0.75. The answer is 0.75.' }),
      'this is not json',
      JSON.stringify({ id: 'b', subject: 'Algebra', level: 'Level 2', gold: '(1,2)', pred: '(2,1)' }),
      JSON.stringify({ id: 'c', gold: '5' }),
      JSON.stringify({ id: 'd', subject: 'Geometry', level: 3, gold: 72, pred: 'Natalia sold 48 + 24 = 72 clips.\n#### 72' }),
      JSON.stringify({ id: 'e', gold: '4', pred: null }),
    ];
    writeFileSync(input, `${lines.join('\n')}\n`);
    const result = runMwb(['grade', input, '--out', output, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${input} line 2: invalid JSON`);
    expect(result.stderr).toContain(`${input} line 4: missing field "pred"`);

    const graded = readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(graded.map((g) => g.id)).toEqual(['a', 'b', 'd', 'e']);
    expect(graded[0]).toMatchObject({ subject: 'Algebra', extracted: '0.75', rule: 'the-answer-is', equivalent: true });
    expect(graded[1]).toMatchObject({ extracted: '(2,1)', equivalent: false });
    expect(graded[2]).toMatchObject({ extracted: '72', rule: 'hash', equivalent: true });
    expect(graded[3]).toMatchObject({ extracted: null, equivalent: false, method: 'unparsed' });

    const summary = JSON.parse(result.stdout);
    expect(summary.records).toBe(4);
    expect(summary.equivalent).toBe(2);
    expect(summary.malformed).toEqual([
      { line: 2, error: expect.stringMatching(/invalid JSON/) },
      { line: 4, error: 'missing field "pred"' },
    ]);
    expect(summary.pairsPerSecond).toBeGreaterThan(0);
    expect(summary.bySubject.Algebra).toMatchObject({ correct: 1, total: 2 });
    expect(summary.byLevel['Level 3']).toMatchObject({ correct: 1, total: 1 });
  });

  it('reads stdin and writes records to stdout with the summary on stderr', () => {
    const input = `${JSON.stringify({ gold: r`\{1,2\}`, pred: r`\{2,1\}` })}\n${JSON.stringify({ answer: '3', output: 'x = 3' })}\n`;
    const result = runMwb(['grade', '-'], {}, input);
    expect(result.code, result.stderr).toBe(1);
    const graded = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(graded).toHaveLength(1);
    expect(graded[0]).toMatchObject({ equivalent: true, extracted: r`\{2,1\}` });
    expect(result.stderr).toMatch(/graded\s+1 records, 1 malformed lines skipped/);
    expect(result.stderr).toMatch(/pairs\/s/);

    const mapped = runMwb(['grade', '-', '--gold-field', 'answer', '--pred-field', 'output'], {}, input);
    expect(mapped.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ answer: '3', equivalent: true })]);
  });

  it('rejects missing arguments and files with a clear message', () => {
    const none = runMwb(['grade']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/missing FILE\.jsonl or --gold and --pred/);
    const half = runMwb(['grade', '--gold', '1']);
    expect(half.stderr).toMatch(/missing --pred/);
    const missing = runMwb(['grade', '/nonexistent/pairs.jsonl']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/input file \/nonexistent\/pairs\.jsonl not found/);
    const badLimit = runMwb(['grade', '--gold', '1', '--pred', '1', '--time-limit', '0']);
    expect(badLimit.stderr).toMatch(/--time-limit must be a number ≥ 1/);
  });
});
