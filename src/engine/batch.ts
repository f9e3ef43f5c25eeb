/**
 * Batched generation with continuous batching. Up to `model.batch` sequences decode together, one
 * token each per step (the weight products become thin matrix products over the rows), each in
 * its own KV-cache slot. When a sequence ends, its slot takes the next waiting request at once: the
 * request's prompt is prefilled into that slot, in chunks, while the other sequences wait, and it
 * joins the following decode step. Results are reported per sequence as soon as it ends.
 */
import type { SamplingOptions } from '../model/reference/sampling.ts';
import { checkSamplingOptions } from '../model/reference/sampling.ts';
import type { GgufTokenizer } from '../model/tokenizer/tokenizer.ts';
import type { GpuModel } from './model.ts';
import { streamOf, type SampledRow, type StepSampler } from './sampler.ts';
import { SequenceText, type SequenceStopReason } from './sequence.ts';

export interface SequenceRequest {
  /** Caller's id, passed back in the callbacks. */
  id: string;
  promptTokens: readonly number[];
  sampling: SamplingOptions;
  maxTokens: number;
  stop: readonly string[];
  /** Ends this sequence alone, with stopReason 'aborted'. */
  signal?: AbortSignal;
  /** Sampling stream that separates sequences sharing a seed; default streamOf(id). */
  stream?: number;
}

/** The source of waiting requests: a fixed list, or a queue that callers keep adding to. */
export interface RequestQueue {
  /** The next waiting request, or undefined when none is waiting now. */
  take(): SequenceRequest | undefined;
}

/** Creates a queue over a fixed list of requests. */
export function listQueue(requests: readonly SequenceRequest[]): RequestQueue {
  let next = 0;
  return { take: () => requests[next++] };
}

export interface SequenceResult {
  id: string;
  promptTokens: number;
  /** Generated token ids, without the end-of-generation token. */
  tokens: number[];
  /** Generated text, cut before a stop string. */
  text: string;
  stopReason: SequenceStopReason;
  /** Set when stopReason is 'error'. */
  error?: string;
  /** Milliseconds from the start of this sequence's prefill to its end. */
  ms: number;
}

export interface BatchCallbacks {
  /** Text of a sequence as it is generated; stop strings are never part of it. */
  onText?(id: string, piece: string): void;
  onFinished(result: SequenceResult): void;
  /** After an abort, running and waiting sequences finish with stopReason 'aborted'. */
  signal?: AbortSignal;
}

export interface BatchStats {
  prefillTokens: number;
  prefillMs: number;
  /** Tokens sampled in decode steps (prefill's first tokens not included). */
  decodeTokens: number;
  decodeMs: number;
  decodeSteps: number;
}

interface ActiveSequence {
  index: number;
  request: SequenceRequest;
  slot: number;
  text: SequenceText;
  started: number;
  /** The last sampled token, fed in the next decode step. */
  next: number;
}

export interface BatchOptions {
  /**
   * The token chooser. The default samples on the GPU and reads back one id per row. A
   * LogitsSampler reproduces the reference engine's sampled tokens instead.
   */
  sampler?: StepSampler;
}

/**
 * Generates every request with continuous batching and resolves with timing totals. A request that
 * cannot run (its prompt does not fit the context, bad sampling settings) finishes with stopReason
 * 'error' and the others continue. GPU failures (a lost device) reject.
 */
