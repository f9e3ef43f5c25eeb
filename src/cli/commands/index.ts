/**
 * Every `mwb` subcommand, in the order `mwb --help` lists them. Each module is imported only when
 * its command runs; cli/commands.test.ts checks that each name and summary match the module's own.
 */
import type { CommandEntry } from '../command.ts';

export const COMMANDS: CommandEntry[] = [
  { name: 'gpu', summary: 'show the WebGPU adapter, features and limits (--selftest checks every kernel)', load: async () => (await import('./gpu.ts')).gpuCommand },
  { name: 'info', summary: 'show a GGUF model: architecture, hyperparameters, tensor types, tokenizer', load: async () => (await import('./info.ts')).infoCommand },
  { name: 'tokenize', summary: "print the token ids of a text under a GGUF file's tokenizer (llama.cpp's ids)", load: async () => (await import('./tokenize.ts')).tokenizeCommand },
  { name: 'generate', summary: 'generate text from a GGUF model (--engine ref: the CPU reference forward pass; gpu: WebGPU)', load: async () => (await import('./generate.ts')).generateCommand },
  { name: 'bench', summary: 'measure prefill and decode speed of a GGUF model against its bandwidth bound (bench decode)', load: async () => (await import('./bench.ts')).benchCommand },
  { name: 'grade', summary: 'grade predicted answers against gold answers (one pair, or a JSONL file)', load: async () => (await import('./grade.ts')).gradeCommand },
  { name: 'synth', summary: 'generate verified procedural math problems with augmentation methods, as JSONL', load: async () => (await import('./synth.ts')).synthCommand },
  { name: 'dedup', summary: 'report exact and near-duplicate problems in a JSONL file (MinHash + LSH)', load: async () => (await import('./dedup.ts')).dedupCommand },
  { name: 'decontam', summary: 'flag problems that overlap benchmark test sets (word n-gram overlap)', load: async () => (await import('./decontam.ts')).decontamCommand },
  { name: 'train', summary: 'fine-tune a small llama model on JSONL problems (curriculum stages, checkpoints) and export GGUF', load: async () => (await import('./train.ts')).trainCommand },
  { name: 'eval', summary: 'evaluate a GGUF model on GSM8K, MATH or MATH-500 with the WebGPU engine (resumable JSONL results)', load: async () => (await import('./eval.ts')).evalCommand },
  { name: 'experiment', summary: 'run a data-scaling sweep (sizes × methods × curricula × seeds): train, evaluate, write results JSON', load: async () => (await import('./experiment.ts')).experimentCommand },
  { name: 'fit', summary: 'fit accuracy against data size (log-linear and power law) for results, CSV points or the paper', load: async () => (await import('./fit.ts')).fitCommand },
];
