/** `mwb synth`: procedural MathQA items with the chosen augmentation methods, as JSONL. */
import { FAMILY_IDS, type FamilyId } from '../../data/families/index.ts';
import { formatBatch, SFT_FORMATS, type SftFormat } from '../../data/formats.ts';
import { generateEvents, type GenerateOptions } from '../../data/generate.ts';
import { METHODS, STAGES, type Method, type Stage, type SynthItem } from '../../data/types.ts';
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.ts';
import { JsonlWriter } from './data-files.ts';
import { runModelSynth } from './synth-model.ts';

function listOption<T extends string>(value: string | undefined, flag: string, allowed: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = items.filter((s) => !allowed.includes(s as T));
  if (items.length === 0 || unknown.length > 0) throw new UsageError(`${flag}: unknown value${unknown.length > 1 ? 's' : ''} ${unknown.join(', ') || '(empty)'}; expected a comma-separated list of ${allowed.join(', ')}`);
  return items as T[];
}

function difficultyOption(value: string | undefined): GenerateOptions['difficulty'] {
  if (value === undefined) return undefined;
  const match = /^([1-5])(?:-([1-5]))?$/.exec(value);
  if (!match || (match[2] !== undefined && Number(match[2]) < Number(match[1]))) throw new UsageError(`--difficulty must be a level 1–5 or a range such as 2-4, got "${value}"`);
  return match[2] === undefined ? Number(match[1]) : [Number(match[1]), Number(match[2])];
}

const BATCH = 1000;

