/**
 * Supervised fine-tuning examples: the problem in a prompt template (the caller passes the same
 * template evaluation uses), the solution as the response, tokenized as
 *   [BOS] prompt-ids response-ids EOS
 * where the prompt and the response are tokenized separately, because generation later tokenizes
 * the prompt alone. The loss covers the response tokens and EOS only.
 */
import { Rng } from '../util/random.ts';
import type { TrainingTokenizer } from './tokenizer.ts';

/** One problem with its worked solution, from a shard or a JSONL file. */
export interface SftRecord {
  problem: string;
  solution: string;
  /** The final answer, when known (for accuracy checks after training). */
  answer?: string;
  /** Origin of the record ("file.jsonl:12", a shard index), for messages. */
  source?: string;
}

/** Text placed between the prompt and the solution; generation starts right after the prompt. */
export const RESPONSE_PREFIX = ' ';

export interface SftTemplate {
  /** The prompt with `{problem}` where the problem goes. */
  prompt: string;
}

export interface TokenizedExample {
  /** [BOS] prompt, response, EOS. */
  ids: Uint32Array;
  /** Ids that belong to the prompt (BOS included); the loss starts at the first response id. */
  promptLength: number;
  /** The response was cut at the context length (its EOS is missing). */
  truncated: boolean;
}

/** Handling of examples longer than the sequence: cut at the end of the sequence, or left out. */
export type OverflowPolicy = 'truncate' | 'skip';

export interface DataReport {
  /** Records read. */
  records: number;
  /** Records that became examples (truncated ones included). */
  used: number;
  /** Examples whose response was cut at the sequence length. */
  truncated: number;
  /** Examples left out because they are longer than the sequence (skip policy). */
  skippedTooLong: number;
  /** Left out because the prompt alone fills the sequence, so no response token would remain. */
  skippedPromptTooLong: number;
  /** Left out because the problem or the solution is empty. */
  skippedEmpty: number;
  /** Tokens of the used examples, and the response tokens among them (the ones with loss). */
  tokens: number;
  responseTokens: number;
}

/** A data set had nothing to train on; the message counts each kind of record left out. */
export class NoUsableExamplesError extends Error {
  constructor(
    readonly sourceName: string,
    readonly report: DataReport,
  ) {
    const reasons = [
      report.records === 0 ? 'it contains no records' : '',
      report.skippedEmpty ? `${report.skippedEmpty} have an empty problem or solution` : '',
      report.skippedTooLong ? `${report.skippedTooLong} are longer than the sequence length and were skipped` : '',
      report.skippedPromptTooLong ? `${report.skippedPromptTooLong} have a prompt that alone fills the sequence` : '',
    ].filter(Boolean);
    super(`${sourceName} has no usable training examples: ${reasons.join('; ')}. Use a longer --context or other data.`);
    this.name = 'NoUsableExamplesError';
  }
}

export function emptyReport(): DataReport {
  return { records: 0, used: 0, truncated: 0, skippedTooLong: 0, skippedPromptTooLong: 0, skippedEmpty: 0, tokens: 0, responseTokens: 0 };
}

/** Renders the prompt; the placeholder is replaced once, so `{problem}` inside a problem stays as it is. */
export function renderSftPrompt(template: SftTemplate, problem: string): string {
  const at = template.prompt.indexOf('{problem}');
  if (at < 0) throw new Error(`The prompt template must contain {problem}, got ${JSON.stringify(template.prompt.slice(0, 80))}.`);
  return template.prompt.slice(0, at) + problem + template.prompt.slice(at + '{problem}'.length);
}

/** Returns the fixed texts of a template around `{problem}`, which a from-scratch tokenizer makes single tokens. */
export function templateParts(template: SftTemplate): string[] {
  return template.prompt.split('{problem}').filter((part) => part !== '');
}

/** Returns the full text of an example, the input of the tokenizer learner. */
export function exampleText(template: SftTemplate, record: SftRecord): string {
  return renderSftPrompt(template, record.problem) + RESPONSE_PREFIX + record.solution;
}

