/**
 * The generation loop shared by every engine: prefill the prompt, then sample one token at a time
 * until an end-of-generation token, a stop string, the token limit or the context length.
 */
import type { GgufTokenizer } from '../tokenizer/tokenizer.ts';
import type { LogitsEngine } from './engine.ts';
import { Sampler, type SamplingOptions } from './sampling.ts';

export interface GenerateOptions extends SamplingOptions {
  /** Maximum number of generated tokens. */
  maxTokens: number;
  /** Generation stops before the first of these strings, which is left out of the text. */
  stop: string[];
}

/**
 * Why generation ended: an end-of-generation token (EOS, EOT, …), a stop string, the token limit,
 * or the model's context length.
 */
export type GenerationStopReason = 'eos' | 'stop' | 'length' | 'context';

export interface GenerationResult {
  promptTokens: number[];
  /** Generated token ids; the end-of-generation token is not included, tokens of a stop string are. */
  tokens: number[];
  /** Generated text: the token pieces without special tokens, cut before a stop string. */
  text: string;
  stopReason: GenerationStopReason;
}

export interface GenerateCallbacks {
  /** Receives text as it is generated (pieces, with incomplete UTF-8 characters held back). */
  onText?(piece: string): void;
}

/** Returns the index of the earliest stop string in `text` at or after `from`, or −1. */
function findStop(text: string, stop: readonly string[], from: number): number {
  let found = -1;
  for (const s of stop) {
    if (s === '') continue;
    const at = text.indexOf(s, from);
    if (at >= 0 && (found < 0 || at < found)) found = at;
  }
  return found;
}

/**
 * Generates a continuation of `promptTokens` with `engine`, starting from an empty sequence.
 * Text sent to onText never includes a stop string, so a caller can print it as it arrives.
 */
export async function generate(
  engine: LogitsEngine,
  tokenizer: GgufTokenizer,
  promptTokens: readonly number[],
  options: GenerateOptions,
  callbacks: GenerateCallbacks = {},
): Promise<GenerationResult> {
  if (!(Number.isSafeInteger(options.maxTokens) && options.maxTokens >= 0)) throw new RangeError(`max tokens must be an integer ≥ 0, got ${options.maxTokens}`);
  if (promptTokens.length === 0) throw new RangeError('the prompt has no tokens; give a non-empty prompt or a model that adds BOS');
  if (engine.vocabSize > tokenizer.vocabSize) {
    throw new RangeError(`the model has ${engine.vocabSize} output logits but its tokenizer only ${tokenizer.vocabSize} tokens, so sampled ids could not be decoded`);
  }
  if (promptTokens.length >= engine.contextLength) {
    throw new RangeError(`the prompt has ${promptTokens.length} tokens; the model's context length is ${engine.contextLength}`);
  }
  const sampler = new Sampler(options);
  const decoder = tokenizer.createStreamDecoder();
  const longestStop = Math.max(0, ...options.stop.map((s) => s.length));

  engine.reset();
  const tokens: number[] = [];
  let text = '';
  let emitted = 0;
  let stopReason: GenerationStopReason = 'length';
  let logits = options.maxTokens > 0 ? await engine.append(promptTokens) : null;

  while (logits && tokens.length < options.maxTokens) {
    const token = sampler.sample(logits);
    if (tokenizer.isEog(token)) {
      stopReason = 'eos';
      break;
    }
    tokens.push(token);
    text += decoder.push(token);

    const stopAt = findStop(text, options.stop, Math.max(0, emitted - longestStop));
    if (stopAt >= 0) {
      text = text.slice(0, stopAt);
      stopReason = 'stop';
      break;
    }
    // Hold back what could still become the start of a stop string.
    const safe = Math.max(emitted, text.length - Math.max(0, longestStop - 1));
    if (safe > emitted) {
      callbacks.onText?.(text.slice(emitted, safe));
      emitted = safe;
    }
    if (tokens.length === options.maxTokens) break;
    if (engine.length >= engine.contextLength) {
      stopReason = 'context';
      break;
    }
    logits = await engine.append([token]);
  }

  if (stopReason !== 'stop') text += decoder.flush();
  if (text.length > emitted) callbacks.onText?.(text.slice(emitted));
  return { promptTokens: [...promptTokens], tokens, text, stopReason };
}
