/**
 * `npm run bench -- gguf`: CPU throughput of each ggml type's TypeScript quantizer and dequantizer,
 * and the time to open the header of a llama.cpp vocabulary file. Everything runs on the CPU in
 * one thread; no GPU is used.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openGguf } from '../src/model/gguf/reader.ts';
import { openFileSource } from '../src/model/gguf/source-node.ts';
import { dequantize } from '../src/model/quant/dequantize.ts';
import { quantize, QUANTIZABLE_TYPES } from '../src/model/quant/quantize.ts';
import { byteSizeOf, ggmlTypeName } from '../src/model/quant/types.ts';
import { Rng } from '../src/util/random.ts';
import { median, printTable, type Bench } from './report.ts';

const VOCAB = join(import.meta.dirname, '..', '..', 'shared', 'data', 'gguf-vocab', 'ggml-vocab-deepseek-llm.gguf');

function timeMs(run: () => void, repeats: number): number {
  run(); // warm-up, so the JIT has compiled the loops
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    run();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

export const ggufBench: Bench = {
  name: 'gguf',
  summary: 'quantize/dequantize throughput per ggml type (CPU) and GGUF header open time',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { values: { type: 'string' }, repeats: { type: 'string' } } });
    const count = Number(values.values ?? 1 << 22);
    const repeats = Number(values.repeats ?? 3);
    if (!Number.isSafeInteger(count) || count % 256 !== 0 || count <= 0) throw new Error(`--values must be a positive multiple of 256, got ${values.values}`);
    console.log(`host: ${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ${count} values per run, median of ${repeats}`);

    const rng = new Rng(3);
    const input = new Float32Array(count);
    for (let i = 0; i < count; i++) input[i] = rng.normal() * 0.02;
    const output = new Float32Array(count);

    const rows: (string | number)[][] = [];
    for (const type of QUANTIZABLE_TYPES) {
      const bytes = new Uint8Array(byteSizeOf(type, count));
      const quantizeMs = timeMs(() => quantize(type, input, bytes), repeats);
      const dequantizeMs = timeMs(() => dequantize(type, bytes, count, output), repeats);
      rows.push([
        ggmlTypeName(type),
        ((bytes.length * 8) / count).toFixed(2),
        (count / quantizeMs / 1e3).toFixed(1),
        (count / dequantizeMs / 1e3).toFixed(0),
        (bytes.length / dequantizeMs / 1e3).toFixed(0),
      ]);
    }
    printTable(['type', 'bits/value', 'quantize Mvalues/s', 'dequantize Mvalues/s', 'dequantize MB/s (input)'], rows);

    const openMs: number[] = [];
    let tokens = 0;
    let merges = 0;
    for (let i = 0; i < repeats + 1; i++) {
      const source = await openFileSource(VOCAB);
      const started = performance.now();
      const file = await openGguf(source);
      openMs.push(performance.now() - started);
      tokens = file.getStringArray('tokenizer.ggml.tokens')?.length ?? 0;
      merges = file.getStringArray('tokenizer.ggml.merges')?.length ?? 0;
      await source.close!();
    }
    console.log(`\nopenGguf on ggml-vocab-deepseek-llm.gguf (${tokens} tokens, ${merges} merges): first ${openMs[0].toFixed(1)} ms, then median ${median(openMs.slice(1)).toFixed(1)} ms`);
  },
};
