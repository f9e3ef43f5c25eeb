/**
 * Opt-in heavy test (`npm run test:heavy`): the GPU engine on the Mistral-7B-shape q4_0 model
 * (about 4.1 GB, written with make-model and deleted afterwards) on the Node adapter. The weights
 * stream into GPU buffers in slices of at most 8 MiB, the prompt's logits match the reference
 * forward pass, a few tokens decode, and `mwb bench decode` prints its figures. On lavapipe the
 * buffers live in RAM (about 4 GB) and a token takes about 20 s; the reference pass takes minutes,
 * the whole file about 25 minutes. Needs about 4.2 GB of free space in the temp directory and
 * 10 GB of free memory.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBatch, type SequenceResult } from '../../src/engine/batch.ts';
import { GpuModel } from '../../src/engine/model.ts';
import { assertClose } from '../../src/kernels/compare.ts';
import { openGguf } from '../../src/model/gguf/reader.ts';
import type { ByteSource } from '../../src/model/gguf/source.ts';
import { openFileSource } from '../../src/model/gguf/source-node.ts';
import { ReferenceModel } from '../../src/model/reference/forward.ts';
import { GgufTokenizer } from '../../src/model/tokenizer/tokenizer.ts';
import { ROOT, SHARED_DATA } from '../cli.ts';
import { testGpu } from '../gpu.ts';

const VOCAB = join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-llama-spm.gguf');
const MAX_SLICE_BYTES = 8 << 20;
/** The header is parsed in 1 MiB reads; tensor slices are at most MAX_SLICE_BYTES. */
const MAX_READ_BYTES = Math.max(MAX_SLICE_BYTES, 1 << 20);

let dir: string;
let path: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-engine-7b-'));
  path = join(dir, 'mistral-7b-shape-q4_0.gguf');
  const started = performance.now();
  const args = [join(ROOT, 'bin', 'make-model.js'), '--shape', 'mistral-7b', '--type', 'q4_0', '--vocab', VOCAB, '--seed', '7', '--out', path];
  await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: 3_000_000 }).catch((error: { code?: number; stderr?: string }) => {
    throw new Error(`make-model failed (exit ${error.code}):\n${error.stderr}`);
  });
  console.log(`make-model --shape mistral-7b --type q4_0: ${((performance.now() - started) / 1000).toFixed(0)} s`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GPU engine on the mistral-7b shape, q4_0', () => {
  it('streams the weights, matches the reference and decodes', async () => {
    const inner = await openFileSource(path);
    let largestRead = 0;
    let bytesRead = 0;
    const source: ByteSource = {
      ...inner,
      read: (offset, length) => {
        largestRead = Math.max(largestRead, length);
        bytesRead += length;
        return inner.read(offset, length);
      },
    };
    const ctx = await testGpu();
    let model: GpuModel | null = null;
    try {
      const file = await openGguf(source);
      const tokenizer = GgufTokenizer.fromGguf(file);
      const tensorBytes = file.tensors.reduce((sum, t) => sum + t.byteSize, 0);

      let started = performance.now();
      // An f32 cache keeps the comparison tight. Prefill chunks of 1 use the matrix-vector kernels,
      // which lavapipe runs far faster than the tiled GEMM.
      model = await GpuModel.load(ctx, file, { contextLength: 64, batch: 1, prefillChunk: 1, kvDType: 'f32' });
      const loadSeconds = (performance.now() - started) / 1000;
      console.log(`load: ${loadSeconds.toFixed(0)} s, ${model.describe()}, largest read ${largestRead} bytes, ${bytesRead} bytes read`);
      expect(largestRead).toBeLessThanOrEqual(MAX_READ_BYTES);
      // Every tensor byte is read once (plus the header).
      expect(bytesRead).toBeLessThan(tensorBytes + file.dataOffset + (2 << 20));
      expect(model.estimate.weightBytes).toBeGreaterThanOrEqual(tensorBytes);
      expect(model.estimate.weightBytes).toBeLessThan(tensorBytes * 1.01);

      // The prompt's logits against the reference forward pass (f32 products on the same quantized weights).
      const prompt = tokenizer.encode('2+2=').slice(0, 3);
      started = performance.now();
      const gpuLogits = await model.prefillLogits(0, prompt, 0);
      console.log(`GPU prefill of ${prompt.length} tokens: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      started = performance.now();
      const reference = ReferenceModel.load(file, { cacheBytes: 256 << 20 });
      const referenceLogits = await reference.forward(prompt, reference.createCache());
      console.log(`reference forward of ${prompt.length} tokens: ${((performance.now() - started) / 1000).toFixed(0)} s`);
      // Logits have a standard deviation near 1.3. What differs is the order of f32 sums over
      // 4096–14336 terms, through 32 layers.
      assertClose('7B-shape prompt logits', gpuLogits, referenceLogits, { atol: 1e-4, rtol: 1e-3 });

      const results: SequenceResult[] = [];
      started = performance.now();
      const stats = await generateBatch(model, tokenizer, [{ id: 'a', promptTokens: prompt, sampling: { temperature: 0, topK: 0, topP: 1, seed: 0 }, maxTokens: 4, stop: [] }], {
        onFinished: (r) => results.push(r),
      });
      console.log(
        `generate: ${results[0].tokens.length} tokens in ${((performance.now() - started) / 1000).toFixed(0)} s; ` +
          `decode ${(stats.decodeMs / Math.max(1, stats.decodeTokens) / 1000).toFixed(1)} s per token`,
      );
      expect(results).toHaveLength(1);
      expect(['length', 'eos']).toContain(results[0].stopReason);
      if (results[0].stopReason === 'length') expect(results[0].tokens).toHaveLength(4);
    } finally {
      model?.dispose();
      await inner.close?.();
    }
  });

  it('mwb bench decode prints bytes per second', async () => {
    // Asynchronous, so the test worker keeps responding to vitest while the bench runs for minutes.
    const args = [join(ROOT, 'bin', 'mwb.js'), 'bench', 'decode', path, '--prompt-tokens', '4', '--tokens', '3', '--prefill-chunk', '1'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: 3_000_000 }).catch((error: { code?: number; stderr?: string }) => {
      throw new Error(`mwb bench decode failed (exit ${error.code}):\n${error.stderr}`);
    });
    console.log(stdout);
    expect(stdout).toMatch(/^achieved +[\d.]+ GB\/s$/m);
    expect(stdout).toMatch(/^per step +3\.\d\d GiB read/m);
  });
});
