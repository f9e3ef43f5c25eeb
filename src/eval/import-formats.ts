/**
 * Formats of model outputs made elsewhere, one JSON object per line:
 * - `generic`: `{"id" | "problem" | "question", "output": "…" | ["…", …]}`; optional `prompt`, `tokens`, `ms`.
 * - `vllm-batch`: the output file of vLLM's OpenAI-compatible batch runner (`vllm run-batch`):
 *   `{"id", "custom_id", "response": {"status_code", "body": {"choices": [{"message": {"content"}} | {"text"}], "usage"}}, "error"}`.
 * - `vllm-offline`: vLLM `RequestOutput` objects written as JSON:
 *   `{"request_id"?, "prompt", "outputs": [{"text", "token_ids"?, "finish_reason"?}]}`.
 * - `lm-eval`: lm-evaluation-harness sample logs (`samples_<task>_<date>.jsonl` from `--log_samples`):
 *   `{"doc_id", "doc", "target", "arguments", "resps": [[…]], "filtered_resps", "filter", …}`,
 *   one line per document and filter.
 */
import type { StopReason } from './runs/generator.ts';

export type OutputFormat = 'generic' | 'vllm-batch' | 'vllm-offline' | 'lm-eval';

export const OUTPUT_FORMAT_LABELS: Record<OutputFormat, string> = {
  generic: 'JSONL of {id or problem, output}',
  'vllm-batch': 'vLLM batch output (run-batch)',
  'vllm-offline': 'vLLM RequestOutput JSONL',
  'lm-eval': 'lm-evaluation-harness samples',
};

/** Keys that identify the problem an output line belongs to, strongest first. */
export interface MatchKeys {
  ids: string[];
  /** Texts that should equal a problem exactly (after whitespace normalization). */
  texts: string[];
  /** A prompt that contains the problem somewhere. */
  prompt?: string;
  /** lm-evaluation-harness document number, used to spot the same document logged under several filters. */
  docId?: number;
}

export interface ImportedOutput {
  text: string;
  tokens: number;
  stopReason: StopReason | 'unknown';
}

export interface ImportedLine {
  keys: MatchKeys;
  outputs: ImportedOutput[];
  prompt: string;
  ms: number;
}

