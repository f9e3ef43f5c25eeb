/** `mwb generate FILE.gguf --prompt TEXT`: text generation with the model's chat template and tokenizer. */
import { buildPrompt } from '../../model/chat-template.ts';
import type { GgufFile } from '../../model/gguf/file.ts';
import { ReferenceEngine, type LogitsEngine } from '../../model/reference/engine.ts';
import { generate } from '../../model/reference/generate.ts';
import { GgufTokenizer } from '../../model/tokenizer/tokenizer.ts';
import { numberOption, parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';
import { withGgufFile } from '../gguf-file.ts';
import { GpuLogitsEngine } from '../../engine/logits-engine.ts';
import { loadCliModel } from '../gpu-model.ts';

export interface EngineOpenOptions {
  /** MiB of dequantized weights the reference engine keeps in memory. */
  weightCacheMb: number;
  /** KV-cache positions the GPU engine allocates: --context, or the prompt plus --max-tokens. */
  contextLength: number;
  /** GPU memory the GPU engine may use, from --gpu-memory. */
  gpuMemoryMb?: number;
}

/**
 * The engines `--engine` selects. Each opens a LogitsEngine for a GGUF file; null marks an engine
 * that is not built yet.
 */
export const ENGINES: Record<string, ((file: GgufFile, options: EngineOpenOptions) => Promise<LogitsEngine>) | null> = {
  ref: async (file, options) => ReferenceEngine.open(file, { cacheBytes: options.weightCacheMb * 1024 * 1024 }),
  gpu: async (file, options) => new GpuLogitsEngine(await loadCliModel(file, { contextLength: options.contextLength, gpuMemoryMb: options.gpuMemoryMb }), true),
};

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a GGUF model (--engine ref: the CPU reference forward pass; gpu: WebGPU)',
  usage: `mwb generate FILE.gguf --prompt TEXT [--max-tokens N] [--temperature 0] [--seed S]
             [--engine ref|gpu] [--json] [options]

Formats the prompt with the model's chat template (tokenizer.chat_template) as one user message,
tokenizes it with the model's own BOS rules, and generates until an end-of-generation token
(EOS, EOT), a stop string or the token limit. Without a chat template, or with --raw, the prompt
is used as it is. Text is printed as it is generated; statistics go to standard error.

Options:
  --prompt TEXT        the prompt (required)
  --max-tokens N       maximum number of generated tokens (default 128)
  --temperature T      0 (default) is greedy decoding; above 0 samples
  --top-k K            sample among the K most likely tokens; 0 (default) = all
  --top-p P            sample from the smallest set of tokens with probability ≥ P (default 1 = off)
  --seed S             seed of the sampler (default 0)
  --stop STRING        stop before STRING, which is left out of the text; repeat for several
  --system TEXT        a system message before the prompt (chat template only)
  --raw                skip the chat template
  --engine NAME        ref (default): the CPU reference forward pass in TypeScript, slow but exact;
                       gpu: the WebGPU engine (same sampler, so the same JSON where the logits agree)
  --context N          gpu engine: KV-cache positions (default: prompt tokens + --max-tokens, at
                       most the model's context length)
  --gpu-memory MB      gpu engine: MiB of GPU memory the model may use; default: free system memory
                       on a software adapter, else the device's own limits
  --weight-cache MB    MiB of dequantized weights the reference engine keeps (default 1024); larger
                       models stream the rest from the file on every token
  --json               print {"prompt_tokens": [...], "tokens": [...], "text": "..."} only`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      prompt: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      seed: { type: 'string' },
      stop: { type: 'string', multiple: true },
      system: { type: 'string' },
      raw: { type: 'boolean' },
      engine: { type: 'string' },
      'weight-cache': { type: 'string' },
      context: { type: 'string' },
      'gpu-memory': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE.gguf' : `expected one FILE.gguf, got ${positionals.length} arguments`);
    const promptText = values.prompt;
    if (promptText === undefined) throw new UsageError('missing --prompt TEXT');
    if (values.raw && values.system !== undefined) throw new UsageError('--system needs the chat template; leave out --raw');
    const engineName = values.engine ?? 'ref';
    if (!Object.hasOwn(ENGINES, engineName)) throw new UsageError(`unknown engine "${engineName}"; engines: ${Object.keys(ENGINES).join(', ')}`);
    const openEngine = ENGINES[engineName];
    if (!openEngine) {
      console.error(`mwb generate: the ${engineName} engine is not built yet; use --engine ref (the CPU reference forward pass)`);
      return 1;
    }
    const options = {
      maxTokens: numberOption(values['max-tokens'], '--max-tokens', 128, { min: 0, integer: true }),
      temperature: numberOption(values.temperature, '--temperature', 0, { min: 0 }),
      topK: numberOption(values['top-k'], '--top-k', 0, { min: 0, integer: true }),
      topP: numberOption(values['top-p'], '--top-p', 1, { min: 0, max: 1 }),
      seed: numberOption(values.seed, '--seed', 0, { integer: true }),
      stop: values.stop ?? [],
    };
    if (options.topP === 0) throw new UsageError('--top-p must be greater than 0 (1 turns it off)');
    const weightCacheMb = numberOption(values['weight-cache'], '--weight-cache', 1024, { min: 0 });
    const contextOption = values.context === undefined ? undefined : numberOption(values.context, '--context', 0, { min: 1, integer: true });
    const gpuMemoryMb = values['gpu-memory'] === undefined ? undefined : numberOption(values['gpu-memory'], '--gpu-memory', 0, { min: 0.01 });

    await withGgufFile(positionals[0], async (file) => {
      const tokenizer = GgufTokenizer.fromGguf(file);
      const prompt = buildPrompt(tokenizer, promptText, { raw: values.raw, system: values.system });
      const contextLength = contextOption ?? prompt.ids.length + Math.max(1, options.maxTokens);
      const engine = await openEngine(file, { weightCacheMb, contextLength, gpuMemoryMb });
      try {
        const started = performance.now();
        const onText = values.json ? undefined : (piece: string) => process.stdout.write(piece);
        const result = await generate(engine, tokenizer, prompt.ids, options, { onText });
        const seconds = (performance.now() - started) / 1000;

        if (values.json) {
          printJson({ prompt_tokens: result.promptTokens, tokens: result.tokens, text: result.text });
        } else {
          process.stdout.write('\n');
          const template = prompt.templated ? 'chat template' : 'raw prompt';
          console.error(
            `[${engine.name} engine, ${template}: ${result.promptTokens.length} prompt tokens, ${result.tokens.length} generated, ` +
              `stopped by ${result.stopReason}, ${seconds.toFixed(1)} s]`,
          );
        }
      } finally {
        await engine.dispose();
      }
    });
    return 0;
  },
};
