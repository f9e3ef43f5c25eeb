/** `npm run make-model` through the real bin/make-model.js, on tiny shapes. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SHARED_DATA } from '../../test/cli.ts';
import { readModelConfig } from './config.ts';
import { openGguf } from './gguf/reader.ts';
import { bytesSource } from './gguf/source.ts';
import { encodeGguf } from './gguf/writer.ts';
import { parseMakeModelArgs } from './make-model.ts';
import { tinyVocabulary } from './test-models.ts';

const LLAMA_SPM = join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-llama-spm.gguf');
let dir: string;
let tinyVocab: string;

function makeModel(args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'make-model.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

async function openWritten(path: string) {
  return openGguf(bytesSource(readFileSync(path), path));
}

const TINY = ['--arch', 'llama', '--layers', '2', '--embd', '64', '--heads', '4', '--kv-heads', '2', '--ff', '128'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-make-model-'));
  tinyVocab = join(dir, 'vocab.gguf');
  const vocabulary = await tinyVocabulary(64);
  writeFileSync(tinyVocab, await encodeGguf({ metadata: vocabulary.metadata, tensors: [] }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('make-model', () => {
  it('writes a model with the real llama-spm tokenizer', async () => {
    const out = join(dir, 'llama-q4_0.gguf');
    const result = makeModel([...TINY, '--type', 'q4_0', '--vocab', LLAMA_SPM, '--seed', '3', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/make-model: wrote .*llama-q4_0.gguf/);
    const file = await openWritten(out);
    const config = readModelConfig(file);
    expect(config).toMatchObject({ architecture: 'llama', layerCount: 2, embeddingLength: 64, headCount: 4, headCountKv: 2, feedForwardLength: 128, vocabSize: 32000 });
    expect(file.getStringArray('tokenizer.ggml.tokens')?.[1]).toBe('<s>');
    expect(file.getString('tokenizer.ggml.model')).toBe('llama');
    expect(file.tensor('blk.0.attn_q.weight')?.typeName).toBe('Q4_0');
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('is reproducible per seed', () => {
    const paths = ['a', 'b', 'c'].map((name) => join(dir, `seed-${name}.gguf`));
    const seeds = ['5', '5', '6'];
    paths.forEach((out, i) => expect(makeModel([...TINY, '--type', 'q8_0', '--vocab', tinyVocab, '--seed', seeds[i], '--out', out]).code).toBe(0));
    const [a, b, c] = paths.map((p) => readFileSync(p));
    expect(b.equals(a)).toBe(true);
    expect(c.equals(a)).toBe(false);
  });

  it('writes qwen2 q4_k with biases and the Q4_K_M mix', async () => {
    const out = join(dir, 'qwen-q4_k.gguf');
    const args = ['--arch', 'qwen2', '--layers', '2', '--embd', '256', '--heads', '8', '--kv-heads', '2', '--ff', '512', '--type', 'q4_k', '--tied'];
    const result = makeModel([...args, '--vocab', tinyVocab, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const file = await openWritten(out);
    expect(readModelConfig(file)).toMatchObject({ architecture: 'qwen2', ropeStyle: 'neox', attentionBias: true, tiedOutput: true, vocabSize: 64 });
    expect(file.tensor('token_embd.weight')?.typeName).toBe('Q6_K');
    expect(file.tensor('blk.0.attn_q.weight')?.typeName).toBe('Q4_K');
    expect(file.tensor('blk.1.ffn_down.weight')?.typeName).toBe('Q6_K');
    expect(file.tensor('blk.0.attn_q.bias')?.typeName).toBe('F32');
  });

  it('rejects bad arguments with the flag and the usage', () => {
    const cases: [string[], RegExp][] = [
      [[...TINY, '--out', join(dir, 'x.gguf')], /--vocab is required/],
      [['--vocab', tinyVocab, '--out', join(dir, 'x.gguf'), '--layers', '2'], /--arch is required without --shape/],
      [[...TINY, '--vocab', tinyVocab, '--out', join(dir, 'x.gguf'), '--type', 'q5_k'], /--type must be one of f32, f16, q8_0, q4_0, q4_k, got "q5_k"/],
      [[...TINY, '--vocab', tinyVocab, '--out', join(dir, 'x.gguf'), '--layers', '0'], /--layers must be an integer ≥ 1, got "0"/],
      [[...TINY, '--vocab', tinyVocab, '--out', join(dir, 'x.gguf'), '--shape', 'llama-70b'], /unknown --shape "llama-70b"; known shapes: mistral-7b/],
      [[...TINY, '--vocab', tinyVocab, '--out', join(dir, 'x.gguf'), '--frobnicate'], /Unknown option '--frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const result = makeModel(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).toMatch(/Usage: npm run make-model/);
    }
  });

  it('reports shape and file errors without leaving a partial file', () => {
    const shape = makeModel([...TINY.slice(0, 6), '--heads', '4', '--ff', '100', '--type', 'q4_0', '--vocab', tinyVocab, '--out', join(dir, 'bad.gguf')]);
    expect(shape.code).toBe(1);
    expect(shape.stderr).toMatch(/feed-forward length 100 must be a multiple of 32 for q4_0/);
    const vocab = makeModel([...TINY, '--vocab', join(ROOT, 'package.json'), '--out', join(dir, 'bad.gguf')]);
    expect(vocab.code).toBe(1);
    expect(vocab.stderr).toMatch(/package.json: magic: not a GGUF file/);
    const missingVocab = makeModel([...TINY, '--vocab', join(dir, 'missing.gguf'), '--out', join(dir, 'x.gguf')]);
    expect(missingVocab.code).toBe(1);
    expect(missingVocab.stderr).toMatch(/--vocab .*missing\.gguf: file not found\. It must be a GGUF file with tokenizer\.\* metadata/);
    const missingDir = makeModel([...TINY, '--vocab', tinyVocab, '--out', join(dir, 'no-such-dir', 'm.gguf')]);
    expect(missingDir.code).toBe(1);
    expect(missingDir.stderr).toMatch(/ENOENT/);
    expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('prints the usage for --help', () => {
    const result = makeModel(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--shape NAME +full-size preset: mistral-7b/);
  });

  it('takes --shape mistral-7b values, overridable by flags', () => {
    const parsed = parseMakeModelArgs(['--shape', 'mistral-7b', '--vocab', 'v.gguf', '--out', 'o.gguf']);
    expect(parsed).not.toBe('help');
    if (parsed === 'help') return;
    expect(parsed.options).toMatchObject({ architecture: 'llama', layerCount: 32, embeddingLength: 4096, headCount: 32, headCountKv: 8, feedForwardLength: 14336, contextLength: 32768, fileType: 'q4_0', seed: 0 });
    const smaller = parseMakeModelArgs(['--shape', 'mistral-7b', '--layers', '2', '--heads', '16', '--type', 'q4_k', '--vocab', 'v.gguf', '--out', 'o.gguf']);
    if (smaller === 'help') throw new Error('unexpected help');
    // Overriding --heads drops the preset's KV heads, so they default to the new head count.
    expect(smaller.options).toMatchObject({ layerCount: 2, headCount: 16, headCountKv: 16, embeddingLength: 4096, fileType: 'q4_k' });
  });
});
