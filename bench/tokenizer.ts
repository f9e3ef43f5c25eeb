/**
 * `npm run bench -- tokenizer`: time to build each llama.cpp test vocabulary's tokenizer and to
 * tokenize a prompt of about 2,000 tokens (MATH problems and solutions), median of several runs.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openGguf } from '../src/model/gguf/reader.ts';
import { openFileSource } from '../src/model/gguf/source-node.ts';
import { GgufTokenizer } from '../src/model/tokenizer/tokenizer.ts';
import { median, printTable, type Bench } from './report.ts';

const DATA = join(import.meta.dirname, '..', '..', 'shared', 'data');
const VOCABULARIES = ['llama-spm', 'deepseek-llm', 'gpt-2'];

/** Describes the CPU and Node version, for benchmarks that run on the CPU only. */
export function hostLine(): string {
  return `host: ${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
}

/** Concatenates MATH test problems and solutions until the text has at least `tokens` tokens, then trims it to about that many. */
function promptOf(tokenizer: GgufTokenizer, tokens: number): string {
  const rows = readFileSync(join(DATA, 'math', 'test.jsonl'), 'utf8').split('\n').filter(Boolean);
  let text = '';
  for (const row of rows) {
    const { problem, solution } = JSON.parse(row) as { problem: string; solution: string };
    text += `${problem}\n${solution}\n\n`;
    if (tokenizer.encode(text).length >= tokens) break;
  }
  const count = tokenizer.encode(text).length;
  return text.slice(0, Math.floor((text.length * tokens) / count));
}

export const tokenizerBench: Bench = {
  name: 'tokenizer',
  summary: 'tokenizer build time and milliseconds to tokenize a 2,000-token prompt per vocabulary',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { repeats: { type: 'string' }, tokens: { type: 'string' } } });
    const repeats = Number(values.repeats ?? 7);
    const tokens = Number(values.tokens ?? 2000);
    console.log(`${hostLine()}; median of ${repeats} runs after one warm-up`);

    const rows: (string | number)[][] = [];
    for (const name of VOCABULARIES) {
      const source = await openFileSource(join(DATA, 'gguf-vocab', `ggml-vocab-${name}.gguf`));
      const opened = performance.now();
      const file = await openGguf(source);
      const read = performance.now();
      const tokenizer = GgufTokenizer.fromGguf(file);
      const built = performance.now();
      await source.close?.();

      const prompt = promptOf(tokenizer, tokens);
      let count = tokenizer.encode(prompt).length;
      const samples: number[] = [];
      for (let i = 0; i < repeats; i++) {
        // A different last character each run, so no run is served from a cache of the previous one.
        const started = performance.now();
        count = tokenizer.encode(`${prompt}${i}`).length;
        samples.push(performance.now() - started);
      }
      const ms = median(samples);
      rows.push([name, tokenizer.vocabSize, (read - opened).toFixed(0), (built - read).toFixed(0), count, ms.toFixed(1), Math.round((count / ms) * 1000)]);
    }
    printTable(['vocabulary', 'tokens', 'read ms', 'build ms', 'prompt tokens', 'encode ms', 'tokens/s'], rows);
  },
};