export async function generateBatch(
  model: GpuModel,
  tokenizer: GgufTokenizer,
  requests: readonly SequenceRequest[] | RequestQueue,
  callbacks: BatchCallbacks,
  options: BatchOptions = {},
): Promise<BatchStats> {
  const queue = 'take' in requests ? requests : listQueue(requests);
  const sampler = options.sampler ?? (await model.sampler());
  const releaseSlots = model.claimSlots();
  const stats: BatchStats = { prefillTokens: 0, prefillMs: 0, decodeTokens: 0, decodeMs: 0, decodeSteps: 0 };
  const slots: (ActiveSequence | null)[] = Array.from({ length: model.batch }, () => null);
  let sequenceCount = 0;
  const signal = callbacks.signal;

  const report = (sequence: ActiveSequence) => {
    const piece = sequence.text.flushPiece();
    if (piece) callbacks.onText?.(sequence.request.id, piece);
    sampler.end(sequence.index);
    slots[sequence.slot] = null;
    callbacks.onFinished({
      id: sequence.request.id,
      promptTokens: sequence.request.promptTokens.length,
      tokens: [...sequence.text.tokens],
      text: sequence.text.text,
      stopReason: sequence.text.stopReason!,
      ms: performance.now() - sequence.started,
    });
  };

  const endUnstarted = (request: SequenceRequest, stopReason: 'aborted' | 'error', error?: string) => {
    callbacks.onFinished({ id: request.id, promptTokens: request.promptTokens.length, tokens: [], text: '', stopReason, error, ms: 0 });
  };

  const accept = (sequence: ActiveSequence, token: number) => {
    const piece = sequence.text.push(token);
    if (piece) callbacks.onText?.(sequence.request.id, piece);
    sequence.next = token;
    if (sequence.text.finished) report(sequence);
  };

  /** Prefills the next waiting request into `slot` and samples its first token; false when none can start. */
  const startNext = async (slot: number): Promise<boolean> => {
    for (let request = queue.take(); request; request = queue.take()) {
      const index = sequenceCount++;
      const prompt = request.promptTokens;
      if (request.signal?.aborted) {
        endUnstarted(request, 'aborted');
        continue;
      }
      const problem = validateRequest(request, model.contextLength);
      if (problem) {
        endUnstarted(request, 'error', problem);
        continue;
      }
      const text = new SequenceText(tokenizer.createStreamDecoder(), (t) => tokenizer.isEog(t), { maxTokens: request.maxTokens, stop: request.stop, contextLength: model.contextLength }, prompt.length);
      const sequence: ActiveSequence = { index, request, slot, text, started: performance.now(), next: -1 };
      slots[slot] = sequence;
      if (text.finished) {
        report(sequence);
        continue;
      }
      sampler.start(index, request.sampling, request.stream ?? streamOf(request.id));
      const rows: SampledRow[] = [{ sequence: index, position: prompt.length }];
      const { tail, readback } = sampler.prepare(rows);
      const started = performance.now();
      await model.prefill(slot, prompt, 0, tail, readback, signal);
      const [token] = await sampler.finish(rows);
      stats.prefillTokens += prompt.length;
      stats.prefillMs += performance.now() - started;
      accept(sequence, token);
      if (!sequence.text.finished) return true;
    }
    return false;
  };

  const abortAll = () => {
    for (const sequence of slots) {
      if (!sequence) continue;
      sequence.text.finish('aborted');
      report(sequence);
    }
    for (let request = queue.take(); request; request = queue.take()) endUnstarted(request, 'aborted');
  };

  /** Ends the sequences whose own signal fired. */
  const abortSignalled = () => {
    for (const sequence of slots) {
      if (!sequence?.request.signal?.aborted) continue;
      sequence.text.finish('aborted');
      report(sequence);
    }
  };

  try {
    for (;;) {
      if (signal?.aborted) {
        abortAll();
        break;
      }
      abortSignalled();
      let starved = false;
      for (let slot = 0; slot < slots.length && !starved; slot++) {
        if (!slots[slot]) starved = !(await startNext(slot));
      }
      abortSignalled();
      const active = slots.filter((s): s is ActiveSequence => s !== null);
      if (active.length === 0) {
        // startNext took every waiting request; none is running, so the queue is empty.
        break;
      }
      if (signal?.aborted) continue;

      const rows: SampledRow[] = active.map((s) => ({ sequence: s.index, position: s.text.length }));
      const { tail, readback } = sampler.prepare(rows);
      const started = performance.now();
      model.decode(
        active.map((s) => ({ slot: s.slot, token: s.next, position: s.text.length - 1 })),
        tail,
        readback,
      );
      const tokens = await sampler.finish(rows);
      stats.decodeMs += performance.now() - started;
      stats.decodeSteps++;
      stats.decodeTokens += active.length;
      active.forEach((sequence, r) => accept(sequence, tokens[r]));
    }
  } catch (error) {
    if (signal?.aborted && isAbort(error)) {
      abortAll();
      return stats;
    }
    throw error;
  } finally {
    releaseSlots();
  }
  return stats;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Returns why a request cannot run, or null. */
function validateRequest(request: SequenceRequest, contextLength: number): string | null {
  const prompt = request.promptTokens;
  if (prompt.length === 0) return 'the prompt has no tokens; give a non-empty prompt or a model that adds BOS';
  if (prompt.length >= contextLength) return `the prompt has ${prompt.length} tokens, but the context holds ${contextLength}; shorten the prompt or load the model with a longer context`;
  if (!(Number.isSafeInteger(request.maxTokens) && request.maxTokens >= 0)) return `max tokens must be an integer ≥ 0, got ${request.maxTokens}`;
  try {
    checkSamplingOptions(request.sampling);
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}
