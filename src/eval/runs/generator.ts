/**
 * The generation interface an inference engine implements for evaluation runs. The engine receives
 * every pending request of a run at once, decodes up to its batch size of them together (continuous
 * batching: a finished sequence's slot goes to the next request) and calls `onFinished` per sequence
 * as soon as that sequence ends, so the run can store it before the rest of the batch is done.
 */

export interface SamplingParams {
  /** 0 selects greedy decoding (argmax of the logits). */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability sums to at least topP; 1 = off. */
  topP: number;
  /** Keep only the topK most likely tokens; 0 = off. */
  topK: number;
  /** Maximum number of generated tokens per sequence. */
  maxTokens: number;
  /** Base seed; request i of a problem's samples uses seed + sample number. */
  seed: number;
  /** Generation stops before the first of these strings; they are not part of the output. */
  stop: string[];
}

export const DEFAULT_SAMPLING: SamplingParams = { temperature: 0, topP: 1, topK: 0, maxTokens: 1024, seed: 0, stop: [] };

export interface GenerationRequest {
  /** Opaque id chosen by the caller, passed back in the callbacks. */
  id: string;
  prompt: string;
  /** Seed of this sequence's sampler. */
  seed: number;
}

/**
 * Why a sequence ended: the model's end-of-sequence token, a stop string, the token limit, the
 * caller's abort signal, or an error in this sequence (for example a prompt longer than the context).
 */
export type StopReason = 'eos' | 'stop' | 'length' | 'aborted' | 'error';

export interface FinishedSequence {
  /** The generated text, without the prompt and without the stop string. */
  text: string;
  /** Number of generated tokens. */
  tokens: number;
  /** Milliseconds from the start of this sequence's prefill to its last token. */
  ms: number;
  stopReason: StopReason;
  /** The error message when stopReason is 'error'. */
  error?: string;
}

export interface GenerateCallbacks {
  /** Called with each decoded piece of text, for live views; optional because it costs a message per token. */
  onToken?(id: string, piece: string): void;
  /** Called once per request when its sequence ends (also with stopReason 'aborted' after an abort). */
  onFinished(id: string, result: FinishedSequence): void;
  /** Aborting stops decoding soon; generate() then resolves. */
  signal?: AbortSignal;
}

export interface Generator {
  /** Name and details of the model, stored with the run. */
  readonly model: { name: string; detail?: string };
  /**
   * Generates a completion for every request. Resolves when all have finished or after an abort;
   * rejects only when the engine itself fails (a lost device, for example).
   */
  generate(requests: readonly GenerationRequest[], sampling: SamplingParams, callbacks: GenerateCallbacks): Promise<void>;
}
