/**
 * The state of one generated sequence: its tokens, its text through a streaming detokenizer, stop
 * strings, end-of-generation tokens and the token limit. It follows the reference generation
 * loop's rules. An end-of-generation token ends the sequence and is not part of it. Text stops
 * before the first stop string. Text that could still become a stop string is held back from the
 * streamed pieces until it cannot.
 */
import type { TokenStreamDecoder } from '../model/tokenizer/tokenizer.ts';

export type SequenceStopReason = 'eos' | 'stop' | 'length' | 'context' | 'aborted' | 'error';

export interface SequenceLimits {
  maxTokens: number;
  stop: readonly string[];
  contextLength: number;
}

/** Index of the earliest stop string in `text` at or after `from`, or −1. */
export function findStopString(text: string, stop: readonly string[], from: number): number {
  let found = -1;
  for (const s of stop) {
    if (s === '') continue;
    const at = text.indexOf(s, from);
    if (at >= 0 && (found < 0 || at < found)) found = at;
  }
  return found;
}

export class SequenceText {
  readonly tokens: number[] = [];
  text = '';
  stopReason: SequenceStopReason | null = null;
  private emitted = 0;
  private readonly longestStop: number;

  constructor(
    private readonly decoder: TokenStreamDecoder,
    private readonly isEog: (token: number) => boolean,
    private readonly limits: SequenceLimits,
    /** Tokens in the KV cache before the first generated token (the prompt). */
    private readonly promptLength: number,
  ) {
    this.longestStop = Math.max(0, ...limits.stop.map((s) => s.length));
    if (limits.maxTokens === 0) this.stopReason = 'length';
  }

  get finished(): boolean {
    return this.stopReason !== null;
  }

  /** Tokens in the KV cache once the last generated token is fed back: prompt plus generated. */
  get length(): number {
    return this.promptLength + this.tokens.length;
  }

  /**
   * Adds a sampled token and returns the text that can be streamed now ('' when none). Sets
   * stopReason when the sequence ends with this token.
   */
  push(token: number): string {
    if (this.finished) throw new Error('push() after the sequence finished');
    if (this.isEog(token)) {
      this.finish('eos');
      return this.flushPiece();
    }
    this.tokens.push(token);
    this.text += this.decoder.push(token);

    const stopAt = findStopString(this.text, this.limits.stop, Math.max(0, this.emitted - this.longestStop));
    if (stopAt >= 0) {
      this.text = this.text.slice(0, stopAt);
      this.stopReason = 'stop';
      return this.flushPiece();
    }
    if (this.tokens.length >= this.limits.maxTokens) {
      this.finish('length');
      return this.flushPiece();
    }
    // The next step feeds this token at position length − 1, which must lie inside the context.
    if (this.length - 1 >= this.limits.contextLength) {
      this.finish('context');
      return this.flushPiece();
    }
    // Hold back what could still become the start of a stop string.
    const safe = Math.max(this.emitted, this.text.length - Math.max(0, this.longestStop - 1));
    const piece = this.text.slice(this.emitted, safe);
    this.emitted = safe;
    return piece;
  }

  /** Ends the sequence from outside (abort, error), keeping the text so far. */
  finish(reason: SequenceStopReason): void {
    if (this.finished) return;
    this.stopReason = reason;
    this.text += this.decoder.flush();
  }

  /** Returns the text not streamed yet and marks it streamed. */
  flushPiece(): string {
    const piece = this.text.slice(this.emitted);
    this.emitted = this.text.length;
    return piece;
  }
}
