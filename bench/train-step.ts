/**
 * `npm run bench -- train-step`: forward, backward and AdamW update times of one training step of a
 * small llama model on the current adapter, with tokens/s. GPU timestamps time each phase when the
 * adapter offers timestamp-query; otherwise each phase is timed by the wall clock around submit + wait.
 */
import { parseArgs } from 'node:util';
import { acquireGpu } from '../src/gpu/session.ts';
import { syntheticBatch } from '../src/train/batch.ts';
import { MODEL_PRESETS, type LlamaConfig } from '../src/train/config.ts';
import { describeEstimate } from '../src/train/memory.ts';
import { DEFAULT_ADAMW, TrainModel } from '../src/train/model.ts';
import { machineLine, median, printTable, type Bench } from './report.ts';

type PhaseTimes = { forward: number; backward: number; optimizer: number };

const USAGE = 'options: --preset tiny|small (default small), --batch N (4), --seq N (128), --steps N (3), --vocab N (preset), --blocks N (preset)';

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive integer, got "${value}". ${USAGE}`);
  return parsed;
}

export const trainStepBench: Bench = {
  name: 'train-step',
  summary: 'forward, backward and AdamW times and tokens/s of one llama training step',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { preset: { type: 'string' }, batch: { type: 'string' }, seq: { type: 'string' }, steps: { type: 'string' }, vocab: { type: 'string' }, blocks: { type: 'string' } },
    });
    const presetName = values.preset ?? 'small';
    if (!(presetName in MODEL_PRESETS)) throw new Error(`Unknown preset "${presetName}". ${USAGE}`);
    const preset: LlamaConfig = MODEL_PRESETS[presetName as keyof typeof MODEL_PRESETS];
    const config: LlamaConfig = { ...preset, vocabSize: positiveInteger('vocab', values.vocab, preset.vocabSize), blockCount: positiveInteger('blocks', values.blocks, preset.blockCount) };
    const batchSize = positiveInteger('batch', values.batch, 4);
    const seqLen = positiveInteger('seq', values.seq, 128);
    const steps = positiveInteger('steps', values.steps, 3);

    const ctx = await acquireGpu();
    console.log(machineLine(ctx));
    const model = await TrainModel.create(ctx, { ...config, contextLength: Math.max(config.contextLength, seqLen) }, { batchSize, seqLen, timing: true });
    try {
      const tokens = batchSize * seqLen;
      const dispatches = model.dispatchCounts;
      console.log(
        `model: ${presetName}, ${config.blockCount} blocks × ${config.embeddingLength} wide, heads ${config.headCount}/${config.headCountKv}, ` +
          `feed-forward ${config.feedForwardLength}, vocab ${config.vocabSize}, ${(model.layout.parameterCount / 1e6).toFixed(2)} M parameters`,
      );
      console.log(`batch: ${batchSize} × ${seqLen} = ${tokens} tokens; dispatches per step: forward ${dispatches.forward}, backward ${dispatches.backward}, update ${dispatches.optimizer}`);
      console.log(`memory estimate: ${describeEstimate(TrainModel.estimate(ctx, model.config, batchSize, seqLen))}`);

      const batch = syntheticBatch(model.config, batchSize, seqLen, 1, 64);
      const samples: PhaseTimes[] = [];
      let timedBy = 'gpu timestamps';
      // The first step compiles nothing new but touches every buffer; it is not counted.
      for (let step = 0; step <= steps; step++) {
        const wall: PhaseTimes = { forward: 0, backward: 0, optimizer: 0 };
        model.zeroGradients();
        model.uploadBatch(batch);
        await model.sync();
        let started = performance.now();
        model.forward();
        await model.sync();
        wall.forward = performance.now() - started;
        started = performance.now();
        model.backward();
        await model.sync();
        wall.backward = performance.now() - started;
        started = performance.now();
        model.optimizerStep({ ...DEFAULT_ADAMW, learningRate: 1e-4 }, step + 1);
        await model.sync();
        wall.optimizer = performance.now() - started;
        const gpu = await model.readPhaseTimes();
        if (!gpu) timedBy = 'wall clock';
        if (step > 0) samples.push(gpu ?? wall);
      }
      const { loss } = await model.readLoss();
      const phase = (key: keyof PhaseTimes) => median(samples.map((s) => s[key]));
      const total = phase('forward') + phase('backward') + phase('optimizer');
      const rows: (string | number)[][] = [
        ['forward (with loss and dlogits)', `${phase('forward').toFixed(1)} ms`, `${((tokens / phase('forward')) * 1000).toFixed(0)} tokens/s`],
        ['backward', `${phase('backward').toFixed(1)} ms`, `${((tokens / phase('backward')) * 1000).toFixed(0)} tokens/s`],
        ['update (norm, clip, AdamW)', `${phase('optimizer').toFixed(1)} ms`, ''],
        ['whole step', `${total.toFixed(1)} ms`, `${((tokens / total) * 1000).toFixed(0)} tokens/s`],
      ];
      printTable(['phase', `median of ${steps}`, 'throughput'], rows);
      console.log(`timed by ${timedBy}; loss of the last step ${loss.toFixed(4)}`);
    } finally {
      model.dispose();
    }
  },
};
