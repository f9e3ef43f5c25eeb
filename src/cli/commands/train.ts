/** `mwb train`: supervised fine-tuning of a small llama model on JSONL problem sets, exported as GGUF. */
import { ALPACA_COT_TEXT } from '../../eval/templates.ts';
import { acquireGpu } from '../../gpu/session.ts';
import { openFileSink } from '../../model/gguf/source-node.ts';
import { writeGguf } from '../../model/gguf/writer.ts';
import { CheckpointManager } from '../../train/checkpoint.ts';
import { folderStorage } from '../../train/checkpoint-node.ts';
import { EXPORT_TYPES, trainedModelGguf, type ExportType } from '../../train/export.ts';
import { loadInitialModel } from '../../train/init-from-gguf.ts';
import { describeReports, prepareTrainingData, type StageRecords, type TokenizerChoice } from '../../train/prepare.ts';
import { SCHEDULE_KINDS, type ScheduleKind } from '../../train/schedule.ts';
import type { HeldOutSize, OverflowPolicy } from '../../train/sft-data.ts';
import { DEFAULT_BPE_VOCAB, MIN_BPE_VOCAB } from '../../train/tokenizer.ts';
import { trainModel, type TrainResult } from '../../train/train-model.ts';
import { DEFAULT_TRAINING, presetConfig, TRAIN_PRESETS, type TrainingConfig } from '../../train/training-config.ts';
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withGgufFile } from '../gguf-file.ts';
import { evaluateModelFile, formatAccuracy } from './train-eval.ts';
import { readSftFile } from './train-records.ts';
import { formatDuration, TrainProgressPrinter } from './train-output.ts';

