/**
 * Opt-in heavy test (`npm run test:heavy`): writes the 7B-shape q4_0 model (about 4.1 GB) with
 * make-model, checks that `mwb info` prints its summary in under a second from the header alone, reads a few
 * tensors, and deletes the file. Needs about 4.2 GB of free space in the temp directory.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runMwb, SHARED_DATA } from '../cli.ts';
import { readModelConfig } from '../../src/model/config.ts';
import { openGguf } from '../../src/model/gguf/reader.ts';
import type { ByteSource } from '../../src/model/gguf/source.ts';
import { openFileSource } from '../../src/model/gguf/source-node.ts';

const VOCAB = join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-llama-spm.gguf');
let dir: string;
let model: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-7b-shape-'));
  model = join(dir, 'mistral-7b-shape-q4_0.gguf');
  const started = performance.now();
  // Asynchronous, so the test worker keeps answering vitest during the minutes this takes.
  const args = [join(ROOT, 'bin', 'make-model.js'), '--shape', 'mistral-7b', '--type', 'q4_0', '--vocab', VOCAB, '--seed', '7', '--out', model];
  await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: 3_000_000 }).catch((error: { code?: number; stderr?: string }) => {
    throw new Error(`make-model failed (exit ${error.code}):\n${error.stderr}`);
  });
  console.log(`make-model --shape mistral-7b --type q4_0: ${((performance.now() - started) / 1000).toFixed(0)} s`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mistral-7b shape, q4_0', () => {
  it('has the size of a llama.cpp Q4_0 file', () => {
    // Tensor data as in llama.cpp's Q4_0 of Mistral-7B (see random-model.test.ts), plus the header.
    const size = statSync(model).size;
    expect(size).toBeGreaterThan(4_108_181_504);
    expect(size).toBeLessThan(4_108_181_504 + 2_000_000);
  });

  it('mwb info takes under a second', () => {
    // Warm the tsx transform cache, so the timed run measures a user's repeated call.
    // NOTE: this is wall-clock time of the whole process, so it needs an otherwise idle machine.
    // Most of it is mwb's start-up (tsx and every command's imports), not the GGUF header.
    runMwb(['info', model]);
    const started = performance.now();
    const result = runMwb(['info', model, '--json']);
    const seconds = (performance.now() - started) / 1000;
    console.log(`mwb info on the 7B-shape file: ${seconds.toFixed(3)} s (whole process)`);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.config).toMatchObject({ architecture: 'llama', layerCount: 32, embeddingLength: 4096, headCount: 32, headCountKv: 8, feedForwardLength: 14336, vocabSize: 32000, tiedOutput: false });
    const byType = Object.fromEntries(json.tensorTypes.map((t: { type: string; count: number }) => [t.type, t.count]));
    expect(byType).toEqual({ Q4_0: 32 * 7 + 1, Q6_K: 1, F32: 32 * 2 + 1 });
    expect(json.parameterCount).toBe(7_241_732_096);
    expect(seconds).toBeLessThan(1);
  });

  it('opens from the header alone and reads single tensors', async () => {
    const inner = await openFileSource(model);
    let fetched = 0;
    const source: ByteSource = { ...inner, read: (offset, length) => ((fetched += length), inner.read(offset, length)) };
    try {
      const started = performance.now();
      const file = await openGguf(source);
      const config = readModelConfig(file);
      console.log(`openGguf + readModelConfig: ${(performance.now() - started).toFixed(0)} ms, ${fetched} bytes read`);
      expect(config.layerCount).toBe(32);
      expect(fetched).toBeLessThanOrEqual(file.dataOffset + (1 << 20));

      const down = await file.readTensor('blk.31.ffn_down.weight');
      expect(down).toHaveLength(14336 * 4096);
      let sum = 0;
      let squares = 0;
      for (const v of down) {
        sum += v;
        squares += v * v;
      }
      const mean = sum / down.length;
      expect(Math.abs(mean)).toBeLessThan(1e-3);
      expect(Math.sqrt(squares / down.length - mean * mean)).toBeCloseTo(0.02, 2);
      const output = await file.readTensor('output.weight');
      expect(output).toHaveLength(4096 * 32000);
    } finally {
      await inner.close!();
    }
  });
});