export const synthCommand: Command = {
  name: 'synth',
  summary: 'generate verified procedural math problems with augmentation methods, as JSONL',
  usage: `mwb synth --stage normal|hard --methods backward,evol,selfcorrect[,plain] [--families LIST] --count N --seed S --out FILE.jsonl
       mwb synth --endpoint URL --model NAME --seeds SEEDS.jsonl --stage S --methods LIST --count N --seed S --out FILE.jsonl

Generates math word problems with step-by-step solutions ending in "The answer is N". Every item is
recomputed and its arithmetic re-checked before it is written; items that fail are counted, not written.
The same seed always gives the same items.

Options:
  --stage S         normal (levels 1–3, 1–3 evol rounds) or hard (levels 3–5, 2–5 evol rounds);
                    every two evol rounds raise an item one level (at most 5)
  --methods LIST    comma-separated, in equal shares by index: plain, backward, evol, selfcorrect
  --families LIST   comma-separated subset of ${FAMILY_IDS.join(', ')} (default: all)
  --count N         number of items to write
  --seed S          integer seed
  --difficulty D    a fixed level 1–5 or a range such as 2-4 (default: by stage)
  --split SPLIT     train (default) or test: a held-out set whose problems never appear in train output
  --start I         first generator index, to continue an earlier run with the same seed
  --format F        ${SFT_FORMATS.join(', ')} (default mwb: every field, one record per line)
  --out FILE        output JSONL file; "-" or omitted writes to standard output
  --json            print a JSON summary on standard error instead of text

Model-driven augmentation (an OpenAI-compatible server: vLLM, llama.cpp server, Ollama, OpenAI):
  --endpoint URL    base URL including the API prefix, e.g. http://127.0.0.1:8000/v1
  --model NAME      served model name
  --api-key-env VAR environment variable holding the API key (the key itself is never an argument)
  --seeds FILE      seed problems: GSM8K, MATH or Alpaca-style JSONL; --count seeds from --start are used
  --k N             sampled solutions per item (default 4)
  --agreement N     samples whose answers must agree (default 3, or k when k < 3)
  --temperature T   sampling temperature (default 0.7)
  --max-tokens N    tokens per reply (default 1024)
  --evol-rounds N   rewrite rounds for evol, 1–5 (default 2)
  --max-failures N  endpoint failures in a row that stop the run (default 3)
  --retries N       retries per request after network errors, timeouts, 429 and 5xx, with exponential backoff (default 4)`,
  async run(argv) {
    const { values } = parseCommandArgs(
      argv,
      {
        stage: { type: 'string' },
        methods: { type: 'string' },
        families: { type: 'string' },
        count: { type: 'string' },
        seed: { type: 'string' },
        difficulty: { type: 'string' },
        split: { type: 'string' },
        start: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        endpoint: { type: 'string' },
        model: { type: 'string' },
        'api-key-env': { type: 'string' },
        seeds: { type: 'string' },
        k: { type: 'string' },
        agreement: { type: 'string' },
        temperature: { type: 'string' },
        'max-tokens': { type: 'string' },
        'evol-rounds': { type: 'string' },
        'max-failures': { type: 'string' },
        retries: { type: 'string' },
      },
      false,
    );
    if (!values.stage || !STAGES.includes(values.stage as Stage)) throw new UsageError(`--stage must be normal or hard, got ${values.stage === undefined ? 'nothing' : `"${values.stage}"`}`);
    const methods = listOption(values.methods, '--methods', METHODS);
    if (!methods) throw new UsageError('--methods is required, e.g. --methods backward,evol,selfcorrect,plain');
    if (values.count === undefined) throw new UsageError('--count is required');
    if (values.seed === undefined) throw new UsageError('--seed is required');
    const split = values.split ?? 'train';
    if (split !== 'train' && split !== 'test') throw new UsageError(`--split must be train or test, got "${split}"`);
    const format = (values.format ?? 'mwb') as SftFormat;
    if (!SFT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${SFT_FORMATS.join(', ')}, got "${values.format}"`);
    const options: GenerateOptions = {
      stage: values.stage as Stage,
      methods: methods as Method[],
      families: listOption(values.families, '--families', FAMILY_IDS) as FamilyId[] | undefined,
      count: numberOption(values.count, '--count', 0, { min: 0, integer: true }),
      seed: numberOption(values.seed, '--seed', 0, { integer: true }),
      difficulty: difficultyOption(values.difficulty),
      split,
      start: numberOption(values.start, '--start', 0, { min: 0, integer: true }),
    };

    if (values.endpoint !== undefined || values.seeds !== undefined) {
      if (!values.endpoint || !values.model || !values.seeds) throw new UsageError('model-driven augmentation needs --endpoint, --model and --seeds together');
      const k = numberOption(values.k, '--k', 4, { min: 1, integer: true });
      return runModelSynth({
        endpoint: values.endpoint,
        model: values.model,
        apiKeyEnv: values['api-key-env'],
        seeds: values.seeds,
        stage: options.stage,
        methods: [...options.methods],
        count: options.count,
        start: options.start ?? 0,
        seed: options.seed,
        k,
        minAgreement: numberOption(values.agreement, '--agreement', Math.min(3, k), { min: 1, integer: true }),
        temperature: numberOption(values.temperature, '--temperature', 0.7, { min: 0 }),
        maxTokens: numberOption(values['max-tokens'], '--max-tokens', 1024, { min: 1, integer: true }),
        evolRounds: numberOption(values['evol-rounds'], '--evol-rounds', 2, { min: 1, max: 5, integer: true }),
        maxFailures: numberOption(values['max-failures'], '--max-failures', 3, { min: 1, integer: true }),
        retries: numberOption(values.retries, '--retries', 4, { min: 0, integer: true }),
        format,
        out: values.out,
      });
    }

    const writer = new JsonlWriter(values.out);
    const started = performance.now();
    const batch: SynthItem[] = [];
    const rejected: { index: number; reason: string }[] = [];
    let written = 0;
    let nextIndex = options.start ?? 0;
    for (const event of generateEvents(options)) {
      nextIndex = event.index + 1;
      if ('rejected' in event) {
        rejected.push({ index: event.index, reason: event.rejected.reason });
        continue;
      }
      batch.push(event.item);
      if (batch.length >= BATCH) {
        await writer.write(formatBatch(batch, format));
        written += batch.length;
        batch.length = 0;
      }
    }
    await writer.write(formatBatch(batch, format));
    written += batch.length;
    await writer.close();
    const seconds = (performance.now() - started) / 1000;
    const summary = { written, rejected: rejected.length, nextIndex, seconds: Number(seconds.toFixed(3)), itemsPerSecond: Math.round(written / Math.max(seconds, 1e-9)) };
    if (values.json) process.stderr.write(`${JSON.stringify({ ...summary, rejectedItems: rejected.slice(0, 100) })}\n`);
    else {
      console.error(`mwb synth: wrote ${written} items${values.out && values.out !== '-' ? ` to ${values.out}` : ''} in ${seconds.toFixed(2)} s (${summary.itemsPerSecond} items/s); ${rejected.length} rejected; next index ${nextIndex}`);
      for (const r of rejected.slice(0, 10)) console.error(`  rejected #${r.index}: ${r.reason}`);
    }
    return 0;
  },
};