const OPTIONS = {
  data: { type: 'string' },
  stage2: { type: 'string' },
  mixed: { type: 'boolean' },
  config: { type: 'string' },
  init: { type: 'string' },
  layers: { type: 'string' },
  embd: { type: 'string' },
  heads: { type: 'string' },
  'kv-heads': { type: 'string' },
  ff: { type: 'string' },
  tokenizer: { type: 'string' },
  vocab: { type: 'string' },
  context: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  'micro-batch': { type: 'string' },
  lr: { type: 'string' },
  'warmup-ratio': { type: 'string' },
  schedule: { type: 'string' },
  'min-lr-ratio': { type: 'string' },
  'weight-decay': { type: 'string' },
  beta1: { type: 'string' },
  beta2: { type: 'string' },
  eps: { type: 'string' },
  clip: { type: 'string' },
  seed: { type: 'string' },
  'held-out': { type: 'string' },
  overflow: { type: 'string' },
  'eval-every': { type: 'string' },
  'checkpoint-dir': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  resume: { type: 'boolean' },
  'max-records': { type: 'string' },
  type: { type: 'string' },
  out: { type: 'string' },
  test: { type: 'string' },
  'test-limit': { type: 'string' },
  'max-tokens': { type: 'string' },
  'log-every': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const USAGE = `mwb train --data FILE.jsonl [--stage2 HARD.jsonl] --config ${Object.keys(TRAIN_PRESETS).join('|')} --out model.gguf [options]

Fine-tunes a llama-architecture model on the problems of FILE.jsonl (any format mwb synth writes or
imports: mwb, alpaca, sharegpt, openai, GSM8K). Each problem becomes the Skywork-Math zero-shot
prompt (the alpaca-cot evaluation template) and its solution the response; the loss covers the
response only. With --stage2, training runs in two stages as in Skywork-Math: --data ("normal"), then
--stage2 ("hard"), each with its own epochs, warm-up and cosine schedule. The loss of every step and
the held-out loss are printed; the trained model is written as GGUF (llama architecture).

Model and data:
  --config NAME         model shape: ${Object.entries(TRAIN_PRESETS).map(([n, c]) => `${n} (${c.blockCount}×${c.embeddingLength})`).join(', ')}
  --layers N, --embd N, --heads N, --kv-heads N, --ff N
                        change the preset's blocks, width, query heads, key/value heads or feed-forward width
  --init FILE.gguf      fine-tune this F32/F16 llama model (its shape and tokenizer) instead of --config
  --tokenizer KIND      bpe (default): learned from the training texts; byte: 256 byte tokens
  --vocab N             BPE vocabulary size, special and byte tokens included (default ${DEFAULT_BPE_VOCAB}, at least ${MIN_BPE_VOCAB})
  --context N           positions per packed sequence and the model's context length (default 512)
  --mixed               train one stage on --data and --stage2 together instead of two stages
  --held-out N|F        held-out records per stage: a count, or a fraction below 1 (default 5%, at most 256)
  --overflow P          truncate (default) or skip examples longer than the context; both are counted
  --max-records N       read at most N records of each file

Optimization (defaults: the Skywork-Math SFT recipe where it gives one):
  --epochs N            passes over each stage (default ${DEFAULT_TRAINING.epochs})
  --batch N             examples per optimizer step, accumulated over micro-batches (default ${DEFAULT_TRAINING.batch})
  --micro-batch N       packed sequences per forward/backward pass (default ${DEFAULT_TRAINING.microBatch})
  --lr LR               peak learning rate (default ${DEFAULT_TRAINING.optimizer.learningRate})
  --warmup-ratio R      share of each stage's steps warming up linearly (default ${DEFAULT_TRAINING.warmupRatio})
  --schedule S          ${SCHEDULE_KINDS.join(' or ')} after warm-up (default ${DEFAULT_TRAINING.schedule})
  --min-lr-ratio R      cosine decays towards R × LR (default 0)
  --weight-decay W      AdamW decoupled weight decay (default 0)
  --beta1 B, --beta2 B, --eps E   AdamW moments (defaults 0.9, 0.999, 1e-8)
  --clip N              global gradient-norm clipping threshold, 0 = off (default 1)
  --seed S              initial weights, held-out split and example order (default 1)

Progress, checkpoints and output:
  --eval-every N        held-out loss every N steps (default: at the end of each stage)
  --checkpoint-dir DIR  save checkpoints (weights, AdamW moments, loop state) in DIR
  --checkpoint-every N  checkpoint every N steps (default: at the end of each stage)
  --resume              continue the run whose checkpoints are in --checkpoint-dir
                        (Ctrl-C stops a run after the current step, with a checkpoint when the folder is set)
  --log-every N         print every Nth step (default 1)
  --type T              GGUF tensor type: ${EXPORT_TYPES.join(', ')} (default f32)
  --out FILE.gguf       where the trained model is written (required)
  --test FILE.jsonl     after training, generate greedy answers for these problems with the exported
                        model and grade them; prints accuracy and the most-frequent-answer baseline
  --test-limit N        grade at most N test problems (default 200)
  --max-tokens N        generated tokens per test problem (default 256)
  --json                print one JSON object per line (events "data", "start", "step", "eval", "checkpoint", "done")`;

function optionalNumber(value: string | undefined, flag: string, options: { min?: number; max?: number; integer?: boolean }): number | undefined {
  return value === undefined ? undefined : numberOption(value, flag, 0, options);
}

function heldOutOption(value: string | undefined): HeldOutSize | undefined {
  if (value === undefined) return undefined;
  const number = numberOption(value, '--held-out', 0, { min: 0 });
  if (number < 1 && number > 0) return { fraction: number };
  if (!Number.isInteger(number)) throw new UsageError(`--held-out must be a whole count or a fraction below 1, got "${value}"`);
  return { count: number };
}

function choice<T extends string>(value: string | undefined, flag: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'fine-tune a small llama model on JSONL problems (curriculum stages, checkpoints) and export GGUF',
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, OPTIONS, false);
    if (!values.data) throw new UsageError('--data FILE.jsonl is required');
    if (!values.out) throw new UsageError('--out FILE.gguf is required');
    if (values.init && values.config) throw new UsageError('--init and --config exclude each other: --init takes the shape of the GGUF model');
    if (!values.init && !values.config) throw new UsageError(`--config is required (one of ${Object.keys(TRAIN_PRESETS).join(', ')}), or --init FILE.gguf`);
    if (values.config && !(values.config in TRAIN_PRESETS)) throw new UsageError(`--config must be one of ${Object.keys(TRAIN_PRESETS).join(', ')}, got "${values.config}"`);
    if (values.mixed && !values.stage2) throw new UsageError('--mixed needs --stage2: it trains one stage on both files');
    if (values.resume && !values['checkpoint-dir']) throw new UsageError('--resume needs --checkpoint-dir DIR');
    if (values.init && (values.tokenizer || values.vocab)) throw new UsageError('--tokenizer and --vocab do not apply with --init: the GGUF model brings its tokenizer');
    const json = values.json ?? false;
    const type = choice<ExportType>(values.type, '--type', EXPORT_TYPES, 'f32');
    const schedule = choice<ScheduleKind>(values.schedule, '--schedule', SCHEDULE_KINDS, DEFAULT_TRAINING.schedule);
    const overflow = choice<OverflowPolicy>(values.overflow, '--overflow', ['truncate', 'skip'], 'truncate');
    const tokenizerKind = choice(values.tokenizer, '--tokenizer', ['bpe', 'byte'] as const, 'bpe');
    if (tokenizerKind === 'byte' && values.vocab) throw new UsageError('--vocab applies to the bpe tokenizer only');
    const context = numberOption(values.context, '--context', 512, { min: 8, integer: true });
    const seed = numberOption(values.seed, '--seed', DEFAULT_TRAINING.seed, { min: 0, integer: true });
    const maxRecords = optionalNumber(values['max-records'], '--max-records', { min: 1, integer: true });
    const logEvery = numberOption(values['log-every'], '--log-every', 1, { min: 1, integer: true });
    const testLimit = numberOption(values['test-limit'], '--test-limit', 200, { min: 1, integer: true });
    const maxTokens = numberOption(values['max-tokens'], '--max-tokens', 256, { min: 1, integer: true });
    const defaults = DEFAULT_TRAINING.optimizer;
    const optimizer = {
      learningRate: numberOption(values.lr, '--lr', defaults.learningRate, { min: 1e-12, max: 10 }),
      beta1: numberOption(values.beta1, '--beta1', defaults.beta1, { min: 0, max: 0.999999 }),
      beta2: numberOption(values.beta2, '--beta2', defaults.beta2, { min: 0, max: 0.999999999 }),
      eps: numberOption(values.eps, '--eps', defaults.eps, { min: 1e-30, max: 1 }),
      weightDecay: numberOption(values['weight-decay'], '--weight-decay', defaults.weightDecay, { min: 0, max: 1 }),
      maxGradNorm: numberOption(values.clip, '--clip', defaults.maxGradNorm, { min: 0 }),
    };

    const initial = values.init ? await withGgufFile(values.init, loadInitialModel) : null;
    const normal = await readSftFile(values.data, maxRecords, json);
    const hard = values.stage2 ? await readSftFile(values.stage2, maxRecords, json) : null;
    let stages: StageRecords[];
    if (!hard) stages = [{ name: 'mixed', records: normal, sourceName: values.data }];
    else if (values.mixed) stages = [{ name: 'mixed', records: [...normal, ...hard], sourceName: `${values.data} + ${values.stage2}` }];
    else stages = [{ name: 'normal', records: normal, sourceName: values.data }, { name: 'hard', records: hard, sourceName: values.stage2! }];

    const tokenizer: TokenizerChoice = initial
      ? { kind: 'given', tokenizer: initial.tokenizer }
      : tokenizerKind === 'byte'
        ? { kind: 'byte' }
        : { kind: 'bpe', vocabSize: numberOption(values.vocab, '--vocab', DEFAULT_BPE_VOCAB, { min: MIN_BPE_VOCAB, integer: true }) };
    const template = { prompt: ALPACA_COT_TEXT };
    const prepared = await prepareTrainingData({ stages, template, tokenizer, seqLen: context, overflow, heldOut: heldOutOption(values['held-out']), seed });

    const model = initial ? { ...initial.config, contextLength: Math.max(initial.config.contextLength, context) } : presetConfig(values.config!, prepared.data.tokenizer.vocabSize, context);
    const shape = { blockCount: 'layers', embeddingLength: 'embd', headCount: 'heads', headCountKv: 'kv-heads', feedForwardLength: 'ff' } as const;
    for (const [field, flag] of Object.entries(shape) as [keyof typeof shape, (typeof shape)[keyof typeof shape]][]) {
      if (values[flag] === undefined) continue;
      if (initial) throw new UsageError(`--${flag} does not apply with --init: the GGUF model fixes the shape`);
      model[field] = numberOption(values[flag], `--${flag}`, 0, { min: 1, integer: true });
    }
    const config: TrainingConfig = {
      ...DEFAULT_TRAINING,
      model,
      seqLen: context,
      microBatch: numberOption(values['micro-batch'], '--micro-batch', DEFAULT_TRAINING.microBatch, { min: 1, integer: true }),
      batch: numberOption(values.batch, '--batch', DEFAULT_TRAINING.batch, { min: 1, integer: true }),
      epochs: numberOption(values.epochs, '--epochs', DEFAULT_TRAINING.epochs, { min: 1, integer: true }),
      optimizer,
      warmupRatio: numberOption(values['warmup-ratio'], '--warmup-ratio', DEFAULT_TRAINING.warmupRatio, { min: 0, max: 1 }),
      schedule,
      minLearningRateRatio: numberOption(values['min-lr-ratio'], '--min-lr-ratio', 0, { min: 0, max: 1 }),
      seed,
      evalEvery: numberOption(values['eval-every'], '--eval-every', 0, { min: 0, integer: true }),
      checkpointEvery: numberOption(values['checkpoint-every'], '--checkpoint-every', 0, { min: 0, integer: true }),
    };

    const checkpoints = values['checkpoint-dir'] ? new CheckpointManager(folderStorage(values['checkpoint-dir'])) : undefined;
    const existing = await checkpoints?.latest();
    if (existing && !values.resume) {
      throw new UsageError(`${values['checkpoint-dir']} already contains a checkpoint (step ${existing.step}); pass --resume to continue that run, or choose an empty folder`);
    }

    const printer = new TrainProgressPrinter(json, logEvery);
    printer.data(prepared, config);
    const ctx = await acquireGpu();
    // The first Ctrl-C stops after the current step, with a checkpoint when there is a folder; a second one exits at once.
    const interrupt = new AbortController();
    const onInterrupt = () => {
      if (interrupt.signal.aborted) process.exit(130);
      console.error(`mwb train: stopping after this step${checkpoints ? ' with a checkpoint' : ''}; press Ctrl-C again to quit at once`);
      interrupt.abort();
    };
    process.on('SIGINT', onInterrupt);
    let result: TrainResult;
    try {
      result = await trainModel(ctx, config, prepared.data, printer.callbacks(), interrupt.signal, { checkpoints, initialParameters: initial?.parameters });
    } finally {
      process.off('SIGINT', onInterrupt);
    }
    if (result.status === 'paused') {
      const where = result.lastCheckpoint ? `; continue with --resume (checkpoint ${result.lastCheckpoint.location}/${result.lastCheckpoint.file})` : '; no --checkpoint-dir was given, so the run cannot continue';
      console.error(`mwb train: stopped at step ${result.steps} of ${result.totalSteps}${where}. No model was written.`);
      return 130;
    }

    const description = `Trained by mwb train: ${values.init ? `fine-tuned from ${values.init}` : `${values.config} from scratch`}, ${config.epochs} epochs, batch ${config.batch}, lr ${config.optimizer.learningRate}, seed ${seed}, data ${stages.map((s) => s.sourceName).join(' then ')}`;
    const sink = await openFileSink(values.out);
    try {
      await writeGguf(sink, trainedModelGguf(result.model, { type, name: `mwb-${values.config ?? 'fine-tuned'}-${type}`, description }));
    } finally {
      await sink.close();
    }
    const accuracy = values.test ? await evaluateModelFile(values.out, values.test, [...normal, ...(hard ?? [])], { limit: testLimit, maxTokens, template, quiet: json }) : null;
    printer.done(result, values.out, type, accuracy);
    if (!json && accuracy) console.log(formatAccuracy(accuracy));
    if (!json) console.log(`trained ${result.steps} steps (${result.tokens} tokens) in ${formatDuration(result.elapsedMs)}`);
    return 0;
  },
};
