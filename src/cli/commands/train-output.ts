/** Progress output of `mwb train`: a line per step and per held-out evaluation, as text or JSON lines. */
import type { SavedCheckpoint } from '../../train/checkpoint.ts';
import type { ExportType } from '../../train/export.ts';
import { describeReports, type PreparedData } from '../../train/prepare.ts';
import type { TrainingCallbacks, TrainResult } from '../../train/train-model.ts';
import type { TrainingConfig } from '../../train/training-config.ts';
import type { StagePlan } from '../../train/trainer.ts';
import type { AccuracyReport } from './train-eval.ts';

/** Formats milliseconds as "1h02m", "4m05s" or "12.3s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function line(value: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export class TrainProgressPrinter {
  private plans: StagePlan[] = [];

  constructor(
    private readonly json: boolean,
    private readonly logEvery: number,
  ) {}

  /** Prints the data reports and the model size before training starts. */
  data(prepared: PreparedData, config: TrainingConfig): void {
    const tokenizer = prepared.data.tokenizer;
    if (this.json) {
      line({ event: 'data', tokenizer: { kind: tokenizer.kind, vocabSize: tokenizer.vocabSize }, stages: prepared.reports, heldOutExamples: prepared.data.heldOut.length, config });
      return;
    }
    for (const text of describeReports(prepared.reports)) console.log(text);
    const m = config.model;
    console.log(
      `tokenizer: ${tokenizer.kind}, ${tokenizer.vocabSize} tokens; model: ${m.blockCount} blocks × ${m.embeddingLength} wide, heads ${m.headCount}/${m.headCountKv}, ` +
        `feed-forward ${m.feedForwardLength}; sequences of ${config.seqLen}, ${config.microBatch} per pass, ${config.batch} examples per step`,
    );
  }

  callbacks(): TrainingCallbacks {
    return {
      onStart: ({ plans, totalSteps, resumedFrom }) => {
        this.plans = plans;
        if (this.json) {
          line({ event: 'start', totalSteps, plans, resumedFrom });
          return;
        }
        for (const plan of plans) console.log(`stage ${plan.name}: ${plan.examples} examples, ${plan.stepsPerEpoch} steps per epoch, ${plan.totalSteps} steps, ${plan.warmupSteps} warm-up`);
        if (resumedFrom) console.log(`resuming from ${resumedFrom.location}/${resumedFrom.file} (step ${resumedFrom.step})`);
      },
      onStep: (point, progress) => {
        if (this.json) {
          line({ event: 'step', ...point, tokensPerSecond: progress.tokensPerSecond, etaMs: progress.etaMs });
          return;
        }
        if (point.step % this.logEvery !== 0 && point.step !== progress.totalSteps) return;
        const stage = this.plans[point.stage]?.name ?? String(point.stage);
        console.log(
          `step ${point.step}/${progress.totalSteps}  ${stage} epoch ${point.epoch.toFixed(2)}  loss ${point.loss.toFixed(4)}  lr ${point.learningRate.toExponential(2)}  ` +
            `grad norm ${point.gradNorm.toFixed(3)}  ${Math.round(progress.tokensPerSecond)} tokens/s  ETA ${formatDuration(progress.etaMs)}`,
        );
      },
      onEval: (point) => {
        if (this.json) line({ event: 'eval', ...point });
        else console.log(`held-out loss ${point.loss.toFixed(4)} at step ${point.step} (${point.lossTokens} tokens)`);
      },
      onCheckpoint: (saved: SavedCheckpoint) => {
        if (this.json) line({ event: 'checkpoint', ...saved });
        else console.log(`checkpoint ${saved.location}/${saved.file}`);
      },
    };
  }

  /** Prints the final held-out loss and where the model went. */
  done(result: TrainResult, out: string, type: ExportType, accuracy: AccuracyReport | null): void {
    if (this.json) {
      line({ event: 'done', status: result.status, steps: result.steps, tokens: result.tokens, elapsedMs: result.elapsedMs, finalHeldOutLoss: result.finalHeldOutLoss, out, type, accuracy });
      return;
    }
    console.log(result.finalHeldOutLoss === null ? 'final held-out loss: none (no held-out examples)' : `final held-out loss ${result.finalHeldOutLoss.toFixed(4)}`);
    console.log(`wrote ${out} (${type})`);
  }
}
