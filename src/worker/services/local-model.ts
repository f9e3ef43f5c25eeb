/**
 * The loaded GPU model behind the interfaces of evaluation (Generator: every request of a run at
 * once, decoded with continuous batching) and of model-driven augmentation (TextGenerator: one
 * prompt per call, concurrent calls share the batch). Both go through generateBatch.
 */
import type { RenderChat } from '../../eval/templates.ts';
import type { FinishedSequence, GenerateCallbacks, GenerationRequest, Generator, SamplingParams, StopReason } from '../../eval/runs/generator.ts';
import { RemoteGenerationError, type GenerateOptions, type TextGenerator } from '../../data/remote.ts';
import { generateBatch, type RequestQueue, type SequenceRequest, type SequenceResult } from '../../engine/batch.ts';
import type { GpuModel } from '../../engine/model.ts';
import type { SequenceStopReason } from '../../engine/sequence.ts';
import { buildPrompt, renderChatTemplate, type ChatMessage } from '../../model/chat-template.ts';
import type { GgufTokenizer } from '../../model/tokenizer/tokenizer.ts';

/** A model ready to generate: the GPU model and the tokenizer of the same file. */
export interface LocalModel {
  model: GpuModel;
  tokenizer: GgufTokenizer;
  /** Shown in runs and records, e.g. "Qwen2.5-Math-7B-Instruct Q4_K_M". */
  name: string;
  detail: string;
}

/**
 * Tokenizes a finished prompt text as llama.cpp does for chat prompts. Special tokens written in
 * the text are parsed and the model's BOS rule applies. A BOS text that the template put at the
 * start is dropped when the tokenizer adds BOS itself.
 */
export function encodePrompt(tokenizer: GgufTokenizer, text: string): number[] {
  const vocab = tokenizer.vocab;
  const bos = vocab.special.bos === null ? '' : vocab.tokens[vocab.special.bos];
  const body = vocab.addBos && bos !== '' && text.startsWith(bos) ? text.slice(bos.length) : text;
  return tokenizer.encode(body, { addSpecial: true, parseSpecial: true });
}

/** Returns the model's chat template as the evaluation's RenderChat, or undefined when the file has none. */
export function chatRenderer(tokenizer: GgufTokenizer): RenderChat | undefined {
  const vocab = tokenizer.vocab;
  const template = vocab.chatTemplate;
  if (template === null) return undefined;
  const text = (id: number | null) => (id === null ? '' : vocab.tokens[id]);
  return (messages, addGenerationPrompt) =>
    renderChatTemplate(template, messages as ChatMessage[], { addGenerationPrompt, bosToken: text(vocab.special.bos), eosToken: text(vocab.special.eos) });
}

/** Maps a stop reason to the evaluation's, which has no 'context': a sequence that fills the context ends by length. */
function evalStopReason(reason: SequenceStopReason): StopReason {
  return reason === 'context' ? 'length' : reason;
}

function finishedSequence(result: SequenceResult): FinishedSequence {
  return { text: result.text, tokens: result.tokens.length, ms: result.ms, stopReason: evalStopReason(result.stopReason), ...(result.error ? { error: result.error } : {}) };
}

/** Generator for evaluation runs: prompts are rendered by the run's template, so they are only tokenized here. */
export class LocalGenerator implements Generator {
  readonly model: { name: string; detail?: string };

  constructor(private readonly local: LocalModel) {
    this.model = { name: local.name, detail: local.detail };
  }

  async generate(requests: readonly GenerationRequest[], sampling: SamplingParams, callbacks: GenerateCallbacks): Promise<void> {
    const sequences: SequenceRequest[] = requests.map((request) => ({
      id: request.id,
      promptTokens: encodePrompt(this.local.tokenizer, request.prompt),
      sampling: { temperature: sampling.temperature, topK: sampling.topK, topP: sampling.topP, seed: request.seed },
      maxTokens: sampling.maxTokens,
      stop: sampling.stop,
    }));
    await generateBatch(this.local.model, this.local.tokenizer, sequences, {
      signal: callbacks.signal,
      onText: callbacks.onToken ? (id, piece) => callbacks.onToken!(id, piece) : undefined,
      onFinished: (result) => callbacks.onFinished(result.id, finishedSequence(result)),
    });
  }
}

interface PendingText {
  request: SequenceRequest;
  resolve(text: string): void;
  reject(error: unknown): void;
}

/**
 * TextGenerator for model-driven augmentation. Each prompt is one user message in the model's chat
 * template (as `mwb generate` does). Calls made while others run join the same continuous batch,
 * so the augmentation's parallel requests fill the batch's slots.
 */
export class LocalTextGenerator implements TextGenerator {
  readonly name: string;
  private readonly waiting: PendingText[] = [];
  private readonly running = new Map<string, PendingText>();
  private loop: Promise<void> | null = null;
  private counter = 0;

  constructor(
    private readonly local: LocalModel,
    /** Tokens per call when the caller gives no maxTokens. */
    private readonly defaultMaxTokens = 512,
  ) {
    this.name = local.name;
  }

  generate(prompt: string, options: GenerateOptions = {}): Promise<string> {
    const id = `text-${this.counter++}`;
    const request: SequenceRequest = {
      id,
      promptTokens: buildPrompt(this.local.tokenizer, prompt).ids,
      sampling: { temperature: options.temperature ?? 0, topK: 0, topP: 1, seed: options.seed ?? 0 },
      maxTokens: options.maxTokens ?? this.defaultMaxTokens,
      stop: options.stop ?? [],
      signal: options.signal,
      // The seed alone picks the draws, as with a remote server: the same prompt and seed give the same text.
      stream: 0,
    };
    const result = new Promise<string>((resolve, reject) => this.waiting.push({ request, resolve, reject }));
    this.loop ??= this.run();
    return result;
  }

  private async run(): Promise<void> {
    const queue: RequestQueue = {
      take: () => {
        const next = this.waiting.shift();
        if (!next) return undefined;
        this.running.set(next.request.id, next);
        return next.request;
      },
    };
    try {
      // A batch ends when its queue is empty; calls that arrived meanwhile start the next one.
      while (this.waiting.length > 0) {
        await generateBatch(this.local.model, this.local.tokenizer, queue, { onFinished: (result) => this.settle(result) });
      }
    } catch (error) {
      for (const pending of [...this.running.values(), ...this.waiting.splice(0)]) pending.reject(error);
      this.running.clear();
    } finally {
      this.loop = null;
    }
  }

  private settle(result: SequenceResult): void {
    const pending = this.running.get(result.id);
    if (!pending) return;
    this.running.delete(result.id);
    if (result.stopReason === 'aborted') {
      // The shard runner treats this like a stopped remote request: the batch is retried on resume.
      pending.reject(new RemoteGenerationError('generation was stopped before it finished', 'aborted', 1));
    } else if (result.stopReason === 'error') {
      pending.reject(new RemoteGenerationError(`the local model could not run this prompt: ${result.error}`, 'malformed', 1));
    } else {
      pending.resolve(result.text);
    }
  }
}
