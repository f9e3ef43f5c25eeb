/** `mwb info` through the real binary, on generated models and llama.cpp's vocabulary files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMwb, SHARED_DATA } from '../../test/cli.ts';
import { readModelConfig } from '../model/config.ts';
import { metadataValue } from '../model/gguf/metadata.ts';
import { openGguf } from '../model/gguf/reader.ts';
import { bytesSource, type ByteSource } from '../model/gguf/source.ts';
import { encodeGguf } from '../model/gguf/writer.ts';
import { randomModel } from '../model/random-model.ts';
import { summarizeModelFile } from '../model/summary.ts';
import { tinyModelOptions } from '../model/test-models.ts';

const LLAMA_SPM = join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-llama-spm.gguf');
const GPT2 = join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-gpt-2.gguf');
let dir: string;
let q4k: string;
let qwen: string;
let q4kBytes: Uint8Array;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-info-'));
  const q4kModel = randomModel(await tinyModelOptions({ fileType: 'q4_k', layerCount: 8, embeddingLength: 256, headCount: 8, headCountKv: 2, feedForwardLength: 256 }));
  q4kBytes = await encodeGguf(q4kModel.spec);
  q4k = join(dir, 'q4k.gguf');
  writeFileSync(q4k, q4kBytes);

  const qwenModel = randomModel(await tinyModelOptions({ architecture: 'qwen2', tiedOutput: true, fileType: 'f16' }));
  const template = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}";
  qwen = join(dir, 'qwen.gguf');
  writeFileSync(qwen, await encodeGguf({ ...qwenModel.spec, metadata: [...qwenModel.spec.metadata, ['tokenizer.chat_template', metadataValue.string(template)]] }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mwb info', () => {
  it('prints architecture, hyperparameters, tensor types and tokenizer', () => {
    const result = runMwb(['info', q4k]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/architecture +llama/);
    expect(result.stdout).toMatch(/file type +Q4_K_M \(general.file_type 15\)/);
    expect(result.stdout).toMatch(/layers +8/);
    expect(result.stdout).toMatch(/heads +8 \(KV heads 2, grouped-query\), head size 32/);
    expect(result.stdout).toMatch(/RoPE +normal style, base 10000, 32 dims, no scaling/);
    expect(result.stdout).toMatch(/Q4_K +\d+ tensors/);
    expect(result.stdout).toMatch(/Q6_K +\d+ tensors/);
    expect(result.stdout).toMatch(/tokenizer +llama, 96 tokens, BOS 1, EOS 2/);
    expect(result.stdout).toMatch(/chat template +no/);
  });

  it('--json reports the config, type totals and tokenizer', async () => {
    const result = runMwb(['info', q4k, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    const file = await openGguf(bytesSource(q4kBytes));
    expect(json.config).toEqual(readModelConfig(file));
    expect(json.fileType).toEqual({ id: 15, name: 'Q4_K_M' });
    expect(json.tensorCount).toBe(file.tensors.length);
    const byType = Object.fromEntries(json.tensorTypes.map((t: { type: string; count: number }) => [t.type, t.count]));
    // 8 layers of 7 matrices plus token_embd are Q4_K, except attn_v and ffn_down of layers 0, 3,
    // 6 and 7, which join output.weight as Q6_K. The 2 norms per layer and output_norm are F32.
    expect(byType).toEqual({ Q4_K: 8 * 7 + 1 - 8, Q6_K: 8 + 1, F32: 8 * 2 + 1 });
    expect(json.tensorBytes).toBe(file.tensors.reduce((sum, t) => sum + t.byteSize, 0));
    expect(json.tokenizer).toMatchObject({ model: 'llama', tokenCount: 96, bosTokenId: 1, eosTokenId: 2 });
    expect(json.chatTemplate).toBe(false);
    expect(json.warnings).toEqual([]);
  });

  it('reports qwen2 NeoX RoPE, tied output and the chat template', () => {
    const json = JSON.parse(runMwb(['info', qwen, '--json']).stdout);
    expect(json.config).toMatchObject({ architecture: 'qwen2', ropeStyle: 'neox', tiedOutput: true, attentionBias: true });
    expect(json.chatTemplate).toBe(true);
    const text = runMwb(['info', qwen]).stdout;
    expect(text).toMatch(/output head +tied to token_embd.weight/);
    expect(text).toMatch(/chat template +yes/);
  });

  it('--tensors and --metadata list every entry', () => {
    const json = JSON.parse(runMwb(['info', qwen, '--json', '--tensors', '--metadata']).stdout);
    expect(json.tensors).toHaveLength(json.tensorCount);
    expect(json.tensors[0]).toMatchObject({ name: 'token_embd.weight', type: 'F16', dims: [64, 96] });
    expect(json.metadata.find((m: { key: string }) => m.key === 'tokenizer.ggml.tokens')).toMatchObject({ type: 'array[string]', value: expect.stringMatching(/^96 items \["<unk>"/) });
    const text = runMwb(['info', qwen, '--tensors']).stdout;
    expect(text).toMatch(/blk\.1\.attn_q\.bias +F32 +\[64\]/);
  });

  it('reads hyperparameters of a vocabulary-only file', () => {
    const json = JSON.parse(runMwb(['info', LLAMA_SPM, '--json']).stdout);
    expect(json.tensorCount).toBe(0);
    expect(json.config).toMatchObject({ layerCount: 32, vocabSize: 32000 });
    expect(json.configError).toMatch(/vocabulary-only/);
    expect(json.tokenizer).toMatchObject({ model: 'llama', tokenCount: 32000, addBosToken: true });
  });

  it('names the supported architectures for gpt2', () => {
    const result = runMwb(['info', GPT2]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/model +.*architecture "gpt2" is not supported; supported architectures: llama, qwen2/);
    expect(result.stdout).toMatch(/tokenizer +gpt2 \(pre-tokenizer gpt-2\), 50257 tokens, 50000 merges/);
  });

  it('fails with the file name for missing, foreign and truncated files', () => {
    const missing = runMwb(['info', join(dir, 'nope.gguf')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope.gguf: file not found/);
    const foreign = runMwb(['info', 'package.json']);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/package.json: magic: not a GGUF file/);
    const truncated = join(dir, 'truncated.gguf');
    writeFileSync(truncated, q4kBytes.subarray(0, q4kBytes.length - 5000));
    const cut = runMwb(['info', truncated]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/truncated.gguf: output.weight: tensor data runs past the end of the file/);
  });

  it('requires exactly one file', () => {
    const result = runMwb(['info']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing FILE.gguf/);
    expect(result.stderr).toMatch(/Usage|mwb info FILE.gguf/);
  });

  it('summary reads the header but no tensor data', async () => {
    // Tensor data is more than half the file; with 4 KiB chunks the reader fetches at most one chunk past the header.
    let fetched = 0;
    const inner = bytesSource(q4kBytes);
    const source: ByteSource = { ...inner, read: (offset, length) => ((fetched += length), inner.read(offset, length)) };
    const file = await openGguf(source, { chunkSize: 4096 });
    summarizeModelFile(file);
    expect(file.dataOffset).toBeLessThan(q4kBytes.length / 2);
    expect(fetched).toBeLessThanOrEqual(file.dataOffset + 4096);
  });
});