export type ReadLineResult = { ok: true; line: ImportedLine } | { ok: false; error: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function nonNegative(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function stopReasonOf(value: unknown): StopReason | 'unknown' {
  if (value === 'stop') return 'stop';
  if (value === 'length') return 'length';
  if (value === 'eos') return 'eos';
  return 'unknown';
}

/** Guesses the format from the fields of one line; null when it matches none. */
export function detectFormat(value: Record<string, unknown>): OutputFormat | null {
  if ('custom_id' in value && ('response' in value || 'error' in value)) return 'vllm-batch';
  if ('doc' in value && ('resps' in value || 'filtered_resps' in value)) return 'lm-eval';
  if (Array.isArray(value.outputs) && value.outputs.some((o) => isObject(o) && 'text' in o)) return 'vllm-offline';
  if ('output' in value || 'outputs' in value) return 'generic';
  return null;
}

const ID_FIELDS = ['id', 'problem_id', 'unique_id', 'idx'];
const TEXT_FIELDS = ['problem', 'question', 'Question', 'Problem'];

function idsFrom(record: Record<string, unknown>, fields: readonly string[]): string[] {
  return fields.map((f) => asText(record[f])).filter((v): v is string => v !== undefined && v !== '');
}

function readGeneric(value: Record<string, unknown>): ReadLineResult {
  const raw = value.output ?? value.outputs;
  const texts = typeof raw === 'string' ? [raw] : Array.isArray(raw) && raw.every((o) => typeof o === 'string') ? (raw as string[]) : null;
  if (!texts || texts.length === 0) return { ok: false, error: '"output" must be a string or a non-empty array of strings' };
  const keys: MatchKeys = { ids: idsFrom(value, ID_FIELDS), texts: idsFrom(value, TEXT_FIELDS) };
  const prompt = asText(value.prompt) ?? '';
  if (prompt) keys.prompt = prompt;
  if (keys.ids.length === 0 && keys.texts.length === 0 && !keys.prompt) {
    return { ok: false, error: 'no "id", "problem", "question" or "prompt" field to match the output to a problem' };
  }
  const tokens = Array.isArray(value.tokens) ? value.tokens : [value.tokens];
  return {
    ok: true,
    line: { keys, prompt, ms: nonNegative(value.ms), outputs: texts.map((text, i) => ({ text, tokens: nonNegative(tokens[i]), stopReason: 'unknown' })) },
  };
}

function readVllmBatch(value: Record<string, unknown>): ReadLineResult {
  const customId = asText(value.custom_id);
  if (!customId) return { ok: false, error: '"custom_id" is missing' };
  if (value.error !== null && value.error !== undefined) return { ok: false, error: `request ${customId} failed: ${JSON.stringify(value.error).slice(0, 200)}` };
  const response = isObject(value.response) ? value.response : null;
  const status = response ? response.status_code : undefined;
  if (typeof status === 'number' && status !== 200) return { ok: false, error: `request ${customId} failed with HTTP status ${status}` };
  const body = response && isObject(response.body) ? response.body : null;
  const choices = body && Array.isArray(body.choices) ? body.choices.filter(isObject) : [];
  const outputs: ImportedOutput[] = [];
  for (const choice of choices) {
    const text = isObject(choice.message) ? asText(choice.message.content) : asText(choice.text);
    if (text !== undefined) outputs.push({ text, tokens: 0, stopReason: stopReasonOf(choice.finish_reason) });
  }
  if (outputs.length === 0) return { ok: false, error: `request ${customId} has no response.body.choices with message.content or text` };
  // Usage counts all choices together, so a per-output count is known only for a single choice.
  const usage = body && isObject(body.usage) ? body.usage : null;
  if (outputs.length === 1 && usage) outputs[0].tokens = nonNegative(usage.completion_tokens);
  return { ok: true, line: { keys: { ids: [customId], texts: [] }, outputs, prompt: '', ms: 0 } };
}

function readVllmOffline(value: Record<string, unknown>): ReadLineResult {
  const prompt = asText(value.prompt) ?? '';
  const outputs: ImportedOutput[] = [];
  for (const output of (value.outputs as unknown[]).filter(isObject)) {
    const text = asText(output.text);
    if (text === undefined) continue;
    const tokens = Array.isArray(output.token_ids) ? output.token_ids.length : 0;
    outputs.push({ text, tokens, stopReason: stopReasonOf(output.finish_reason) });
  }
  if (outputs.length === 0) return { ok: false, error: '"outputs" has no entry with a "text" string' };
  const keys: MatchKeys = { ids: idsFrom(value, ['request_id']), texts: [] };
  if (prompt) keys.prompt = prompt;
  if (keys.ids.length === 0 && !prompt) return { ok: false, error: 'no "request_id" or "prompt" to match the output to a problem' };
  return { ok: true, line: { keys, outputs, prompt, ms: 0 } };
}

/** Returns the prompt of an lm-evaluation-harness sample, whose `arguments` is [[prompt, kwargs]] or {"gen_args_0": {"arg_0": prompt}}. */
function lmEvalPrompt(args: unknown): string {
  if (Array.isArray(args) && Array.isArray(args[0])) return asText(args[0][0]) ?? '';
  if (isObject(args)) {
    const first = Object.values(args)[0];
    if (isObject(first)) return asText(first.arg_0) ?? '';
  }
  return '';
}

function readLmEval(value: Record<string, unknown>): ReadLineResult {
  const doc = isObject(value.doc) ? value.doc : {};
  // resps contains one list per request; generation tasks make one request whose list has the k repeats.
  const resps = Array.isArray(value.resps) ? value.resps.flat() : [];
  const texts = resps.filter((r): r is string => typeof r === 'string');
  if (texts.length === 0) return { ok: false, error: '"resps" holds no generated text (a loglikelihood task, or an empty log)' };
  const prompt = lmEvalPrompt(value.arguments);
  const keys: MatchKeys = { ids: idsFrom(doc, ['unique_id', 'id', 'problem_id']), texts: idsFrom(doc, TEXT_FIELDS) };
  if (prompt) keys.prompt = prompt;
  if (typeof value.doc_id === 'number') keys.docId = value.doc_id;
  if (keys.ids.length === 0 && keys.texts.length === 0 && !keys.prompt) return { ok: false, error: '"doc" has no problem text or id, and "arguments" no prompt' };
  return { ok: true, line: { keys, prompt, ms: 0, outputs: texts.map((text) => ({ text, tokens: 0, stopReason: 'unknown' })) } };
}

export function readOutputLine(value: Record<string, unknown>, format: OutputFormat): ReadLineResult {
  switch (format) {
    case 'generic':
      return readGeneric(value);
    case 'vllm-batch':
      return readVllmBatch(value);
    case 'vllm-offline':
      return readVllmOffline(value);
    case 'lm-eval':
      return readLmEval(value);
  }
}
