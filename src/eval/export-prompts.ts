/**
 * Writes the prompts of a benchmark as JSONL for generation on another machine; the outputs come
 * back through importOutputs, matched by the `id` (or `custom_id`) written here.
 * - `jsonl`: `{"id", "problem", "prompt"}` for text templates, `{"id", "problem", "messages"}` for
 *   chat templates (the model's chat template is applied by the server then).
 * - `vllm-batch`: input lines for vLLM's OpenAI-compatible batch runner (`vllm run-batch`), whose
 *   batch endpoint takes chat requests only, so this needs a chat template.
 */
import type { BenchmarkProblemRecord } from '../db/eval.ts';
import { toJsonl } from '../util/jsonl.ts';
import { renderMessages, renderPrompt, type PromptTemplate, type ResolvedExemplar } from './templates.ts';

export type PromptExportFormat = 'jsonl' | 'vllm-batch';

export interface VllmBatchSettings {
  model: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  /** Samples per problem (`n` of the request). */
  samples: number;
}

export function exportPrompts(
  problems: readonly BenchmarkProblemRecord[],
  template: PromptTemplate,
  exemplars: readonly ResolvedExemplar[],
  format: PromptExportFormat,
  vllm?: VllmBatchSettings,
): string {
  const shots = template.fewShot ? exemplars : [];
  if (format === 'jsonl') {
    return toJsonl(
      problems.map((p) =>
        template.format === 'chat'
          ? { id: p.problemId, problem: p.problem, messages: renderMessages(template, p.problem, shots) }
          : { id: p.problemId, problem: p.problem, prompt: renderPrompt(template, p.problem, shots) },
      ),
    );
  }
  if (template.format !== 'chat') {
    throw new Error(`vLLM's batch runner accepts chat requests only; template "${template.name}" is a text template. Export it as JSONL instead.`);
  }
  if (!vllm || !vllm.model.trim()) throw new Error('A vLLM batch file needs the model name the server serves.');
  return toJsonl(
    problems.map((p) => ({
      custom_id: p.problemId,
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: vllm.model.trim(),
        messages: renderMessages(template, p.problem, shots),
        max_tokens: vllm.maxTokens,
        temperature: vllm.temperature,
        top_p: vllm.topP,
        n: vllm.samples,
        ...(template.stop.length > 0 ? { stop: template.stop } : {}),
      },
    })),
  );
}
