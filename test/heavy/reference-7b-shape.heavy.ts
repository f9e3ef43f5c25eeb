/**
 * Opt-in heavy test (`npm run test:heavy`): the reference forward pass on the 7B-shape q4_0 model
 * (about 4.1 GB, written with make-model and deleted afterwards) runs a two-token prompt within a
 * bounded memory, instead of the 28 GB its weights take as f32. Needs about 4.2 GB of free space in
 * the temp directory and takes several minutes per token on a small machine.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGguf } from '../../src/model/gguf/reader.ts';
import { openFileSource } from '../../src/model/gguf/source-node.ts';
import { ReferenceModel } from '../../src/model/reference/forward.ts';
import { GgufTokenizer } from '../../src/model/tokenizer/tokenizer.ts';
import { ROOT, SHARED_DATA } from '../cli.ts';

const VOCAB = join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-llama-spm.gguf');
const CACHE_BYTES = 256 * 2 ** 20;
/** Peak resident memory allowed: the weight cache, one 16 MiB chunk, activations, the 32,000-token vocabulary and Node itself. */
const MAX_RSS_BYTES = 2 * 2 ** 30;

let dir: string;
let model: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-reference-7b-'));
  model = join(dir, 'mistral-7b-shape-q4_0.gguf');
  const args = [join(ROOT, 'bin', 'make-model.js'), '--shape', 'mistral-7b', '--type', 'q4_0', '--vocab', VOCAB, '--seed', '7', '--out', model];
  await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: 3_000_000 }).catch((error: { code?: number; stderr?: string }) => {
    throw new Error(`make-model failed (exit ${error.code}):\n${error.stderr}`);
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reference forward pass on the mistral-7b shape', () => {
  it('runs two tokens in bounded memory', async () => {
    const source = await openFileSource(model);
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
    try {
      const file = await openGguf(source);
      const tokenizer = GgufTokenizer.fromGguf(file);
      const reference = ReferenceModel.load(file, { cacheBytes: CACHE_BYTES });
      const prompt = tokenizer.encode('2+2');
      const started = performance.now();
      const logits = await reference.forward(prompt.slice(0, 2), reference.createCache());
      console.log(`reference forward, ${Math.min(2, prompt.length)} tokens on the 7B shape: ${((performance.now() - started) / 1000).toFixed(0)} s, peak RSS ${(peak / 2 ** 30).toFixed(2)} GiB`);

      expect(logits).toHaveLength(32000);
      expect(logits.every(Number.isFinite)).toBe(true);
      expect(reference.weights.residentBytes).toBeLessThanOrEqual(CACHE_BYTES);
      expect(peak).toBeLessThan(MAX_RSS_BYTES);
    } finally {
      clearInterval(sampler);
      await source.close?.();
    }
  });
});
