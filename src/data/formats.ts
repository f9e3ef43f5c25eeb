/**
 * JSONL export and import in the common SFT formats, streamed one record at a time:
 *  - alpaca:   {instruction, input, output} (LLaMA-Factory "alpaca", axolotl "alpaca")
 *  - sharegpt: {conversations: [{from: "human", value}, {from: "gpt", value}]}
 *  - openai:   {messages: [{role: "user", content}, {role: "assistant", content}]} (TRL, OpenAI fine-tuning)
 *  - mwb:      the full SynthItem record, which round-trips every field.
 * With `includeMeta`, the SFT formats also carry answer, method, stage, difficulty and family, which
 * those trainers ignore and the importer reads back.
 */
import type { ByteSource, JsonlItem } from '../util/jsonl.ts';
import { isJsonlError, parseJsonl } from '../util/jsonl.ts';
import { statedAnswer } from './verify.ts';
import { exactHash } from './text.ts';
import { METHODS, STAGES, type Method, type Stage, type SynthItem } from './types.ts';

export type SftFormat = 'alpaca' | 'sharegpt' | 'openai' | 'mwb';
export const SFT_FORMATS: readonly SftFormat[] = ['alpaca', 'sharegpt', 'openai', 'mwb'];

export interface ExportOptions {
  includeMeta?: boolean;
  /** An optional system prompt for the sharegpt and openai formats. */
  system?: string;
}

function meta(item: SynthItem) {
  return { answer: item.answer, method: item.method, stage: item.stage, difficulty: item.difficulty, family: item.family, id: item.id };
}

export function toSftRecord(item: SynthItem, format: SftFormat, options: ExportOptions = {}): Record<string, unknown> {
  const extra = options.includeMeta ? meta(item) : {};
  switch (format) {
    case 'alpaca':
      return { instruction: item.problem, input: '', output: item.solution, ...extra };
    case 'sharegpt':
      return {
        conversations: [...(options.system ? [{ from: 'system', value: options.system }] : []), { from: 'human', value: item.problem }, { from: 'gpt', value: item.solution }],
        ...extra,
      };
    case 'openai':
      return {
        messages: [...(options.system ? [{ role: 'system', content: options.system }] : []), { role: 'user', content: item.problem }, { role: 'assistant', content: item.solution }],
        ...extra,
      };
    case 'mwb':
      return { ...item };
  }
}

/** JSONL text for a batch of items; callers write batches in turn, so memory stays bounded. */
export function formatBatch(items: Iterable<SynthItem>, format: SftFormat, options: ExportOptions = {}): string {
  let out = '';
  for (const item of items) out += `${JSON.stringify(toSftRecord(item, format, options))}\n`;
  return out;
}

export interface ImportedLine {
  line: number;
  item: SynthItem;
}

export interface ImportLineError {
  line: number;
  error: string;
  excerpt?: string;
}

/** Extracts a final answer from a solution when a record has none; injected so the grader's extractor is used. */
export type AnswerExtractor = (solution: string) => string | null;

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function pickTurns(turns: unknown, roleKey: string, textKey: string, user: string[], assistant: string[]): { problem: string; solution: string } | string {
  if (!Array.isArray(turns)) return `"${roleKey === 'from' ? 'conversations' : 'messages'}" must be an array`;
  const userIndex = turns.findIndex((t) => t && user.includes(String(t[roleKey])));
  if (userIndex < 0) return `no ${user.join('/')} turn`;
  const reply = turns.slice(userIndex + 1).find((t) => t && assistant.includes(String(t[roleKey])));
  if (!reply) return `no ${assistant.join('/')} turn after the ${user[0]} turn`;
  const problem = str(turns[userIndex][textKey]);
  const solution = str(reply[textKey]);
  if (problem === null || solution === null) return `turn "${textKey}" must be a string`;
  return { problem, solution };
}

/** Reads one record of any supported format (detected from its fields) as a SynthItem. */
export function fromRecord(record: Record<string, unknown>, line: number, extract: AnswerExtractor, fallbackId: string): SynthItem | string {
  let parts: { problem: string; solution: string } | string;
  if (typeof record.problem === 'string' && typeof record.solution === 'string') parts = { problem: record.problem, solution: record.solution };
  else if (typeof record.instruction === 'string' && typeof record.output === 'string') {
    const input = str(record.input)?.trim();
    parts = { problem: input ? `${record.instruction}\n\n${input}` : record.instruction, solution: record.output };
  } else if ('conversations' in record) parts = pickTurns(record.conversations, 'from', 'value', ['human', 'user'], ['gpt', 'assistant']);
  else if ('messages' in record) parts = pickTurns(record.messages, 'role', 'content', ['user'], ['assistant']);
  else if (typeof record.question === 'string' && typeof record.answer === 'string') parts = { problem: record.question, solution: record.answer };
  else return `unknown record shape (fields: ${Object.keys(record).join(', ') || 'none'}); expected problem+solution, instruction+output (Alpaca), conversations (ShareGPT), messages (OpenAI) or question+answer (GSM8K)`;
  if (typeof parts === 'string') return parts;

  const gsm8k = /####\s*(.+?)\s*$/.exec(parts.solution);
  const given = str(record.answer) ?? (typeof record.answer === 'number' ? String(record.answer) : null);
  const answer = (record.question !== undefined && gsm8k ? gsm8k[1] : given) ?? statedAnswer(parts.solution) ?? extract(parts.solution);
  const method = METHODS.includes(record.method as Method) ? (record.method as Method) : 'plain';
  const stage = STAGES.includes(record.stage as Stage) ? (record.stage as Stage) : 'normal';
  const difficulty = typeof record.difficulty === 'number' && record.difficulty >= 1 && record.difficulty <= 5 ? Math.round(record.difficulty) : 1;
  return {
    id: str(record.id) ?? (typeof record.id === 'number' ? String(record.id) : fallbackId),
    problem: parts.problem,
    solution: parts.solution,
    answer: answer ?? '',
    method,
    stage,
    difficulty,
    family: str(record.family) ?? 'imported',
    seedProblemId: str(record.seedProblemId) ?? '',
    hash: exactHash(parts.problem),
    generator: 'import',
    verification: record.verification === 'verified' ? 'verified' : 'unverified',
    verificationDetail: answer === null ? 'no answer found in the record or its solution' : str(record.verificationDetail) ?? undefined,
    meta: typeof record.meta === 'object' && record.meta !== null ? (record.meta as Record<string, unknown>) : { importedLine: line },
  };
}

/**
 * Imports JSONL of any supported format. Each line yields an item or an error with its line number;
 * malformed lines are reported and skipped, and the rest are imported.
 */
export async function* importJsonl(source: ByteSource, extract: AnswerExtractor, idPrefix = 'import'): AsyncGenerator<ImportedLine | ImportLineError> {
  for await (const entry of parseJsonl(source) as AsyncGenerator<JsonlItem>) {
    if (isJsonlError(entry)) {
      yield { line: entry.line, error: entry.error, excerpt: entry.excerpt };
      continue;
    }
    const item = fromRecord(entry.value, entry.line, extract, `${idPrefix}:${entry.line}`);
    if (typeof item === 'string') yield { line: entry.line, error: item };
    else yield { line: entry.line, item };
  }
}

export function isImportError(entry: ImportedLine | ImportLineError): entry is ImportLineError {
  return 'error' in entry;
}
