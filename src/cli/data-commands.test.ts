import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMwb, SHARED_DATA } from '../../test/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'mwb-data-cli-'));
const GSM8K_TEST = join(SHARED_DATA, 'gsm8k', 'test.jsonl');

function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

describe('mwb synth', () => {
  it('writes verified records with the required fields', () => {
    const out = join(dir, 'synth.jsonl');
    const result = runMwb(['synth', '--stage', 'hard', '--methods', 'backward,evol,selfcorrect,plain', '--count', '400', '--seed', '5', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/wrote 400 items .* items\/s\); 0 rejected; next index 400/);
    const records = readJsonl(out);
    expect(records).toHaveLength(400);
    for (const field of ['problem', 'solution', 'answer', 'method', 'stage']) expect(records.every((r) => typeof r[field] === 'string'), field).toBe(true);
    expect(new Set(records.map((r) => r.method))).toEqual(new Set(['backward', 'evol', 'selfcorrect', 'plain']));
    expect(records.every((r) => r.stage === 'hard' && r.verification === 'verified')).toBe(true);
  });

  it('is reproducible and resumable by index', () => {
    const whole = runMwb(['synth', '--stage', 'normal', '--methods', 'plain,evol', '--families', 'fractions,geometry', '--count', '30', '--seed', '9']);
    const tail = runMwb(['synth', '--stage', 'normal', '--methods', 'plain,evol', '--families', 'fractions,geometry', '--count', '10', '--seed', '9', '--start', '20']);
    expect(whole.code, whole.stderr).toBe(0);
    const lines = whole.stdout.trim().split('\n');
    expect(tail.stdout.trim().split('\n')).toEqual(lines.slice(20));
    expect(lines.every((l) => ['fractions', 'geometry'].includes(JSON.parse(l).family))).toBe(true);
  });

  it('writes SFT formats', () => {
    const result = runMwb(['synth', '--stage', 'normal', '--methods', 'plain', '--count', '3', '--seed', '1', '--format', 'sharegpt']);
    expect(result.code, result.stderr).toBe(0);
    const record = JSON.parse(result.stdout.split('\n')[0]);
    expect(record.conversations.map((t: { from: string }) => t.from)).toEqual(['human', 'gpt']);
  });

  it('names invalid options and what is expected', () => {
    const stage = runMwb(['synth', '--stage', 'medium', '--methods', 'plain', '--count', '1', '--seed', '1']);
    expect(stage.code).toBe(1);
    expect(stage.stderr).toMatch(/--stage must be normal or hard, got "medium"/);
    const methods = runMwb(['synth', '--stage', 'normal', '--methods', 'plain,forward', '--count', '1', '--seed', '1']);
    expect(methods.stderr).toMatch(/--methods: unknown value forward; expected a comma-separated list of plain, backward, evol, selfcorrect/);
    const count = runMwb(['synth', '--stage', 'normal', '--methods', 'plain', '--count', 'ten', '--seed', '1']);
    expect(count.stderr).toMatch(/--count must be an integer ≥ 0, got "ten"/);
  });
});

describe('mwb dedup', () => {
  it('reports clusters, skips bad lines and writes the kept records', () => {
    const input = join(dir, 'dups.jsonl');
    const base = { solution: 'It is 5.\nThe answer is 5', answer: '5', method: 'plain', stage: 'normal' };
    const long = 'A baker makes 48 loaves every morning and sells them at the market in the town square for 3 dollars each before noon on weekdays.';
    writeFileSync(
      input,
      [
        JSON.stringify({ ...base, id: 'a', problem: long }),
        JSON.stringify({ ...base, id: 'b', problem: long.toUpperCase().replace(/ /g, '  ') }),
        'not json',
        JSON.stringify({ ...base, id: 'c', problem: long.replace('weekdays', 'weekends') }),
        JSON.stringify({ ...base, id: 'd', problem: 'Solve for x: 2x + 1 = 7.' }),
      ].join('\n'),
    );
    const out = join(dir, 'deduped.jsonl');
    const result = runMwb(['dedup', input, '--threshold', '0.7', '--out', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/dups\.jsonl:3: skipped: invalid JSON/);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ total: 4, exactDuplicates: 1, nearDuplicates: 1, kept: 2, skippedLines: 1 });
    expect(report.clusters[0].lines).toEqual([1, 2, 4]);
    expect(readJsonl(out).map((r) => r.id)).toEqual(['a', 'd']);
  });

  it('rejects a file with no problem records', () => {
    const input = join(dir, 'notes.md');
    writeFileSync(input, Array.from({ length: 30 }, (_, i) => `Line ${i} of a text file.`).join('\n'));
    const result = runMwb(['dedup', input]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/notes\.md:20: skipped/);
    expect(result.stderr).not.toMatch(/notes\.md:21: skipped/);
    expect(result.stderr).toMatch(/notes\.md: 10 more lines skipped/);
    expect(result.stderr).toMatch(/none of its 30 lines is a problem record\. Expected JSONL/);
  });
});

describe('mwb decontam', () => {
  it('prints flagged records with the matching test problem', () => {
    const input = join(dir, 'contaminated.jsonl');
    const gsm = readJsonl(GSM8K_TEST);
    const synth = runMwb(['synth', '--stage', 'normal', '--methods', 'plain,backward', '--count', '200', '--seed', '3', '--out', input]);
    expect(synth.code, synth.stderr).toBe(0);
    const edited = String(gsm[10].question).replace(/ the /, ' a ').replace(/\s+/g, '  ');
    writeFileSync(input, `${readFileSync(input, 'utf8')}${JSON.stringify({ problem: edited, solution: 'x', answer: '1', method: 'plain', stage: 'normal' })}\n`);

    const text = runMwb(['decontam', input, '--against', GSM8K_TEST]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/contaminated\.jsonl:201 .* flagged by/);
    expect(text.stdout).toMatch(/test: {4}gsm8k\/test\.jsonl line 11:/);
    expect(text.stdout).toMatch(/1 of 201 problems flagged against 1319 test problems \(n = 30/);

    const json = JSON.parse(runMwb(['decontam', input, '--against', GSM8K_TEST, '--n', '30', '--json']).stdout);
    expect(json.checked).toBe(201);
    expect(json.flagged).toHaveLength(1);
    expect(json.flagged[0]).toMatchObject({ line: 201, match: { testText: gsm[10].question } });

    const strict = JSON.parse(runMwb(['decontam', input, '--against', GSM8K_TEST, '--ngram-only', '--n', '60', '--json']).stdout);
    expect(strict.flagged).toHaveLength(0);
  });

  it('requires --against and names a missing file', () => {
    expect(runMwb(['decontam', join(dir, 'x.jsonl')]).stderr).toMatch(/--against is required/);
    const missing = runMwb(['decontam', join(dir, 'missing.jsonl'), '--against', GSM8K_TEST]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/input file .*missing\.jsonl not found/);
  });
});
