/**
 * `mwb train` through the real binary: two curriculum stages from JSONL files written by the
 * procedural generator, a GGUF export the project's reader and tokenizer load, resuming from a
 * checkpoint folder, accuracy grading on a test file, and bad input.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runMwb } from '../../test/cli.ts';
import { formatBatch } from '../data/formats.ts';
import { generateEvents } from '../data/generate.ts';
import type { Stage, SynthItem } from '../data/types.ts';
import { ALPACA_COT_TEXT } from '../eval/templates.ts';
import { readModelConfig } from '../model/config.ts';
import { openGguf } from '../model/gguf/reader.ts';
import { openFileSource } from '../model/gguf/source-node.ts';
import { encodeGguf } from '../model/gguf/writer.ts';
import { randomModel } from '../model/random-model.ts';
import { smallByteLevelVocabulary } from '../model/tokenizer/test-vocabularies.ts';
import { GgufTokenizer } from '../model/tokenizer/tokenizer.ts';

let dir: string;
let normalPath: string;
let hardPath: string;
let testPath: string;

function items(stage: Stage, count: number, seed: number, split: 'train' | 'test' = 'train'): SynthItem[] {
  const out: SynthItem[] = [];
  for (const event of generateEvents({ stage, methods: ['plain'], count, seed, difficulty: 1, split })) if ('item' in event) out.push(event.item);
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-train-cli-'));
  normalPath = join(dir, 'normal.jsonl');
  hardPath = join(dir, 'hard.jsonl');
  testPath = join(dir, 'test.jsonl');
  writeFileSync(normalPath, formatBatch(items('normal', 30, 1), 'mwb'));
  writeFileSync(hardPath, formatBatch(items('hard', 14, 2), 'alpaca', { includeMeta: true }));
  writeFileSync(testPath, formatBatch(items('normal', 3, 1, 'test'), 'mwb'));
});

type Event = Record<string, unknown> & { event: string };

function events(stdout: string): Event[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Event);
}

const COMMON = ['--config', 'micro', '--context', '256', '--epochs', '1', '--batch', '8', '--micro-batch', '2', '--vocab', '400', '--held-out', '2', '--lr', '0.003'];

describe('mwb train', () => {
  it('trains two stages, prints each step and exports GGUF', async () => {
    const out = join(dir, 'model.gguf');
    const result = runMwb(['train', '--data', normalPath, '--stage2', hardPath, ...COMMON, '--type', 'f16', '--out', out, '--json']);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    const all = events(result.stdout);
    const steps = all.filter((e) => e.event === 'step');
    // 28 + 12 training records at batch 8: 4 + 2 steps.
    expect(steps.map((e) => e.stage)).toEqual([0, 0, 0, 0, 1, 1]);
    const done = all.find((e) => e.event === 'done')!;
    expect(done.status).toBe('completed');
    expect(typeof done.finalHeldOutLoss).toBe('number');
    const data = all.find((e) => e.event === 'data')! as unknown as { stages: { name: string; train: { used: number } }[] };
    expect(data.stages.map((s) => [s.name, s.train.used])).toEqual([
      ['normal', 28],
      ['hard', 12],
    ]);

    const file = await openGguf(await openFileSource(out));
    const config = readModelConfig(file);
    expect(config).toMatchObject({ architecture: 'llama', layerCount: 2, embeddingLength: 32, contextLength: 256 });
    const tokenizer = GgufTokenizer.fromGguf(file);
    expect(tokenizer.vocabSize).toBe(config.vocabSize);
    const prompt = ALPACA_COT_TEXT.replace('{problem}', 'What is 3 + 4?');
    expect(tokenizer.decode(tokenizer.encode(prompt), { removeSpecial: true })).toBe(prompt);
    await file.close();
  });

  it('resumes from a checkpoint folder and grades a test file', () => {
    const checkpoints = join(dir, 'checkpoints');
    const out = join(dir, 'resumed.gguf');
    const args = ['train', '--data', normalPath, ...COMMON, '--epochs', '2', '--checkpoint-dir', checkpoints, '--checkpoint-every', '3', '--out', out];
    const first = runMwb(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^step 8\/8 .*loss \d/m);
    expect(first.stdout).toMatch(/^final held-out loss \d+\.\d{4}$/m);

    const refused = runMwb(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already contains a checkpoint \(step 8\); pass --resume/);

    const resumed = runMwb([...args, '--resume', '--test', testPath, '--max-tokens', '24']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming from .*step-000000008\.ckpt \(step 8\)/);
    expect(resumed.stdout).toMatch(/^test accuracy: \d+ of 3 = /m);
    expect(resumed.stdout).toMatch(/^baseline, the training set's most frequent answer/m);
  });

  it('fine-tunes an F16 GGUF model with its own tokenizer', async () => {
    // A byte-level BPE vocabulary (gpt2 type), unlike the SentencePiece one of from-scratch models.
    const vocabulary = await smallByteLevelVocabulary();
    const base = randomModel({ architecture: 'llama', layerCount: 1, embeddingLength: 32, headCount: 2, headCountKv: 1, feedForwardLength: 64, fileType: 'f16', seed: 2, vocabulary, contextLength: 512 });
    const basePath = join(dir, 'base-f16.gguf');
    writeFileSync(basePath, await encodeGguf(base.spec));
    const out = join(dir, 'finetuned.gguf');
    const result = runMwb(['train', '--data', normalPath, '--init', basePath, '--context', '256', '--epochs', '1', '--batch', '14', '--micro-batch', '2', '--held-out', '0', '--out', out, '--json']);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    const data = events(result.stdout).find((e) => e.event === 'data') as unknown as { tokenizer: { kind: string; vocabSize: number } };
    expect(data.tokenizer).toEqual({ kind: 'gguf', vocabSize: vocabulary.getStringArray('tokenizer.ggml.tokens')!.length });
    const file = await openGguf(await openFileSource(out));
    expect(readModelConfig(file)).toMatchObject({ layerCount: 1, embeddingLength: 32, vocabSize: data.tokenizer.vocabSize, contextLength: 512 });
    expect(file.getString('tokenizer.ggml.model')).toBe('gpt2');
    expect(file.getStringArray('tokenizer.ggml.tokens')).toEqual(vocabulary.getStringArray('tokenizer.ggml.tokens'));
    await file.close();
  });

  it('stops on Ctrl-C with a checkpoint', async () => {
    const checkpoints = join(dir, 'interrupted');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'mwb.js'), 'train', '--data', normalPath, ...COMMON, '--epochs', '4', '--checkpoint-dir', checkpoints, '--out', join(dir, 'never.gguf')], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (/^step 1\//m.test(stdout)) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/stopped at step \d+ of 16; continue with --resume \(checkpoint .*step-0+\d+\.ckpt\)\. No model was written\./);
    expect(existsSync(join(dir, 'never.gguf'))).toBe(false);
  });

  it('rejects a file without usable examples', () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, `${JSON.stringify({ problem: 'What is 1 + 1?', solution: '' })}\n`);
    const result = runMwb(['train', '--data', empty, '--config', 'micro', '--out', join(dir, 'never.gguf')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/empty\.jsonl has no usable training examples: 1 have an empty problem or solution/);
  });

  it('counts examples longer than the context', () => {
    const result = runMwb(['train', '--data', normalPath, ...COMMON, '--context', '48', '--overflow', 'skip', '--out', join(dir, 'short.gguf')]);
    expect(result.code).toBe(1);
    const counts = /has no usable training examples: (\d+) are longer than the sequence length and were skipped; (\d+) have a prompt that alone fills the sequence/.exec(result.stderr);
    expect(counts, result.stderr).not.toBeNull();
    expect(Number(counts![1]) + Number(counts![2])).toBe(28);
  });

  it('checks its flags', () => {
    expect(runMwb(['train', '--data', normalPath, '--config', 'micro']).stderr).toMatch(/--out FILE.gguf is required/);
    expect(runMwb(['train', '--data', normalPath, '--config', 'huge', '--out', 'x.gguf']).stderr).toMatch(/--config must be one of micro, tiny, mini, small, medium/);
    expect(runMwb(['train', '--data', normalPath, '--config', 'micro', '--type', 'q5_k', '--out', 'x.gguf']).stderr).toMatch(/--type must be one of f32, f16, q8_0, q4_0/);
    expect(runMwb(['train', '--data', normalPath, '--config', 'micro', '--layers', '0', '--out', 'x.gguf']).stderr).toMatch(/--layers must be an integer ≥ 1, got "0"/);
    expect(runMwb(['train', '--data', normalPath, '--config', 'micro', '--heads', '3', '--out', 'x.gguf']).stderr).toMatch(/Invalid model config field "headCount": 3 does not divide embeddingLength 32/);
  });
});
