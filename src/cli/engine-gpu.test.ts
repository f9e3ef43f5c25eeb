/** `mwb generate --engine gpu` and `mwb bench decode` through the real binary, on tiny random models in a temp folder. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMwb } from '../../test/cli.ts';
import { encodeGguf } from '../model/gguf/writer.ts';
import { randomModel } from '../model/random-model.ts';
import { tinyModelOptions } from '../model/test-models.ts';
import { engineModelOptions } from '../engine/test-fixtures.ts';

let dir: string;
let llamaPath: string;
let qwenPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-engine-gpu-'));
  llamaPath = join(dir, 'llama-q4_0.gguf');
  writeFileSync(llamaPath, await encodeGguf(randomModel(await tinyModelOptions(engineModelOptions('llama', 'q4_0', 4))).spec));
  qwenPath = join(dir, 'qwen2-q4_k.gguf');
  writeFileSync(qwenPath, await encodeGguf(randomModel(await tinyModelOptions(engineModelOptions('qwen2', 'q4_k', 4))).spec));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mwb generate --engine gpu', () => {
  for (const [name, path] of [
    ['llama q4_0', () => llamaPath],
    ['qwen2 q4_k', () => qwenPath],
  ] as const) {
    it(`${name} prints the same JSON as the ref engine`, () => {
      const args = ['generate', path(), '--prompt', 't5 t9 t20', '--max-tokens', '24', '--raw', '--json'];
      const gpu = runMwb([...args, '--engine', 'gpu']);
      expect(gpu.code, gpu.stderr).toBe(0);
      const ref = runMwb([...args, '--engine', 'ref']);
      expect(ref.code).toBe(0);
      expect(JSON.parse(gpu.stdout)).toEqual(JSON.parse(ref.stdout));
    });
  }

  it('sampled generation matches the ref engine too', () => {
    const args = ['generate', llamaPath, '--prompt', 't7 t8', '--max-tokens', '16', '--temperature', '0.9', '--top-k', '40', '--seed', '3', '--raw', '--json'];
    expect(JSON.parse(runMwb([...args, '--engine', 'gpu']).stdout)).toEqual(JSON.parse(runMwb([...args, '--engine', 'ref']).stdout));
  });

  it('warns when the context is clamped and rejects a model above --gpu-memory', () => {
    const clamped = runMwb(['generate', llamaPath, '--prompt', 't5', '--max-tokens', '2', '--raw', '--engine', 'gpu', '--context', '5000']);
    expect(clamped.code).toBe(0);
    expect(clamped.stderr).toMatch(/warning: The requested context of 5000 tokens is above the model's context length of 256; using 256\./);
    const refused = runMwb(['generate', llamaPath, '--prompt', 't5', '--raw', '--engine', 'gpu', '--gpu-memory', '0.5']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs [\d.]+ MiB of GPU memory .*but 512\.0 KiB is available \(set by --gpu-memory\)/);
  });
});

describe('mwb bench decode', () => {
  it('prints speeds, bytes per step and the bound', () => {
    const result = runMwb(['bench', 'decode', llamaPath, '--batch', '2', '--prompt-tokens', '9', '--tokens', '6']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^prefill +2 × 9 tokens in [\d.]+ s: [\d.]+ tok\/s$/m);
    expect(result.stdout).toMatch(/^decode +2 × 6 tokens in [\d.]+ s: [\d.]+ tok\/s \([\d.]+ ms per step\)$/m);
    expect(result.stdout).toMatch(/^achieved +[\d.]+ GB\/s$/m);
    expect(result.stdout).toMatch(/^bound +[\d.]+ tok\/s at batch 2; achieved [\d.]+% of it$/m);
  });

  it('JSON report is consistent', () => {
    const result = runMwb(['bench', 'decode', qwenPath, '--prompt-tokens', '4', '--tokens', '5', '--bandwidth', '100', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ batch: 1, promptTokens: 4, tokens: 5, bandwidthGBps: 100, bandwidthSource: 'given', fallbackAdapter: true });
    const bytesPerStep = report.weightBytesPerStep + report.kvBytesPerStep;
    expect(report.boundTokensPerSecond).toBeCloseTo((100e9 / bytesPerStep) * report.batch, 3);
    expect(report.fractionOfBound).toBeCloseTo(report.decodeTokensPerSecond / report.boundTokensPerSecond, 9);
    expect(report.achievedGBps).toBeCloseTo((bytesPerStep * report.decodeTokensPerSecond) / 1e9, 6);
  });

  it('unknown benchmark is a usage error', () => {
    const result = runMwb(['bench', 'prefill', llamaPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown benchmark "prefill"; benchmarks: decode/);
  });
});
