/**
 * The GPU model as a LogitsEngine (one sequence in KV-cache slot 0, logits read back after each
 * call), so the shared generation loop of the reference engine runs on it unchanged: `mwb generate
 * --engine gpu` samples exactly as `--engine ref` does, and tests compare logits position by position.
 */
import type { LogitsEngine } from '../model/reference/engine.ts';
import type { GpuModel } from './model.ts';

export class GpuLogitsEngine implements LogitsEngine {
  readonly name = 'gpu';
  private fed = 0;

  constructor(
    readonly model: GpuModel,
    /** Dispose the model with the engine (true when the engine loaded it). */
    private readonly ownsModel = false,
  ) {}

  get vocabSize(): number {
    return this.model.vocabSize;
  }

  get contextLength(): number {
    return this.model.contextLength;
  }

  get length(): number {
    return this.fed;
  }

  async append(tokens: readonly number[]): Promise<Float32Array> {
    if (tokens.length === 0) throw new RangeError('append() needs at least one token');
    if (this.fed + tokens.length > this.model.contextLength) {
      throw new RangeError(`the sequence would have ${this.fed + tokens.length} tokens, more than the context length of ${this.model.contextLength}`);
    }
    // A single token after the prompt takes the decode plan (split-K attention); longer runs the prefill plan.
    const logits =
      tokens.length === 1 && this.fed > 0
        ? await this.model.decodeLogits([{ slot: 0, token: tokens[0], position: this.fed }])
        : await this.model.prefillLogits(0, tokens, this.fed);
    this.fed += tokens.length;
    return logits;
  }

  reset(): void {
    this.fed = 0;
  }

  async dispose(): Promise<void> {
    if (this.ownsModel) this.model.dispose();
  }
}
