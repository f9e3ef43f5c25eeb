/**
 * The reader on GGUF files written by llama.cpp (its vocabulary-only tokenizer test files) through
 * each byte source: a Node file path, a Blob, and a URL served with HTTP Range support on
 * 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../../test/cli.ts';
import { GgufValueType } from './metadata.ts';
import { openGguf } from './reader.ts';
import { blobSource, bytesSource, openUrlSource, type ByteSource } from './source.ts';
import { openFileSource } from './source-node.ts';

const VOCAB = join(SHARED_DATA, 'gguf-vocab');
const LLAMA_SPM = join(VOCAB, 'ggml-vocab-llama-spm.gguf');
const DEEPSEEK = join(VOCAB, 'ggml-vocab-deepseek-llm.gguf');
const GPT2 = join(VOCAB, 'ggml-vocab-gpt-2.gguf');

describe('reader on llama.cpp vocabulary files', () => {
  it('reads llama-spm: 32000 tokens with f32 scores and i32 token types', async () => {
    const file = await openGguf(await openFileSource(LLAMA_SPM));
    try {
      expect(file.version).toBe(3);
      expect(file.tensors).toEqual([]);
      expect(file.metadata.size).toBe(22);
      expect(file.getString('general.architecture')).toBe('llama');
      expect(file.getString('tokenizer.ggml.model')).toBe('llama');
      expect(file.getCount('llama.block_count')).toBe(32);
      expect(file.getNumber('llama.attention.layer_norm_rms_epsilon')).toBeCloseTo(1e-5, 10);
      expect(file.getBoolean('tokenizer.ggml.add_bos_token')).toBe(true);

      const tokens = file.getStringArray('tokenizer.ggml.tokens')!;
      expect(tokens).toHaveLength(32000);
      expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
      expect(tokens[259]).toBe('▁▁');
      expect(tokens[30143]).toBe('\uFEFF');

      const scores = file.getArray('tokenizer.ggml.scores')!;
      expect(scores.itemType).toBe(GgufValueType.FLOAT32);
      expect(scores.items).toBeInstanceOf(Float32Array);
      expect(scores.items).toHaveLength(32000);
      expect(Array.from([300, 1000, 31999], (i) => (scores.items as Float32Array)[i])).toEqual([-41, -741, -31740]);

      const types = file.getArray('tokenizer.ggml.token_type')!;
      expect(types.itemType).toBe(GgufValueType.INT32);
      expect(Array.from((types.items as Int32Array).subarray(0, 4))).toEqual([2, 3, 3, 6]);
    } finally {
      await file.close();
    }
  });

  it('reads deepseek-llm: 102400 tokens and 99757 merges', async () => {
    const file = await openGguf(await openFileSource(DEEPSEEK));
    try {
      expect(file.getString('tokenizer.ggml.pre')).toBe('deepseek-llm');
      expect(file.getStringArray('tokenizer.ggml.tokens')).toHaveLength(102400);
      const merges = file.getStringArray('tokenizer.ggml.merges')!;
      expect(merges).toHaveLength(99757);
      expect(merges[0]).toBe('Ġ Ġ');
      expect(file.getCount('tokenizer.ggml.bos_token_id')).toBe(100000);
      expect(file.getCount('llama.vocab_size')).toBe(102400);
    } finally {
      await file.close();
    }
  });

  it('reads gpt-2 (architecture gpt2, 50257 tokens)', async () => {
    const file = await openGguf(await openFileSource(GPT2));
    try {
      expect(file.getString('general.architecture')).toBe('gpt2');
      expect(file.getStringArray('tokenizer.ggml.tokens')).toHaveLength(50257);
      expect(file.getStringArray('tokenizer.ggml.merges')).toHaveLength(50000);
    } finally {
      await file.close();
    }
  });

  it('reports a wrong metadata type naming the key', async () => {
    const file = await openGguf(await openFileSource(LLAMA_SPM));
    try {
      expect(() => file.getString('llama.block_count')).toThrow(/ggml-vocab-llama-spm.gguf: llama.block_count: expected a string, found u32/);
      expect(() => file.requireNumber('llama.no_such_key')).toThrow(/llama.no_such_key: required key is missing/);
      expect(() => file.getStringArray('tokenizer.ggml.scores')).toThrow(/expected an array of strings, found array\[f32\]/);
    } finally {
      await file.close();
    }
  });

  it('fetches each header byte once, in chunks', async () => {
    const source = await openFileSource(DEEPSEEK);
    let fetched = 0;
    let reads = 0;
    const counting: ByteSource = { ...source, read: (offset, length) => ((fetched += length), reads++, source.read(offset, length)) };
    const file = await openGguf(counting, { chunkSize: 256 * 1024 });
    expect(file.metadata.size).toBe(23);
    // Every byte is fetched exactly once, in chunks of at least 256 KiB (more for a large array).
    expect(fetched).toBe(source.size);
    expect(reads).toBeLessThanOrEqual(Math.ceil(source.size / (256 * 1024)));
    expect(reads).toBeGreaterThan(5);
    await source.close!();
  });
});

describe('byte sources', () => {
  it('bytesSource reads typed arrays from a Node Buffer', async () => {
    // readFileSync returns a Buffer; its slice() is a view into a shared pool, which must not leak in.
    const file = await openGguf(bytesSource(readFileSync(LLAMA_SPM)));
    const scores = file.getArray('tokenizer.ggml.scores')!;
    expect(scores.items).toHaveLength(32000);
    expect(Array.from([300, 1000, 31999], (i) => (scores.items as Float32Array)[i])).toEqual([-41, -741, -31740]);
  });

  it('blobSource reads a File by slices', async () => {
    const bytes = readFileSync(LLAMA_SPM);
    const file = new File([bytes], 'ggml-vocab-llama-spm.gguf');
    const sliceSizes: number[] = [];
    const realSlice = file.slice.bind(file);
    file.slice = (start?: number, end?: number) => (sliceSizes.push((end ?? file.size) - (start ?? 0)), realSlice(start, end));
    const gguf = await openGguf(blobSource(file), { chunkSize: 64 * 1024 });
    expect(gguf.name).toBe('ggml-vocab-llama-spm.gguf');
    expect(gguf.getStringArray('tokenizer.ggml.tokens')).toHaveLength(32000);
    // Chunks of 64 KiB, except that the 128000-byte score array is completed in one piece.
    expect(Math.max(...sliceSizes)).toBeLessThan(32000 * 4);
    expect(sliceSizes.filter((size) => size > 64 * 1024)).toHaveLength(1);
    expect(sliceSizes.reduce((a, b) => a + b, 0)).toBe(file.size);
  });

  describe('openUrlSource', () => {
    let server: Server;
    let base = '';
    const bytes = readFileSync(GPT2);
    const requests: string[] = [];

    beforeAll(async () => {
      server = createServer((request, response) => {
        requests.push(`${request.url} ${request.headers.range ?? ''}`);
        if (request.url === '/no-range.gguf') {
          response.writeHead(200, { 'Content-Length': bytes.length });
          response.end(bytes);
          return;
        }
        if (request.url !== '/gpt-2.gguf') {
          response.writeHead(404).end();
          return;
        }
        const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
        if (!match) {
          response.writeHead(200).end(bytes);
          return;
        }
        const start = Number(match[1]);
        const end = Math.min(Number(match[2]), bytes.length - 1);
        response.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': end - start + 1 });
        response.end(bytes.subarray(start, end + 1));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('reads a GGUF file with Range requests', async () => {
      requests.length = 0;
      const source = await openUrlSource(`${base}/gpt-2.gguf`);
      expect(source.size).toBe(bytes.length);
      const file = await openGguf(source, { chunkSize: 512 * 1024 });
      expect(file.getStringArray('tokenizer.ggml.merges')).toHaveLength(50000);
      expect(requests.every((r) => / bytes=\d+-\d+$/.test(r))).toBe(true);
      expect(requests.length).toBe(1 + Math.ceil(bytes.length / (512 * 1024)));
    });

    it('rejects a server that ignores Range', async () => {
      await expect(openUrlSource(`${base}/no-range.gguf`)).rejects.toThrow(/ignored the Range header .*HTTP 200.*supports HTTP range requests/);
    });

    it('reports HTTP errors with the status', async () => {
      await expect(openUrlSource(`${base}/missing.gguf`)).rejects.toThrow(/missing.gguf: the first range request failed with HTTP 404/);
    });

    it('rejects reads past the end without a request', async () => {
      const source = await openUrlSource(`${base}/gpt-2.gguf`);
      requests.length = 0;
      await expect(source.read(bytes.length - 2, 4)).rejects.toThrow(/cannot read 4 bytes at offset/);
      expect(requests).toEqual([]);
    });
  });
});