export interface TokenizeOptions {
  template: SftTemplate;
  /** Input positions per packed sequence; an example of n ids needs n − 1 positions. */
  seqLen: number;
  overflow: OverflowPolicy;
}

/** Tokenizes one record, or returns why it cannot be used. */
export function tokenizeRecord(record: SftRecord, tokenizer: TrainingTokenizer, options: TokenizeOptions): TokenizedExample | 'empty' | 'too-long' | 'prompt-too-long' {
  if (record.problem.trim() === '' || record.solution.trim() === '') return 'empty';
  const prompt = tokenizer.encode(renderSftPrompt(options.template, record.problem));
  const response = tokenizer.encode(RESPONSE_PREFIX + record.solution);
  const bos = tokenizer.bos;
  const promptLength = prompt.length + (bos === null ? 0 : 1);
  const length = promptLength + response.length + 1;
  const maxIds = options.seqLen + 1;
  if (promptLength >= maxIds - 1) return 'prompt-too-long';
  let truncated = false;
  let total = length;
  if (length > maxIds) {
    if (options.overflow === 'skip') return 'too-long';
    truncated = true;
    total = maxIds;
  }
  const ids = new Uint32Array(total);
  let at = 0;
  if (bos !== null) ids[at++] = bos;
  ids.set(prompt, at);
  at += prompt.length;
  const responseRoom = total - at - (truncated ? 0 : 1);
  ids.set(response.slice(0, responseRoom), at);
  at += responseRoom;
  if (!truncated) ids[at] = tokenizer.eos;
  return { ids, promptLength, truncated };
}

/**
 * Tokenizes every record and reports what was left out. Raises NoUsableExamplesError when none is
 * usable; `sourceName` names the file or shard in that message.
 */
export function tokenizeRecords(records: Iterable<SftRecord>, tokenizer: TrainingTokenizer, options: TokenizeOptions, sourceName: string): { examples: TokenizedExample[]; report: DataReport } {
  const report = emptyReport();
  const examples: TokenizedExample[] = [];
  for (const record of records) {
    report.records++;
    const result = tokenizeRecord(record, tokenizer, options);
    if (result === 'empty') report.skippedEmpty++;
    else if (result === 'too-long') report.skippedTooLong++;
    else if (result === 'prompt-too-long') report.skippedPromptTooLong++;
    else {
      examples.push(result);
      report.used++;
      if (result.truncated) report.truncated++;
      report.tokens += result.ids.length;
      report.responseTokens += result.ids.length - result.promptLength;
    }
  }
  if (examples.length === 0) throw new NoUsableExamplesError(sourceName, report);
  return { examples, report };
}

/** Held-out size: a count, or a fraction of the records. */
export type HeldOutSize = { count: number } | { fraction: number };

/** Default held-out share: 5% of the examples, at most 256, none when fewer than 20 examples. */
export function defaultHeldOutCount(total: number): number {
  return total < 20 ? 0 : Math.min(256, Math.max(1, Math.round(total * 0.05)));
}

/**
 * Splits records into training and held-out parts with a seeded shuffle, before tokenization, so the
 * held-out records never shape the from-scratch tokenizer. At least one record stays for training.
 */
export function splitHeldOut<T>(records: readonly T[], size: HeldOutSize | undefined, seed: number): { train: T[]; heldOut: T[] } {
  let count: number;
  if (size === undefined) count = defaultHeldOutCount(records.length);
  else if ('count' in size) count = size.count;
  else count = Math.round(records.length * size.fraction);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`The held-out size must be a whole number of examples ≥ 0, got ${count}.`);
  count = Math.min(count, Math.max(0, records.length - 1));
  const order = new Rng(seed ^ 0x5eed0dd).shuffle(records.map((_, i) => i));
  const held = new Set(order.slice(0, count));
  const train: T[] = [];
  const heldOut: T[] = [];
  records.forEach((record, i) => (held.has(i) ? heldOut : train).push(record));
  return { train, heldOut };
}
