/**
 * `mwb synth --endpoint URL --model NAME --seeds FILE`: model-driven augmentation of seed problems
 * through an OpenAI-compatible server. Items are written as they pass verification; rejected items
 * are reported on standard error with their reasons. After `--max-failures` seeds in a row fail at
 * the endpoint the run stops and prints the --start index that resumes it.
 */
import { createReadStream } from 'node:fs';
import { projectGrader } from '../../data/augment/grader.ts';
import { augmentWithModel, type SeedProblem } from '../../data/augment/model.ts';
import { formatBatch, type SftFormat } from '../../data/formats.ts';
import { OpenAiCompatibleClient } from '../../data/remote.ts';
import { seedFromRecord } from '../../data/store/model-run.ts';
import type { Method, Stage } from '../../data/types.ts';
import { isJsonlError, parseJsonl } from '../../util/jsonl.ts';
import { UsageError } from '../command.ts';
import { JsonlWriter, requireFile } from './data-files.ts';

export interface ModelSynthOptions {
  endpoint: string;
  model: string;
  /** Name of the environment variable that contains the API key, so the key never appears in the shell history. */
  apiKeyEnv?: string;
  seeds: string;
  stage: Stage;
  methods: Method[];
  count: number;
  start: number;
  seed: number;
  k: number;
  minAgreement: number;
  temperature: number;
  maxTokens: number;
  evolRounds: number;
  maxFailures: number;
  /** Retries per request after network errors, timeouts, 429 and 5xx. */
  retries: number;
  format: SftFormat;
  out?: string;
}

async function readSeeds(path: string): Promise<SeedProblem[]> {
  requireFile(path, 'seed file');
  const seeds: SeedProblem[] = [];
  for await (const entry of parseJsonl(createReadStream(path))) {
    const seed = isJsonlError(entry) ? `line ${entry.line}: ${entry.error}` : seedFromRecord(entry.value, entry.line);
    if (typeof seed === 'string') console.error(`${path}: skipped ${seed}`);
    else seeds.push(seed);
  }
  return seeds;
}

export async function runModelSynth(options: ModelSynthOptions): Promise<number> {
  if (options.minAgreement > options.k) throw new UsageError(`--agreement (${options.minAgreement}) cannot exceed --k (${options.k})`);
  let apiKey: string | undefined;
  if (options.apiKeyEnv) {
    apiKey = process.env[options.apiKeyEnv];
    if (!apiKey) throw new UsageError(`--api-key-env ${options.apiKeyEnv}: that environment variable is not set`);
  }
  const seeds = await readSeeds(options.seeds);
  if (seeds.length === 0) throw new Error(`seed file ${options.seeds} has no usable problems`);
  const client = new OpenAiCompatibleClient(
    { baseUrl: options.endpoint, model: options.model, apiKey },
    { maxRetries: options.retries, onRetry: (r) => console.error(`mwb synth: retry ${r.attempt} in ${Math.round(r.delayMs)} ms: ${r.reason}`) },
  );
  const writer = new JsonlWriter(options.out);
  const end = Math.min(seeds.length, options.start + options.count);
  let written = 0;
  let rejected = 0;
  let failuresInRow = 0;
  let index = options.start;
  for (; index < end; index++) {
    const method = options.methods[index % options.methods.length];
    const outcome = await augmentWithModel(seeds[index], index, client, projectGrader, { ...options, method });
    if ('item' in outcome) {
      await writer.write(formatBatch([outcome.item], options.format));
      written++;
      failuresInRow = 0;
      continue;
    }
    rejected++;
    console.error(`mwb synth: seed ${index} (${seeds[index].id}, ${method}) rejected: ${outcome.rejected.reason}`);
    failuresInRow = outcome.rejected.endpointFailure ? failuresInRow + 1 : 0;
    if (failuresInRow >= options.maxFailures) {
      index -= failuresInRow - 1;
      console.error(`mwb synth: stopped after ${failuresInRow} endpoint failures in a row; rerun with --start ${index} to retry from seed ${index}`);
      break;
    }
  }
  await writer.close();
  const stopped = failuresInRow >= options.maxFailures;
  console.error(`mwb synth: wrote ${written} items from seeds ${options.start}–${(stopped ? index : end) - 1}; ${rejected} rejected; next --start ${stopped ? index : end}`);
  return stopped ? 1 : 0;
}
