/**
 * `npm run bench -- train`: training tokens/s of the workbench's WebGPU training graph, by phase
 * (forward, backward, AdamW update; GPU timestamps when the adapter has them) and per whole step.
 * In the same run, TensorFlow.js's WebGPU backend trains the same model, initial weights and batch,
 * and the ratio of whole-step throughputs is printed. Both sides read the loss back after every
 * step, and the first step of each (shader compilation) is not timed. With --rounds N the two sides
 * take turns N times, so a change in machine speed during the run affects both.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { GpuContext } from '../src/gpu/context.ts';
import { acquireGpu, releaseGpu } from '../src/gpu/session.ts';
import { syntheticBatch } from '../src/train/batch.ts';
import type { LlamaConfig } from '../src/train/config.ts';
import { DEFAULT_ADAMW, TrainModel } from '../src/train/model.ts';
import { parameterLayout } from '../src/train/parameters.ts';
import { TRAIN_PRESETS } from '../src/train/training-config.ts';
import { machineLine, median, printTable, type Bench } from './report.ts';
import type { TfjsBenchRequest, TfjsBenchResult } from './train-tfjs.ts';

const ROOT = join(import.meta.dirname, '..');
const USAGE = `options: --preset ${Object.keys(TRAIN_PRESETS).join('|')} (default tiny), --vocab N (288), --batch N (4), --seq N (128), --steps N (8), --rounds N (2), --no-tfjs, --busy-wait`;
const LEARNING_RATE = 1e-4;
const SEED = 1;
const BATCH_SEED = 1;
/** Examples in the synthetic batch are 1 to this many tokens long. */
const MAX_EXAMPLE = 64;

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive integer, got "${value}". ${USAGE}`);
  return parsed;
}

const rate = (tokens: number, ms: number) => `${((tokens / ms) * 1000).toFixed(0)} tokens/s`;

/** Runs bench/train-tfjs.ts under vite-node and parses its JSON line. */
function runTfjs(request: TfjsBenchRequest): TfjsBenchResult {
  const child = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite-node/vite-node.mjs'), '--options.deps.inline=/@tensorflow/', join(ROOT, 'bench/train-tfjs.ts')], {
    cwd: ROOT,
    env: { ...process.env, MWB_TFJS_BENCH: JSON.stringify(request) },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    timeout: 3_600_000,
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    throw new Error(`The TensorFlow.js run failed (exit ${child.status ?? child.signal}): ${child.stderr.trim().split('\n').slice(-8).join('\n')}`);
  }
  return JSON.parse(line) as TfjsBenchResult;
}

interface OurSteps {
  /** GPU milliseconds per phase (NaN without timestamps) and wall-clock milliseconds of each timed step. */
  steps: { forward: number; backward: number; optimizer: number; step: number }[];
  losses: number[];
  timed: boolean;
}

/** Trains a freshly initialized model for steps + 1 steps (the first is not timed) and times each. */
async function trainOurs(ctx: GpuContext, config: LlamaConfig, batch: ReturnType<typeof syntheticBatch>, batchSize: number, seqLen: number, steps: number): Promise<OurSteps> {
  const model = await TrainModel.create(ctx, config, { batchSize, seqLen, seed: SEED, timing: true });
  const result: OurSteps = { steps: [], losses: [], timed: true };
  try {
    for (let step = 0; step <= steps; step++) {
      const started = performance.now();
      model.zeroGradients();
      model.uploadBatch(batch);
      model.forward();
      model.backward();
      model.optimizerStep({ ...DEFAULT_ADAMW, learningRate: LEARNING_RATE }, step + 1);
      result.losses.push((await model.readLoss()).loss);
      const wall = performance.now() - started;
      const phases = await model.readPhaseTimes();
      if (!phases) result.timed = false;
      if (step > 0) result.steps.push({ forward: phases?.forward ?? NaN, backward: phases?.backward ?? NaN, optimizer: phases?.optimizer ?? NaN, step: wall });
    }
  } finally {
    model.dispose();
  }
  return result;
}

export const trainBench: Bench = {
  name: 'train',
  summary: 'training tokens/s (forward, backward, update) against TensorFlow.js WebGPU on the same model and batch',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        preset: { type: 'string' },
        vocab: { type: 'string' },
        batch: { type: 'string' },
        seq: { type: 'string' },
        steps: { type: 'string' },
        rounds: { type: 'string' },
        'no-tfjs': { type: 'boolean' },
        'busy-wait': { type: 'boolean' },
      },
    });
    const presetName = values.preset ?? 'tiny';
    const preset = TRAIN_PRESETS[presetName];
    if (!preset) throw new Error(`Unknown preset "${presetName}". ${USAGE}`);
    const batchSize = positiveInteger('batch', values.batch, 4);
    const seqLen = positiveInteger('seq', values.seq, 128);
    const steps = positiveInteger('steps', values.steps, 8);
    const rounds = positiveInteger('rounds', values.rounds, 2);
    const config: LlamaConfig = { ...preset, vocabSize: positiveInteger('vocab', values.vocab, 288), contextLength: seqLen };
    const tokens = batchSize * seqLen;
    const batch = syntheticBatch(config, batchSize, seqLen, BATCH_SEED, MAX_EXAMPLE);

    // --busy-wait turns off the sleep before each loss readback (GpuContext.busyPollingHost), to show its share.
    const ctx = await acquireGpu(values['busy-wait'] ? { busyPollingHost: false } : {});
    console.log(machineLine(ctx));
    if (values['busy-wait']) console.log('the workbench waits for each loss readback by polling, as TensorFlow.js does (--busy-wait)');
    else if (ctx.busyPollingHost && ctx.tuning === 'software') console.log('the workbench sleeps through most of each step before reading the loss back (--busy-wait turns this off)');
    console.log(
      `model: ${presetName}, ${config.blockCount} blocks × ${config.embeddingLength} wide, heads ${config.headCount}/${config.headCountKv}, feed-forward ${config.feedForwardLength}, ` +
        `vocab ${config.vocabSize}, ${(parameterLayout(config).parameterCount / 1e6).toFixed(3)} M parameters; batch ${batchSize} × ${seqLen} = ${tokens} tokens (packed examples of 1–${MAX_EXAMPLE} tokens)`,
    );
    const request: TfjsBenchRequest = { config, batchSize, seqLen, steps, seed: SEED, batchSeed: BATCH_SEED, maxExample: MAX_EXAMPLE, learningRate: LEARNING_RATE, maxGradNorm: DEFAULT_ADAMW.maxGradNorm };
    const ours: OurSteps[] = [];
    const theirs: TfjsBenchResult[] = [];
    /** TensorFlow.js step over workbench step, per round. */
    const roundRatios: number[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        ours.push(await trainOurs(ctx, config, batch, batchSize, seqLen, steps));
        const ourStep = median(ours[round].steps.map((s) => s.step));
        let line = '';
        if (!values['no-tfjs']) {
          theirs.push(runTfjs(request));
          const tfjsStep = median(theirs[round].stepMs);
          roundRatios.push(tfjsStep / ourStep);
          line = `, TensorFlow.js ${tfjsStep.toFixed(1)} ms, ratio ${roundRatios[round].toFixed(2)}×`;
        }
        if (rounds > 1) console.log(`round ${round + 1}: workbench ${ourStep.toFixed(1)} ms${line}`);
      }
    } finally {
      await releaseGpu();
    }

    const all = ours.flatMap((r) => r.steps);
    const phase = (key: keyof (typeof all)[number]) => median(all.map((s) => s[key]));
    const rows: (string | number)[][] = [
      ['workbench forward (loss, dlogits)', `${phase('forward').toFixed(1)} ms`, rate(tokens, phase('forward'))],
      ['workbench backward', `${phase('backward').toFixed(1)} ms`, rate(tokens, phase('backward'))],
      ['workbench update (norm, clip, AdamW)', `${phase('optimizer').toFixed(2)} ms`, ''],
      ['workbench whole step (wall clock)', `${phase('step').toFixed(1)} ms`, rate(tokens, phase('step'))],
    ];
    let ratio: string | null = null;
    if (theirs.length > 0) {
      const tfjsStep = median(theirs.flatMap((r) => r.stepMs));
      rows.push([`TensorFlow.js ${theirs[0].backend} whole step (wall clock)`, `${tfjsStep.toFixed(1)} ms`, rate(tokens, tfjsStep)]);
      ratio = `${(tfjsStep / phase('step')).toFixed(2)}× (target ≥ 5×)`;
      if (rounds > 1) ratio += `; per round ${roundRatios.map((x) => `${x.toFixed(2)}×`).join(', ')}`;
      console.log(`first-step loss: workbench ${ours[0].losses[0].toFixed(5)}, TensorFlow.js ${theirs[0].losses[0].toFixed(5)} (same weights and batch)`);
      console.log(`last loss: workbench ${ours[0].losses[ours[0].losses.length - 1].toFixed(5)}, TensorFlow.js ${theirs[0].losses[theirs[0].losses.length - 1].toFixed(5)}`);
    }
    printTable(['phase', `median of ${all.length} steps`, 'throughput'], rows);
    console.log(`workbench phases timed by ${ours.every((r) => r.timed) ? 'GPU timestamps' : 'the wall clock (no timestamp-query)'}`);
    if (ratio) console.log(`speed-up of the workbench over TensorFlow.js: ${ratio}`);
  },
};
